// What one rule admits when it is in a form Neutron refuses: reported with its field, counted as
// everything, and the exposure computed around it.
import * as assert from "node:assert/strict";
import { computeExposure } from "../../components/model/exposure";
import { NeutronRule } from "../../components/model/rules";
import { cidrs, none, PORTS, read } from "../support/rule-reading";
import { neutronRule } from "../support/rules";

// Forms Neutron refuses on create (checked against a real neutron-server, Zed) that an older
// release, a database edit or another tool can still store: each is reported with its field and
// counts as every address of the rule's family on every protected port.
describe("reading a rule form Neutron refuses", () => {
    const everything = (r: ReturnType<typeof read>, what: string, family = "0.0.0.0/0") => {
        assert.equal(r.unreadable, what);
        assert.deepEqual([r.ports, cidrs(r)], [PORTS, [family]], what);
        assert.equal(r.why(22), `cannot read its ${what}: counted as admitting everything`);
    };

    it("reports a prefix of the other family than the rule's, counted in the rule's family", () => {
        const v4 = (prefix: string) => `remote_ip_prefix "${prefix}" (IPv6, the rule is IPv4)`;
        everything(read({ remote_ip_prefix: "2001:db8::/32" }), v4("2001:db8::/32"));
        // The iptables driver drops a /0 in the rule's own chain: every IPv4 address.
        everything(read({ remote_ip_prefix: "::/0" }), v4("::/0"));
        everything(read({ remote_ip_prefix: "::ffff:10.0.0.0/104" }), v4("::ffff:10.0.0.0/104"));
        everything(
            read({ ethertype: "IPv6", remote_ip_prefix: "0.0.0.0/0" }),
            'remote_ip_prefix "0.0.0.0/0" (IPv4, the rule is IPv6)',
            "::/0",
        );
        for (const typed of [null, "", 10]) {
            everything(
                read({ remote_ip_prefix: typed, normalized_cidr: "2001:db8::/32" }),
                'normalized_cidr "2001:db8::/32" (IPv6, the rule is IPv4)',
            );
        }
        // Forms Neutron accepts stay read: an IPv6 rule's mapped prefix counts in both families.
        const mapped = read({ ethertype: "IPv6", remote_ip_prefix: "::ffff:10.0.0.0/104" });
        assert.deepEqual(
            [mapped.unreadable, cidrs(mapped)],
            [undefined, ["::ffff:a00:0/104", "10.0.0.0/8"]],
        );
        assert.deepEqual(cidrs(read({ ethertype: "IPv6", remote_ip_prefix: "2001:db8::/32" })), [
            "2001:db8::/32",
        ]);
        // A rule that reaches no protected port admits nothing here, whatever its remote.
        const udp = read({ protocol: "udp", remote_ip_prefix: "::/0" });
        assert.deepEqual([udp.unreadable, udp.ports], [undefined, []]);
    });

    it("reports one port bound alone on a TCP rule, whatever side is open", () => {
        for (const [min, max] of [
            [null, 22],
            [6443, null],
            [undefined, 6443],
            // Open on the other side, these would reach no protected port.
            [7000, null],
            [null, 21],
        ]) {
            for (const protocol of ["tcp", "6"]) {
                const what = `port range ${JSON.stringify(min) ?? "(absent)"}-${JSON.stringify(max) ?? "(absent)"} (one bound alone)`;
                everything(read({ protocol, port_range_min: min, port_range_max: max }), what);
            }
        }
        // Every protocol already reads every port; another protocol reaches no TCP port.
        const all = read({ protocol: null, port_range_min: 6443, port_range_max: null });
        assert.deepEqual([all.unreadable, all.ports], [undefined, PORTS]);
        const udp = read({ protocol: "udp", port_range_min: null, port_range_max: 22 });
        assert.deepEqual([udp.unreadable, udp.ports], [undefined, []]);
    });

    it("reports blanks around a protocol, even on a rule beside the protected ports", () => {
        for (const protocol of ["tcp ", " tcp", " 6 ", "\ttcp", " any ", "0 ", " udp"]) {
            for (const [min, max] of [
                [6443, 6443],
                [80, 80],
            ]) {
                const r = read({ protocol, port_range_min: min, port_range_max: max });
                everything(r, `protocol ${JSON.stringify(protocol)}`);
            }
        }
    });

    it("reports blanks around the prefix the drivers are given, naming its field", () => {
        const blanks = (field: string, value: string) =>
            `${field} ${JSON.stringify(value)} (blanks around the value)`;
        for (const prefix of [" 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0.0/8\n", "\u00a010.0.0.0/8"]) {
            everything(read({ remote_ip_prefix: prefix }), blanks("remote_ip_prefix", prefix));
            for (const typed of [null, 10, "10.0.0.0/8", prefix]) {
                everything(
                    read({ remote_ip_prefix: typed, normalized_cidr: prefix }),
                    blanks("normalized_cidr", prefix),
                );
            }
            // As a neutron-server lists an edited row: the drivers get the clean network.
            const listed = read({ remote_ip_prefix: prefix, normalized_cidr: "10.0.0.0/8" });
            assert.deepEqual([listed.unreadable, cidrs(listed)], [undefined, ["10.0.0.0/8"]]);
            assert.equal(listed.sources[0].admits, `10.0.0.0/8 (stored as ${prefix})`);
        }
        everything(
            read({ ethertype: "IPv6", remote_ip_prefix: " 2001:db8::/32" }),
            blanks("remote_ip_prefix", " 2001:db8::/32"),
            "::/0",
        );
        // An odd last character that is no blank is a prefix that cannot be read, not blanks.
        for (const prefix of ["10.0.0.0/8\u00e9", "10.0.0.0/8\u007f"]) {
            assert.match(
                read({ remote_ip_prefix: prefix }).unreadable!,
                /^remote_ip_prefix .* \(".*" has no valid prefix length\)$/,
            );
        }
    });

    it("keeps computing the exposure around each such rule, naming it by id", () => {
        const rule = (id: string, fields: Record<string, unknown>) => ({
            group: { id: "sg", name: "sg" },
            rule: {
                ...neutronRule({ id, security_group_id: "sg", remote_ip_prefix: "10.0.0.1/32" }),
                ...fields,
            } as NeutronRule,
        });
        const e = computeExposure({
            rules: [
                rule("good", {}),
                rule("family", { ethertype: "IPv6", remote_ip_prefix: "0.0.0.0/0" }),
                rule("bound", { port_range_min: 7000, port_range_max: null }),
                rule("blank", { protocol: "tcp " }),
                rule("good6", { ethertype: "IPv6", remote_ip_prefix: "2001:db8::1/128" }),
            ],
            remotes: none(),
            protectedPorts: PORTS,
            portSecurity: true,
        });
        assert.deepEqual(
            e.unreadable.map((u) => `${u.ruleId}: ${u.what}`),
            [
                'family: remote_ip_prefix "0.0.0.0/0" (IPv4, the rule is IPv6)',
                "bound: port range 7000-null (one bound alone)",
                'blank: protocol "tcp "',
            ],
        );
        // Every other rule is still read: each part names the rules admitting it.
        const parts = (port: number, family: string) =>
            e.ports
                .find((p) => p.port === port && p.ethertype === family)!
                .parts.map((p) => `${p.cidr} ${p.admittedBy.map((a) => a.ruleId).sort()}`);
        assert.deepEqual(
            [parts(22, "IPv4"), parts(6443, "IPv4"), parts(22, "IPv6"), parts(6443, "IPv6")],
            [
                ["0.0.0.0/0 blank,bound"],
                ["0.0.0.0/0 blank,bound,good"],
                ["::/0 family"],
                ["::/0 family,good6"],
            ],
        );
    });
});
