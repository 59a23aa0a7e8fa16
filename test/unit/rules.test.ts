import * as assert from "node:assert/strict";
import { AllowEntry } from "../../components/model/allowset";
import {
    classifyRules,
    coversPort,
    entryKey,
    NeutronRule,
    roleDescription,
    ruleKey,
    ruleShape,
    sameShape,
} from "../../components/model/rules";

const group = "sg-1";
let next = 0;
function rule(fields: Partial<NeutronRule>): NeutronRule {
    return {
        id: `r${next++}`,
        security_group_id: group,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        port_range_min: 6443,
        port_range_max: 6443,
        remote_ip_prefix: null,
        remote_group_id: null,
        description: null,
        ...fields,
    };
}
const entry = (role: AllowEntry["role"], port: number, cidr: string): AllowEntry => ({
    role,
    ethertype: cidr.includes(":") ? "IPv6" : "IPv4",
    protocol: "tcp",
    port,
    remoteIpPrefix: cidr,
    provenance: ["test"],
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
        assert.ok(coversPort(rule({ port_range_min: 1, port_range_max: 65535 }), 22));
        assert.ok(
            coversPort(rule({ protocol: null, port_range_min: null, port_range_max: null }), 6443),
        );
        assert.ok(
            coversPort(rule({ protocol: "6", port_range_min: 6000, port_range_max: 7000 }), 6443),
        );
        assert.ok(
            !coversPort(
                rule({ protocol: "udp", port_range_min: null, port_range_max: null }),
                6443,
            ),
        );
        assert.ok(!coversPort(rule({ direction: "egress" }), 6443));
        assert.ok(!coversPort(rule({ port_range_min: 80, port_range_max: 443 }), 6443));
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
        assert.ok(!sameShape(ruleShape(a), ruleShape({ ...a, port_range_max: 6444 })));
        assert.ok(!sameShape(ruleShape(a), ruleShape({ ...a, remote_ip_prefix: "10.0.0.0/8" })));
    });
});
