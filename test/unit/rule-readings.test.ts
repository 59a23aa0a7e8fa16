// The two readings of what a rule lets reach a TCP port: the wide one (classification, policy
// pack), where counting too much flags a rule, and the certain one (destroy and removal guards),
// where counting too much strands a source. Each form Neutron can hold, in both.
import * as assert from "node:assert/strict";
import {
    certainlyReachesPort,
    certainRemotePrefix,
    mayReachPort,
} from "../../components/model/rule-reach";
import { classifyRules, NeutronRule } from "../../components/model/rules";
import { readRule } from "../../components/model/rule-reading";
import { allowEntry as entry, neutronRule } from "../support/rules";

const rule = (fields: Partial<NeutronRule>): NeutronRule =>
    neutronRule({ remote_ip_prefix: "10.30.0.11/32", ...fields });
const ports = (protocol: string | null, min: number | null, max: number | null) =>
    rule({ protocol, port_range_min: min, port_range_max: max });

/** [what, rule, wide reading of 6443, certain reading of 6443]. */
const FORMS: [string, NeutronRule, boolean, boolean][] = [
    ["every protocol, no ports", ports(null, null, null), true, true],
    ["tcp, no ports", ports("tcp", null, null), true, true],
    ["tcp 6443", ports("tcp", 6443, 6443), true, true],
    ["6, 6000-7000", ports("6", 6000, 7000), true, true],
    ["tcp 1-65535", ports("tcp", 1, 65535), true, true],
    ["tcp 6443-65535", ports("tcp", 6443, 65535), true, true],
    ["tcp 1-6443", ports("tcp", 1, 6443), true, true],
    ["tcp 80-443", ports("tcp", 80, 443), false, false],
    ["tcp 6444-7000", ports("tcp", 6444, 7000), false, false],
    ["tcp 1-6442", ports("tcp", 1, 6442), false, false],
    ["protocol 0", ports("0", null, null), true, false],
    ["protocol 00", ports("00", null, null), true, false],
    ["hopopt", ports("hopopt", null, null), true, false],
    ["HOPOPT", ports("HOPOPT", null, null), true, false],
    ["ip", ports("ip", null, null), true, false],
    ["any", ports("any", null, null), true, false],
    ["ANY", ports("ANY", null, null), true, false],
    ["empty protocol", ports("", null, null), true, false],
    ["TCP 6443", ports("TCP", 6443, 6443), true, false],
    ["TCP 80", ports("TCP", 80, 80), true, false],
    ["Tcp, no ports", ports("Tcp", null, null), true, false],
    ["006 80", ports("006", 80, 80), true, false],
    ["06 6443", ports("06", 6443, 6443), true, false],
    ["0006 80 (four digits)", ports("0006", 80, 80), true, false],
    ["protocol 256", ports("256", 80, 80), true, false],
    ["an unknown name", ports("foo", 80, 80), true, false],
    ["tcp with a blank", ports("tcp ", 80, 80), true, false],
    ["6 with blanks", ports(" 6 ", 6443, 6443), true, false],
    ["tcp, min 6443 alone", ports("tcp", 6443, null), true, false],
    ["tcp, min 7000 alone", ports("tcp", 7000, null), true, false],
    ["tcp, max 80 alone", ports("tcp", null, 80), true, false],
    ["tcp, max 6443 alone", ports("tcp", null, 6443), true, false],
    ["tcp 7000-6000 (min above max)", ports("tcp", 7000, 6000), true, false],
    ["tcp 0-6443 (port 0)", ports("tcp", 0, 6443), true, false],
    ["tcp 6443-70000", ports("tcp", 6443, 70000), true, false],
    ["every protocol, ports 22", ports(null, 22, 22), true, false],
    ["every protocol, ports 6443", ports(null, 6443, 6443), true, false],
    ["protocol 0, ports 22", ports("0", 22, 22), true, false],
    ["udp", ports("udp", null, null), false, false],
    ["17", ports("17", 6443, 6443), false, false],
    ["01 (ICMP)", ports("01", null, null), false, false],
    ["icmp", ports("icmp", null, null), false, false],
    ["egress tcp 6443", rule({ direction: "egress" }), false, false],
    ["egress, every protocol", rule({ direction: "egress", protocol: null }), false, false],
    ["tcp -1-80 (below 0)", ports("tcp", -1, 80), true, false],
    ["tcp 0-80", ports("tcp", 0, 80), false, false],
    ["tcp 7000-65535", ports("tcp", 7000, 65535), false, false],
    ["6 80", ports("6", 80, 80), false, false],
    ["an unknown name ending in digits", ports("x17", 80, 80), true, false],
    ["digits then a letter", ports("17x", 80, 80), true, false],
    ["255", ports("255", null, null), false, false],
    ["unreadable", { ...ports(null, null, null), unreadable: "protocol 7" }, true, false],
    ["unreadable, kept as udp", { ...ports("udp", null, null), unreadable: "x" }, true, false],
];

describe("rule readings: what may reach a TCP port, what certainly does", () => {
    for (const [what, r, wide, certain] of FORMS) {
        it(`${what}: ${wide ? "may reach" : "cannot reach"} 6443, ${certain ? "certainly" : "not certainly"}`, () => {
            assert.equal(mayReachPort(r, 6443), wide, "wide");
            assert.equal(certainlyReachesPort(r, 6443), certain, "certain");
        });
    }

    it("the wide reading reaches at least every port the exposure model counts", () => {
        const none = { groups: new Map(), addressGroups: new Map() };
        for (const [what, r] of FORMS) {
            for (const port of readRule(r, none, [6443, 22, 80]).ports) {
                assert.ok(mayReachPort(r, port), `${what} on ${port}`);
            }
        }
    });

    it("the certain reading counts only what the wide one counts", () => {
        for (const [what, r] of FORMS) {
            for (const port of [22, 80, 6443, 7000]) {
                assert.ok(!certainlyReachesPort(r, port) || mayReachPort(r, port), what);
            }
        }
    });

    it("the classification counts TCP spelled otherwise and one bound alone on every port", () => {
        const allowSet = [
            entry("conductor", 6443, "10.30.0.11/32"),
            entry("operator", 22, "198.51.100.7/32"),
        ];
        const selectors = [{ remote: "0.0.0.0/0", ports: [6443, 22] }];
        const classify = (r: NeutronRule) => {
            const [c] = classifyRules([r], allowSet, selectors, [6443, 22]);
            return `${c.class}: ${c.reason}`;
        };
        assert.equal(
            classify(ports("TCP", 80, 80)),
            'drift: 10.30.0.11/32 reaches 22/tcp (tcp spelled "TCP" 80) outside the allow-set',
        );
        assert.match(classify(ports("006", 6443, 6443)), /^drift: .* reaches 22\/tcp /);
        assert.match(
            classify(rule({ protocol: "006", remote_ip_prefix: "0.0.0.0/0" })),
            /^drift: 0.0.0.0\/0 reaches 6443\/tcp and 22\/tcp/,
        );
        assert.equal(
            classify(ports("tcp", null, 80)),
            "drift: 10.30.0.11/32 reaches 22/tcp (tcp (none)-80: one bound alone, every port) outside the allow-set",
        );
        assert.equal(
            classify(ports("tcp", 7000, null)),
            "drift: 10.30.0.11/32 reaches 22/tcp (tcp 7000-(none): one bound alone, every port) outside the allow-set",
        );
        assert.match(classify(ports(null, 6443, 6443)), /^drift: .* reaches 22\/tcp /);
        assert.equal(
            classify(ports(null, 6443, null)),
            "drift: 10.30.0.11/32 reaches 22/tcp (every protocol, port 6443-65535) outside the allow-set",
        );
        assert.match(classify(ports("foo", 80, 80)), /^drift: .* reaches 22\/tcp /);
        // As Neutron stores TCP, still adopted, retired or unrelated by its ports.
        assert.match(classify(ports("6", 6443, 6443)), /^adoptable/);
        assert.match(classify(rule({ remote_ip_prefix: "0.0.0.0/0" })), /^retire/);
        assert.equal(
            classify(ports("6", 80, 80)),
            "unrelated: tcp 80: admits no protected port (6443/tcp and 22/tcp)",
        );
        assert.equal(
            classify(ports("tcp", 80, 80)),
            "unrelated: tcp 80: admits no protected port (6443/tcp and 22/tcp)",
        );
        assert.equal(
            classify(ports("udp", 6443, 6443)),
            "unrelated: udp 6443: not tcp, admits no protected port (6443/tcp and 22/tcp)",
        );
    });
});

describe("rule readings: the prefix the drivers are given", () => {
    const prefix = (fields: Partial<NeutronRule>) => certainRemotePrefix(rule(fields))?.cidr;

    it("is normalized_cidr, else remote_ip_prefix, as its network; none: the any-address", () => {
        assert.equal(prefix({ remote_ip_prefix: "10.30.0.9/24" }), "10.30.0.0/24");
        assert.equal(
            prefix({ remote_ip_prefix: "10.99.0.0/24", normalized_cidr: "10.30.0.0/24" }),
            "10.30.0.0/24",
        );
        assert.equal(
            prefix({ remote_ip_prefix: " 10.30.0.0/24", normalized_cidr: "10.30.0.0/24" }),
            "10.30.0.0/24",
        );
        assert.equal(
            prefix({ remote_ip_prefix: "10.30.0.0/24", normalized_cidr: "" }),
            "10.30.0.0/24",
        );
        assert.equal(prefix({ remote_ip_prefix: null }), "0.0.0.0/0");
        assert.equal(prefix({ remote_ip_prefix: "" }), "0.0.0.0/0");
        assert.equal(prefix({ ethertype: "IPv6", remote_ip_prefix: null }), "::/0");
        assert.equal(
            prefix({ ethertype: "IPv6", remote_ip_prefix: "2001:db8::9/64" }),
            "2001:db8::/64",
        );
    });

    it("is none that counts when blanks, text or the family make it uncertain", () => {
        assert.equal(prefix({ remote_ip_prefix: " 10.30.0.0/24" }), undefined);
        assert.equal(prefix({ remote_ip_prefix: "10.30.0.0/24\n" }), undefined);
        assert.equal(
            prefix({ remote_ip_prefix: "10.30.0.0/24", normalized_cidr: "10.30.0.0/24 " }),
            undefined,
        );
        assert.equal(prefix({ remote_ip_prefix: "10.30.0.300/24" }), undefined);
        assert.equal(prefix({ remote_ip_prefix: "::ffff:10.30.0.11/128" }), undefined);
        assert.equal(prefix({ remote_ip_prefix: "::/0" }), undefined);
        assert.equal(prefix({ ethertype: "IPv6", remote_ip_prefix: "10.30.0.0/24" }), undefined);
        assert.equal(
            prefix({ ethertype: "IPv6", remote_ip_prefix: "::ffff:10.30.0.0/120" }),
            "::ffff:a1e:0/120",
        );
    });
});
