import * as assert from "node:assert/strict";
import { NeutronRule } from "../../components/model/rules";
import { rulesAfterPlan } from "../../components/model/exposure";
import { renderRuleset } from "../../tools/rehearsal/firewall";
import { assertDocumentationAddress, planTopology } from "../../tools/rehearsal/topology";

const GROUP = "sg-1";
let next = 0;
function rule(fields: Partial<NeutronRule>): NeutronRule {
    return {
        id: `r-${next++}`,
        security_group_id: GROUP,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        port_range_min: 6443,
        port_range_max: 6443,
        remote_ip_prefix: "203.0.113.11/32",
        remote_group_id: null,
        ...fields,
    };
}

/** The accept lines of a ruleset, without the table's fixed preamble. */
function accepts(rules: NeutronRule[]): string[] {
    return renderRuleset(rules, [GROUP])
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.includes(" accept comment ") || line.startsWith("#"))
        .map((line) => line.replace(/ comment "[^"]*"$/, ""));
}

describe("rehearsal firewall rendering", () => {
    it("drops by default and replaces its table in one transaction", () => {
        const text = renderRuleset([], [GROUP]);
        assert.match(text, /^table inet capi_rehearsal\ndelete table inet capi_rehearsal\n/);
        assert.match(text, /policy drop;/);
        assert.match(text, /ct state established,related accept/);
        assert.deepEqual(accepts([]), []);
    });

    it("renders single ports, ranges and all ports", () => {
        assert.deepEqual(
            accepts([
                rule({}),
                rule({
                    port_range_min: 1,
                    port_range_max: 65535,
                    remote_ip_prefix: "10.20.0.0/24",
                }),
                rule({ port_range_min: null, port_range_max: null, protocol: "6" }),
            ]),
            [
                "ip saddr 203.0.113.11/32 meta l4proto 6 th dport 6443 accept",
                "ip saddr 10.20.0.0/24 meta l4proto 6 th dport 1-65535 accept",
                "ip saddr 203.0.113.11/32 meta l4proto 6 accept",
            ],
        );
    });

    it("renders protocol 0 in any spelling as every protocol, as the exposure model counts it", () => {
        const any = { remote_ip_prefix: "0.0.0.0/0", port_range_min: null, port_range_max: null };
        assert.deepEqual(
            accepts([rule({ ...any, protocol: "0" }), rule({ ...any, protocol: "HOPOPT" })]),
            ["ip saddr 0.0.0.0/0 accept", "ip saddr 0.0.0.0/0 accept"],
        );
    });

    it("renders the union of every group on the port and leaves other groups out", () => {
        const rules = [
            rule({ id: "r-managed" }),
            rule({ id: "r-second", security_group_id: "sg-second", remote_ip_prefix: "0.0.0.0/0" }),
            rule({ id: "r-elsewhere", security_group_id: "sg-not-on-port" }),
        ];
        const text = renderRuleset(rules, [GROUP, "sg-second"]);
        assert.match(text, /comment "r-managed"/);
        assert.match(
            text,
            /ip saddr 0\.0\.0\.0\/0 meta l4proto 6 th dport 6443 accept comment "r-second"/,
        );
        assert.doesNotMatch(text, /r-elsewhere/);
    });

    it("renders an absent remote as the whole family and no protocol as any protocol", () => {
        assert.deepEqual(
            accepts([
                rule({ remote_ip_prefix: null }),
                rule({ protocol: null, port_range_min: null, port_range_max: null }),
                rule({
                    ethertype: "IPv6",
                    remote_ip_prefix: null,
                    protocol: "any",
                    port_range_min: null,
                    port_range_max: null,
                }),
            ]),
            [
                "meta nfproto ipv4 meta l4proto 6 th dport 6443 accept",
                "ip saddr 203.0.113.11/32 accept",
                "meta nfproto ipv6 accept",
            ],
        );
    });

    it("renders ICMP type and code, and icmp on IPv6 as ICMPv6", () => {
        assert.deepEqual(
            accepts([
                rule({
                    protocol: "icmp",
                    port_range_min: 8,
                    port_range_max: 0,
                    remote_ip_prefix: null,
                }),
                rule({
                    ethertype: "IPv6",
                    protocol: "icmp",
                    port_range_min: 128,
                    port_range_max: null,
                    remote_ip_prefix: "2001:db8::/32",
                }),
            ]),
            [
                "meta nfproto ipv4 meta l4proto 1 icmp type 8 icmp code 0 accept",
                "ip6 saddr 2001:db8::/32 meta l4proto 58 icmpv6 type 128 accept",
            ],
        );
    });

    it("admits nothing for egress rules, other groups and remote groups", () => {
        assert.deepEqual(
            accepts([
                rule({ direction: "egress" }),
                rule({ security_group_id: "sg-2" }),
                rule({ id: "rg", remote_group_id: "sg-3", remote_ip_prefix: null }),
            ]),
            ["# rg: admits members of a remote group, none of which is a stand-in"],
        );
    });

    it('renders the plan\'s "after": live rules kept, retire targets gone, planned rules in', () => {
        const wide = rule({ remote_ip_prefix: "0.0.0.0/0" });
        const ssh = rule({ remote_ip_prefix: "0.0.0.0/0", port_range_min: 22, port_range_max: 22 });
        const after = rulesAfterPlan(
            [wide, ssh].map((r) => ({ group: { id: GROUP, name: "managed" }, rule: r })),
            { id: GROUP, name: "managed" },
            [
                {
                    role: "operator",
                    ethertype: "IPv4",
                    protocol: "tcp",
                    port: 22,
                    remoteIpPrefix: "192.0.2.7/32",
                    provenance: ["test"],
                },
            ],
            [ssh.id],
        );
        assert.deepEqual(accepts(after.map((r) => r.rule)), [
            "ip saddr 0.0.0.0/0 meta l4proto 6 th dport 6443 accept",
            "ip saddr 192.0.2.7/32 meta l4proto 6 th dport 22 accept",
        ]);
        assert.match(
            renderRuleset([after[1].rule], [GROUP]),
            /comment "planned:22-192\.0\.2\.7-32"/,
        );
        assert.throws(
            () => renderRuleset([rule({ id: 'planned:x" accept' })], [GROUP]),
            /is not a Neutron id/,
        );
    });

    it("refuses what it cannot render faithfully", () => {
        assert.throws(
            () => renderRuleset([rule({ protocol: "bogus" })], [GROUP]),
            /unknown protocol "bogus"/,
        );
        assert.throws(
            () => renderRuleset([rule({ protocol: "gre" })], [GROUP]),
            /protocol gre has no ports/,
        );
        assert.throws(
            () => renderRuleset([rule({ remote_ip_prefix: "2001:db8::/32" })], [GROUP]),
            /is not IPv4/,
        );
        assert.throws(
            () => renderRuleset([rule({ id: 'x" accept' })], [GROUP]),
            /is not a Neutron id/,
        );
        assert.throws(
            () => renderRuleset([rule({ port_range_min: 70000, port_range_max: 70000 })], [GROUP]),
            /70000/,
        );
    });
});

describe("rehearsal topology plan", () => {
    it("names everything after the creating process and keeps the defaults apart", () => {
        const state = planTopology({ apiAddress: "192.0.2.222", stateDir: "/tmp/x" }, 4242);
        assert.equal(state.api.namespace, "crh-4242-api");
        assert.equal(state.operator.link, "crh4242op");
        assert.ok(state.operator.link.length <= 15);
        assert.deepEqual(
            state.units.map((u) => [u.name, u.namespace]),
            [
                ["magnum/0", "crh-4242-unit-magnum-0"],
                ["magnum/1", "crh-4242-unit-magnum-1"],
                ["magnum/2", "crh-4242-unit-magnum-2"],
            ],
        );
    });

    it("refuses addresses outside the documentation ranges, and clashing ones", () => {
        assert.doesNotThrow(() => assertDocumentationAddress("2001:db8::5"));
        assert.throws(
            () => assertDocumentationAddress("10.20.0.10"),
            /outside the documentation ranges/,
        );
        assert.throws(
            () => planTopology({ apiAddress: "8.8.8.8", stateDir: "/tmp/x" }, 1),
            /8\.8\.8\.8 is outside/,
        );
        assert.throws(
            () => planTopology({ apiAddress: "198.51.100.1", stateDir: "/tmp/x" }, 1),
            /must all differ/,
        );
    });
});
