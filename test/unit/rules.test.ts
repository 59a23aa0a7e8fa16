import * as assert from "node:assert/strict";
import {
    classifyRules,
    enforcedRemotePrefix,
    entryKey,
    isAnySource,
    isOwnDescription,
    remotePrefix,
    NeutronRule,
    roleDescription,
    ruleKey,
    ruleShape,
    sameShape,
} from "../../components/model/rules";
import { mayReachPort } from "../../components/model/rule-reach";
import { allowEntry as entry, neutronRule } from "../support/rules";

const group = "sg-1";
let next = 0;
const rule = (fields: Partial<NeutronRule>): NeutronRule =>
    neutronRule({
        id: `r${next++}`,
        security_group_id: group,
        remote_ip_prefix: null,
        description: null,
        ...fields,
    });
const allowSet = [
    entry("conductor", 6443, "10.12.4.154/32"),
    entry("operator", 6443, "10.12.4.1/32"),
    entry("operator", 22, "10.12.4.1/32"),
    entry("hairpin", 6443, "10.20.0.0/24"),
];
const selectors = [
    { remote: "0.0.0.0/0", ports: [6443, 22] },
    { remote: "::/0", ports: [6443, 22] },
];

function classOf(r: NeutronRule): string {
    const [c] = classifyRules([r], allowSet, selectors, [6443, 22]);
    return `${c.class}: ${c.reason}`;
}

describe("rules", () => {
    it("matches Neutron's duplicate key: description ignored, no prefix = any-address", () => {
        const e = entry("conductor", 6443, "10.12.4.154/32");
        assert.equal(
            entryKey(e, group),
            ruleKey(rule({ remote_ip_prefix: "10.12.4.154/32", description: "anything" })),
        );
        assert.equal(
            ruleKey(rule({ remote_ip_prefix: null })),
            ruleKey(rule({ remote_ip_prefix: "0.0.0.0/0" })),
        );
        assert.notEqual(
            ruleKey(
                rule({
                    remote_ip_prefix: "10.12.4.154/32",
                    port_range_min: 22,
                    port_range_max: 22,
                }),
            ),
            entryKey(e, group),
        );
    });

    it("knows which ports a rule reaches: ranges, any protocol, null ports", () => {
        assert.ok(mayReachPort(rule({ port_range_min: 1, port_range_max: 65535 }), 22));
        assert.ok(
            mayReachPort(
                rule({ protocol: null, port_range_min: null, port_range_max: null }),
                6443,
            ),
        );
        assert.ok(
            mayReachPort(rule({ protocol: "6", port_range_min: 6000, port_range_max: 7000 }), 6443),
        );
        assert.ok(
            !mayReachPort(
                rule({ protocol: "udp", port_range_min: null, port_range_max: null }),
                6443,
            ),
        );
        assert.ok(!mayReachPort(rule({ direction: "egress" }), 6443));
        assert.ok(!mayReachPort(rule({ port_range_min: 80, port_range_max: 443 }), 6443));
    });

    it("classifies the ruling's group", () => {
        assert.equal(
            classOf(
                rule({
                    remote_ip_prefix: "10.12.4.154/32",
                    description: roleDescription("conductor"),
                }),
            ),
            "managed: conductor rule",
        );
        assert.match(
            classOf(rule({ remote_ip_prefix: "10.12.4.154/32", description: "by hand" })),
            /^adoptable/,
        );
        assert.match(
            classOf(rule({ remote_ip_prefix: "0.0.0.0/0" })),
            /^retire: 0.0.0.0\/0 on 6443/,
        );
        assert.match(
            classOf(rule({ remote_ip_prefix: null, port_range_min: 22, port_range_max: 22 })),
            /^retire/,
        );
        assert.match(
            classOf(
                rule({
                    ethertype: "IPv6",
                    remote_ip_prefix: "::/0",
                    port_range_min: 22,
                    port_range_max: 22,
                }),
            ),
            /^retire: ::\/0 on 22/,
        );
        // As stored, with what is enforced: the rule shows no 0.0.0.0/0.
        assert.equal(
            classOf(rule({ ethertype: "IPv6", remote_ip_prefix: "::ffff:0.0.0.0/96" })),
            "retire: ::ffff:0.0.0.0/96 (IPv4-mapped, enforced as 0.0.0.0/0) on 6443/tcp",
        );
        assert.equal(
            classOf(rule({ remote_ip_prefix: "0.0.0.9/0" })),
            "retire: 0.0.0.9/0 (enforced as 0.0.0.0/0) on 6443/tcp",
        );
        assert.match(classOf(rule({ direction: "egress", protocol: null })), /^unrelated/);
        assert.match(
            classOf(
                rule({ remote_ip_prefix: "0.0.0.0/0", port_range_min: 80, port_range_max: 80 }),
            ),
            /^unrelated/,
        );
    });

    it("calls drift every other way a source outside the allow-set reaches a protected port", () => {
        const drift = [
            rule({ remote_ip_prefix: "0.0.0.0/0", port_range_min: 1, port_range_max: 65535 }),
            rule({
                protocol: null,
                port_range_min: null,
                port_range_max: null,
                remote_ip_prefix: "192.0.2.0/24",
            }),
            rule({ ethertype: "IPv6", remote_ip_prefix: "2001:db8::/64" }),
            rule({ remote_group_id: "sg-other" }),
            rule({ remote_address_group_id: "ag-1" }),
            rule({ remote_ip_prefix: "10.12.4.154/32", port_range_min: 22, port_range_max: 22 }),
            rule({ remote_ip_prefix: "10.20.0.0/16" }),
        ];
        for (const r of drift) {
            assert.match(classOf(r), /^drift/, JSON.stringify(r));
        }
        // A range that admits only allow-set sources on the protected ports it covers is not drift.
        assert.match(
            classOf(
                rule({
                    remote_ip_prefix: "10.20.0.7/32",
                    port_range_min: 6000,
                    port_range_max: 7000,
                }),
            ),
            /^unrelated/,
        );
    });

    it("counts protocol 0 as every protocol and reads host bits and odd rules without failing", () => {
        for (const protocol of ["0", "hopopt", "ANY", "TCP", "6"]) {
            assert.match(
                classOf(rule({ protocol, remote_ip_prefix: "0.0.0.0/0" })),
                /^drift|^retire/,
            );
        }
        assert.match(
            classOf(
                rule({
                    protocol: "0",
                    port_range_min: null,
                    port_range_max: null,
                    remote_ip_prefix: "0.0.0.0/0",
                }),
            ),
            /^drift/,
        );
        assert.match(
            classOf(rule({ remote_ip_prefix: "198.51.100.9/24" })),
            /^drift.*198\.51\.100\.0\/24/,
        );
        assert.match(
            classOf(
                rule({ remote_ip_prefix: "198.51.100.9/24", normalized_cidr: "198.51.100.0/24" }),
            ),
            /^drift.*198\.51\.100\.0\/24/,
        );
        assert.match(classOf(rule({ remote_ip_prefix: "10.0.0.300/8" })), /^drift.*cannot be read/);
        assert.match(
            classOf(rule({ unreadable: "protocol 7" })),
            /^drift.*cannot be read \(protocol 7\)/,
        );
    });

    it("compares shapes field by field", () => {
        const a = rule({ remote_ip_prefix: "0.0.0.0/0" });
        assert.ok(sameShape(ruleShape(a), ruleShape({ ...a, id: "other", description: "x" })));
        // Each field alone makes another rule: the retirement must refuse it.
        const others: Partial<NeutronRule>[] = [
            { direction: "egress" },
            { ethertype: "IPv6" },
            { protocol: "udp" },
            { protocol: null },
            { port_range_min: 6442 },
            { port_range_min: null },
            { port_range_max: 6444 },
            { remote_ip_prefix: "10.0.0.0/8" },
            { remote_ip_prefix: null },
            { remote_group_id: "sg-other" },
        ];
        for (const change of others) {
            const b = { ...a, ...change };
            assert.ok(!sameShape(ruleShape(a), ruleShape(b)), JSON.stringify(change));
            assert.ok(!sameShape(ruleShape(b), ruleShape(a)), JSON.stringify(change));
        }
        const noRemote = rule({ remote_ip_prefix: null });
        assert.ok(
            sameShape(ruleShape(noRemote), {
                ...ruleShape(noRemote),
                remoteGroupId: undefined,
            } as never),
        );
    });

    it("a rule that covers no protected port is never a retire target, whatever its remote", () => {
        // Egress tcp 6443 from 0.0.0.0/0 has the wide shape but admits nothing.
        assert.equal(
            classOf(rule({ direction: "egress", remote_ip_prefix: "0.0.0.0/0" })),
            "unrelated: egress: does not count for ingress",
        );
        assert.equal(
            classOf(rule({ protocol: "udp", remote_ip_prefix: "0.0.0.0/0" })),
            "unrelated: udp 6443: not tcp, admits no protected port (6443/tcp and 22/tcp)",
        );
    });

    it("adopts and retires only single-port TCP rules", () => {
        const conductor = "10.12.4.154/32";
        // Any protocol from the conductor's /32: no driver reads its ports, so it reaches 22 too.
        assert.equal(
            classOf(rule({ protocol: null, remote_ip_prefix: conductor })),
            "drift: 10.12.4.154/32 reaches 22/tcp (every protocol, port 6443) outside the allow-set",
        );
        assert.equal(
            classOf(rule({ protocol: "udp", remote_ip_prefix: conductor })),
            "unrelated: udp 6443: not tcp, admits no protected port (6443/tcp and 22/tcp)",
        );
        assert.equal(
            classOf(rule({ port_range_max: 6450, remote_ip_prefix: conductor })),
            "unrelated: reaches 6443/tcp (tcp 6443-6450) from allow-set sources only",
        );
        assert.match(
            classOf(rule({ protocol: "6", remote_ip_prefix: conductor, description: "x" })),
            /^adoptable/,
        );
        // A 22-6443 range from anywhere is not the wide rule the preview retires: drift.
        assert.match(
            classOf(
                rule({ port_range_min: 22, port_range_max: 6443, remote_ip_prefix: "0.0.0.0/0" }),
            ),
            /^drift: 0.0.0.0\/0 reaches 6443\/tcp and 22\/tcp \(tcp 22-6443\)/,
        );
        assert.match(
            classOf(
                rule({
                    protocol: null,
                    port_range_min: null,
                    port_range_max: null,
                    remote_ip_prefix: "0.0.0.0/0",
                }),
            ),
            /^drift: 0.0.0.0\/0 reaches 6443\/tcp and 22\/tcp \(every protocol, every port\)/,
        );
        // A retire selector on one port only leaves the other port's wide rule as drift.
        const [c] = classifyRules(
            [rule({ port_range_min: 22, port_range_max: 22, remote_ip_prefix: "0.0.0.0/0" })],
            allowSet,
            [{ remote: "0.0.0.0/0", ports: [6443] }],
            [6443, 22],
        );
        assert.equal(c.class, "drift");
    });

    it("writes Neutron's duplicate key field by field", () => {
        assert.equal(
            ruleKey(
                rule({
                    protocol: null,
                    port_range_min: null,
                    port_range_max: null,
                    remote_group_id: "sg-2",
                }),
            ),
            "sg-1|ingress|IPv4|||||sg-2",
        );
        assert.equal(
            ruleKey(rule({ protocol: "6", remote_ip_prefix: "10.12.4.154/32" })),
            "sg-1|ingress|IPv4|tcp|6443|6443|10.12.4.154/32|",
        );
        assert.equal(ruleKey(rule({ protocol: "any" })), ruleKey(rule({ protocol: "" })));
        assert.equal(ruleKey(rule({ protocol: "any" })), ruleKey(rule({ protocol: null })));
        assert.ok(mayReachPort(rule({ protocol: "any" }), 6443));
        assert.ok(mayReachPort(rule({ protocol: "" }), 6443));
        assert.equal(
            remotePrefix(rule({ ethertype: "IPv6", remote_ip_prefix: null })).cidr,
            "::/0",
        );
    });

    it("reads a live rule's remote as Neutron enforces it: any-address of its family, host bits cleared", () => {
        const enforced = (fields: Partial<NeutronRule>) => enforcedRemotePrefix(rule(fields)).cidr;
        assert.equal(enforced({ ethertype: "IPv6", remote_ip_prefix: null }), "::/0");
        assert.equal(enforced({ ethertype: "IPv4", remote_ip_prefix: null }), "0.0.0.0/0");
        assert.equal(enforced({ remote_ip_prefix: "198.51.100.9/24" }), "198.51.100.0/24");
        assert.equal(
            enforced({ remote_ip_prefix: "198.51.100.9/24", normalized_cidr: "198.51.100.0/24" }),
            "198.51.100.0/24",
        );
        // The duplicate key carries the enforced network, so a host-bits rule matches its entry.
        assert.equal(
            ruleKey(rule({ ethertype: "IPv6", protocol: "tcp", remote_ip_prefix: null })),
            "sg-1|ingress|IPv6|tcp|6443|6443|::/0|",
        );
    });

    it("reads every spelling of protocol 0 as every protocol, and only 6 in any form as TCP", () => {
        const allPorts = (protocol: string) =>
            rule({ protocol, port_range_min: null, port_range_max: null });
        for (const every of ["ip", "IP", "hopopt", "00", " 0 "]) {
            assert.ok(mayReachPort(allPorts(every), 6443), every);
        }
        // A leading zero makes no other protocol every protocol (01 is ICMP).
        for (const other of ["10", "16", "60", "01", "udp", "17"]) {
            assert.ok(!mayReachPort(allPorts(other), 6443), other);
        }
        assert.ok(mayReachPort(rule({ protocol: "006" }), 6443));
    });

    it("knows its own description, and nothing else, as its own", () => {
        assert.ok(isOwnDescription("capi-mgmt-ingress: conductor"));
        assert.ok(!isOwnDescription(null));
        assert.ok(!isOwnDescription(undefined));
        assert.ok(!isOwnDescription("made by hand"));
        assert.equal(
            classOf(rule({ remote_ip_prefix: "10.12.4.154/32", description: undefined })),
            "adoptable: matches the conductor entry; created outside this program",
        );
    });

    it("names the remote group that reaches a protected port", () => {
        assert.equal(
            classOf(rule({ remote_group_id: "sg-other" })),
            "drift: remote group sg-other reaches 6443/tcp (tcp 6443)",
        );
        assert.equal(
            classOf(rule({ remote_address_group_id: "ag-1", remote_ip_prefix: "10.12.4.154/32" })),
            "drift: remote address group ag-1 reaches 6443/tcp (tcp 6443)",
        );
    });

    it("knows a rule that admits any source", () => {
        assert.ok(isAnySource(rule({ remote_ip_prefix: null })));
        assert.ok(isAnySource(rule({ ethertype: "IPv6", remote_ip_prefix: "::/0" })));
        assert.ok(!isAnySource(rule({ remote_ip_prefix: "0.0.0.0/1" })));
        assert.ok(!isAnySource(rule({ remote_ip_prefix: null, remote_group_id: "sg-2" })));
        assert.ok(!isAnySource(rule({ remote_ip_prefix: null, remote_address_group_id: "ag" })));
    });
});
