import * as assert from "node:assert/strict";
import { AllowEntry } from "../../components/model/allowset";
import {
    computeExposure,
    coversWholeFamily,
    describeExposure,
    Exposure,
    exposureBeyond,
    GroupRule,
    RemoteAddresses,
    rulesAfterPlan,
} from "../../components/model/exposure";
import { groupRule, MANAGED, NO_REMOTES } from "../support/exposure";

const managed = MANAGED;
const other = { id: "sg-other", name: "default" };
const rule = groupRule;
const noRemotes = NO_REMOTES;

function exposure(rules: GroupRule[], remotes = noRemotes, portSecurity = true): Exposure {
    return computeExposure({ rules, remotes, protectedPorts: [6443, 22], portSecurity });
}
function partsOf(e: Exposure, port: number, ethertype: "IPv4" | "IPv6" = "IPv4") {
    const found = e.ports.find((p) => p.port === port && p.ethertype === ethertype);
    assert.ok(found, `no ${port} ${ethertype}`);
    return found.parts;
}
function cidrs(e: Exposure, port: number, ethertype: "IPv4" | "IPv6" = "IPv4"): string[] {
    return partsOf(e, port, ethertype).map((p) => p.cidr);
}

describe("exposure model", () => {
    it("counts every protocol form that includes TCP, and no other", () => {
        for (const protocol of [null, "any", "ANY", "0", "hopopt", "ip", "tcp", "TCP", "6"]) {
            const e = exposure([rule({ protocol, port_range_min: null, port_range_max: null })]);
            assert.deepEqual(cidrs(e, 6443), ["10.0.0.1/32"], String(protocol));
            assert.deepEqual(cidrs(e, 22), ["10.0.0.1/32"], String(protocol));
        }
        for (const protocol of ["udp", "17", "icmp", "sctp", "ipv6-icmp"]) {
            const e = exposure([rule({ protocol, port_range_min: null, port_range_max: null })]);
            assert.deepEqual(cidrs(e, 6443), [], protocol);
        }
        // On port 80 only, but in a spelling the iptables driver gives no ports: every port.
        const upper = exposure([rule({ protocol: "TCP", port_range_min: 80, port_range_max: 80 })]);
        assert.deepEqual(
            [cidrs(upper, 6443), cidrs(upper, 22)],
            [["10.0.0.1/32"], ["10.0.0.1/32"]],
        );
        const lower = exposure([rule({ protocol: "tcp", port_range_min: 80, port_range_max: 80 })]);
        assert.deepEqual([cidrs(lower, 6443), cidrs(lower, 22)], [[], []]);
    });

    it("counts port ranges inclusively and ignores egress", () => {
        const e = exposure([
            rule({ port_range_min: 6000, port_range_max: 7000, remote_ip_prefix: "0.0.0.0/0" }),
            rule({ port_range_min: 23, port_range_max: 6442, remote_ip_prefix: "10.9.0.0/16" }),
            rule({ port_range_min: 1, port_range_max: 22, remote_ip_prefix: "10.8.0.0/16" }),
            rule({ direction: "egress", remote_ip_prefix: "11.0.0.0/8" }),
        ]);
        assert.deepEqual(cidrs(e, 6443), ["0.0.0.0/0"]);
        assert.deepEqual(cidrs(e, 22), ["10.8.0.0/16"]);
        const part = e.ports.find((p) => p.port === 6443 && p.ethertype === "IPv4")!.parts[0];
        assert.equal(part.admittedBy.length, 1);
        assert.match(part.admittedBy[0].why, /tcp 6000-7000 includes 6443/);
    });

    it("unions every group on the port into minimal sorted parts naming their rules", () => {
        const wide = rule({ remote_ip_prefix: "0.0.0.0/1" }, other);
        const e = exposure([
            rule({ remote_ip_prefix: "10.0.0.0/24" }),
            rule({ remote_ip_prefix: "10.0.1.0/24" }),
            rule({ remote_ip_prefix: "10.0.2.0/25" }),
            rule({ remote_ip_prefix: "192.0.2.7/32" }),
        ]);
        assert.deepEqual(cidrs(e, 6443), ["10.0.0.0/23", "10.0.2.0/25", "192.0.2.7/32"]);
        const both = exposure([wide, rule({ remote_ip_prefix: "128.0.0.0/1" })]);
        assert.deepEqual(cidrs(both, 6443), ["0.0.0.0/0"]);
        const admitters = partsOf(both, 6443)[0].admittedBy;
        assert.deepEqual(
            admitters.map((a) => [a.groupName, a.ruleId, a.cidr]),
            [
                ["default", wide.rule.id, "0.0.0.0/1"],
                ["capi-mgmt-sg", admitters[1].ruleId, "128.0.0.0/1"],
            ],
        );
    });

    it("reads prefixes as Neutron enforces them: host bits, normalized_cidr, /0 spellings", () => {
        assert.deepEqual(cidrs(exposure([rule({ remote_ip_prefix: "198.51.100.9/24" })]), 6443), [
            "198.51.100.0/24",
        ]);
        const normalized = exposure([
            rule({ remote_ip_prefix: "198.51.100.9/24", normalized_cidr: "198.51.100.0/24" }),
        ]);
        assert.match(partsOf(normalized, 6443)[0].admittedBy[0].admits, /stored as 198.51.100.9/);
        for (const [remote, ethertype] of [
            ["1.2.3.4/0", "IPv4"],
            ["::/0", "IPv6"],
            ["0::0/0", "IPv6"],
            ["2001:db8::1/0", "IPv6"],
            [null, "IPv6"],
            ["", "IPv4"],
        ] as const) {
            const e = exposure([rule({ remote_ip_prefix: remote, ethertype })]);
            assert.deepEqual(cidrs(e, 6443, ethertype), [
                ethertype === "IPv4" ? "0.0.0.0/0" : "::/0",
            ]);
        }
    });

    it("counts an IPv4-mapped prefix in IPv6 and as its IPv4 network", () => {
        const e = exposure([rule({ ethertype: "IPv6", remote_ip_prefix: "::ffff:0.0.0.0/96" })]);
        assert.deepEqual(cidrs(e, 6443, "IPv6"), ["::ffff:0:0/96"]);
        assert.deepEqual(cidrs(e, 6443, "IPv4"), ["0.0.0.0/0"]);
    });

    it("resolves remote groups and address groups, and counts unresolved ones as any", () => {
        const remotes: RemoteAddresses = {
            groups: new Map([
                ["sg-web", ["10.1.0.5", "10.1.0.4", "2001:db8::5"]],
                ["sg-hidden", null],
            ]),
            addressGroups: new Map([["ag-1", ["203.0.113.0/25", "203.0.113.128/25"]]]),
        };
        const e = exposure(
            [
                rule({ remote_ip_prefix: null, remote_group_id: "sg-web" }),
                rule({ remote_ip_prefix: null, remote_address_group_id: "ag-1" }),
            ],
            remotes,
        );
        assert.deepEqual(cidrs(e, 6443), ["10.1.0.4/31", "203.0.113.0/24"]);
        assert.deepEqual(cidrs(e, 6443, "IPv6"), ["2001:db8::5/128"]);
        assert.deepEqual(e.unresolved, []);
        const hidden = rule({ remote_ip_prefix: null, remote_group_id: "sg-hidden" });
        const absent = rule({ remote_ip_prefix: null, remote_address_group_id: "ag-missing" });
        const u = exposure([hidden, absent], remotes);
        assert.deepEqual(cidrs(u, 6443), ["0.0.0.0/0"]);
        assert.deepEqual(u.unresolved, [
            { groupId: managed.id, ruleId: hidden.rule.id, remote: "remote group sg-hidden" },
            {
                groupId: managed.id,
                ruleId: absent.rule.id,
                remote: "remote address group ag-missing",
            },
        ]);
    });

    it("reports an unreadable rule by id and counts it as everything, without throwing", () => {
        const badPrefix = rule({ remote_ip_prefix: "10.0.0.300/8" });
        const badProto = rule({ protocol: "tcpish" });
        const badEthertype = rule({ ethertype: "ipv4" as never, remote_ip_prefix: "10.0.0.1/32" });
        const parsed = rule({ unreadable: 'port_range_min "x"' });
        const e = exposure([badPrefix, badProto, badEthertype, parsed, rule({})]);
        assert.deepEqual(
            e.unreadable.map((u) => [u.ruleId, u.what]),
            [
                [
                    badPrefix.rule.id,
                    'remote_ip_prefix "10.0.0.300/8" ("10.0.0.300" is not a dotted-quad IPv4 address)',
                ],
                [badProto.rule.id, 'protocol "tcpish"'],
                [badEthertype.rule.id, 'ethertype "ipv4"'],
                [parsed.rule.id, 'port_range_min "x"'],
            ],
        );
        assert.deepEqual(cidrs(e, 22), ["0.0.0.0/0"]);
        // Only the rule whose ethertype is unreadable reaches IPv6.
        const v6 = e.ports.find((p) => p.port === 22 && p.ethertype === "IPv6")!;
        assert.deepEqual(
            v6.parts[0].admittedBy.map((a) => a.ruleId),
            [badEthertype.rule.id],
        );
    });

    it("counts a rule whose ethertype the parser could not read in both families", () => {
        const odd = rule({ unreadable: 'ethertype "ipv4"' });
        const e = exposure([odd]);
        assert.deepEqual(cidrs(e, 6443, "IPv6"), ["::/0"]);
        assert.deepEqual(cidrs(e, 22, "IPv4"), ["0.0.0.0/0"]);
        assert.deepEqual(e.unreadable, [
            { groupId: managed.id, ruleId: odd.rule.id, what: 'ethertype "ipv4"' },
        ]);
    });

    it("admits everything on every port when port security is off", () => {
        const e = exposure([], noRemotes, false);
        for (const p of e.ports) {
            assert.deepEqual(
                p.parts.map((x) => x.cidr),
                [p.ethertype === "IPv4" ? "0.0.0.0/0" : "::/0"],
            );
            assert.match(p.parts[0].admittedBy[0].why, /port_security_enabled false/);
        }
    });

    it("finds what lies beyond the allow-set, keeping the admitters of each part", () => {
        const e = exposure([
            rule({ remote_ip_prefix: "10.0.0.0/30" }),
            rule({ remote_ip_prefix: "0.0.0.0/0", port_range_min: 22, port_range_max: 22 }),
            rule({ remote_ip_prefix: "2001:db8::/127", ethertype: "IPv6" }),
        ]);
        const beyond = exposureBeyond(e, [
            { port: 6443, ethertype: "IPv4", cidr: "10.0.0.1/32" },
            { port: 6443, ethertype: "IPv6", cidr: "2001:db8::/127" },
            { port: 22, ethertype: "IPv4", cidr: "0.0.0.0/1" },
        ]);
        assert.deepEqual(
            beyond.map((p) => [p.port, p.ethertype, p.parts.map((x) => x.cidr)]),
            [
                [22, "IPv4", ["128.0.0.0/1"]],
                [6443, "IPv4", ["10.0.0.0/32", "10.0.0.2/31"]],
            ],
        );
        assert.equal(beyond[1].parts[1].admittedBy[0].cidr, "10.0.0.0/30");
        assert.deepEqual(
            exposureBeyond(e, [
                { port: 6443, ethertype: "IPv4", cidr: "10.0.0.0/8" },
                { port: 6443, ethertype: "IPv6", cidr: "2001:db8::/64" },
                { port: 22, ethertype: "IPv4", cidr: "0.0.0.0/0" },
            ]),
            [],
        );
    });

    it("applies the plan: allow entries added to the managed group, retire targets removed", () => {
        const open = rule({ remote_ip_prefix: "0.0.0.0/0" });
        const stays = rule({ remote_ip_prefix: "0.0.0.0/0", protocol: "0" }, other);
        const entry: AllowEntry = {
            role: "conductor",
            ethertype: "IPv4",
            protocol: "tcp",
            port: 6443,
            remoteIpPrefix: "10.12.4.154/32",
            provenance: ["magnum/0"],
        };
        const after = rulesAfterPlan([open, stays], managed, [entry], [open.rule.id]);
        assert.deepEqual(
            after.map((r) => r.rule.id),
            [stays.rule.id, "planned:6443-10.12.4.154-32"],
        );
        assert.equal(after[1].group, managed);
        const e = exposure(after);
        const beyond = exposureBeyond(e, [
            { port: 6443, ethertype: "IPv4", cidr: "10.12.4.154/32" },
        ]);
        // The other group's protocol-0 rule keeps the port open after the change.
        assert.equal(beyond[0].parts[0].admittedBy[0].ruleId, stays.rule.id);
        assert.deepEqual(
            cidrs(exposure(rulesAfterPlan([open], managed, [entry], [open.rule.id])), 6443),
            ["10.12.4.154/32"],
        );
    });

    it("knows when CIDRs together cover a family", () => {
        assert.equal(coversWholeFamily(["0.0.0.0/1", "128.0.0.0/1"], "IPv4"), true);
        assert.equal(coversWholeFamily(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"], "IPv4"), true);
        assert.equal(coversWholeFamily(["0.0.0.0/1", "128.0.0.0/2"], "IPv4"), false);
        assert.equal(coversWholeFamily(["::/1", "8000::/1"], "IPv6"), true);
        assert.equal(coversWholeFamily(["::/1", "8000::/1"], "IPv4"), false);
        assert.equal(coversWholeFamily(["::ffff:0.0.0.0/97", "128.0.0.0/1"], "IPv4"), true);
        assert.equal(coversWholeFamily([], "IPv6"), false);
    });

    it("describes an exposure in words", () => {
        const parts = (list: string[]) => list.map((cidr) => ({ cidr, admittedBy: [] }));
        assert.equal(describeExposure([], "IPv4"), "no address");
        assert.equal(
            describeExposure(parts(["0.0.0.0/1", "128.0.0.0/1"]), "IPv4"),
            "every IPv4 address",
        );
        assert.equal(
            describeExposure(
                parts([
                    "0.0.0.0/5",
                    "8.0.0.0/7",
                    "11.0.0.0/8",
                    "12.0.0.0/6",
                    "16.0.0.0/4",
                    "32.0.0.0/3",
                    "64.0.0.0/2",
                    "128.0.0.0/1",
                ]),
                "IPv4",
            ),
            "every IPv4 address except this 1 prefix: 10.0.0.0/8",
        );
        assert.equal(
            describeExposure(parts(["10.0.0.1/32", "2001:db8::/32"].slice(0, 1)), "IPv4"),
            "1 prefix: 10.0.0.1/32",
        );
        const many = parts(Array.from({ length: 12 }, (_, i) => `10.0.${i}.0/24`));
        assert.match(
            describeExposure(many, "IPv4"),
            /^12 prefixes: 10\.0\.0\.0\/24, .* and 2 more$/,
        );
    });
});
