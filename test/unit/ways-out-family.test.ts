// The exposure counts an IPv6 rule's `::ffff:a.b.c.d` prefix as IPv4 too (fail closed: a driver
// may admit it), but such a rule cannot be trusted to keep an IPv4 source admitted when another
// rule is removed by hand: only a rule of the entry's own family covers it for the warning.
import * as assert from "node:assert/strict";
import { computeExposure } from "../../components/model/exposure";
import type { NeutronRule } from "../../components/model/rules";
import { aloneAdmitted } from "../../components/plan/ways-out";
import { allowEntry, portRule } from "../support/rules";

const GROUP = { id: "managed", name: "nc-sg" };

function lostWith(rules: NeutronRule[], wanted: string): string[] {
    const before = computeExposure({
        rules: rules.map((rule) => ({ group: GROUP, rule })),
        remotes: { groups: new Map(), addressGroups: new Map() },
        protectedPorts: [6443, 22],
        portSecurity: true,
    });
    const operator = allowEntry("operator", 6443, "203.0.113.1/32");
    const conductor = allowEntry("conductor", 6443, "2001:db8::7/128");
    const byRule = aloneAdmitted(
        before,
        [operator, conductor],
        [{ groupId: GROUP.id, ruleId: wanted }],
        new Map(rules.map((r) => [`${r.security_group_id}|${r.id}`, r.ethertype])),
    );
    return (byRule.get(`${GROUP.id}|${wanted}`) ?? []).map((a) => a.entry.remoteIpPrefix);
}

describe("ways out: only a rule of the entry's family keeps it admitted", () => {
    const any = portRule("any", GROUP.id, 6443, null, {
        protocol: "0",
        port_range_min: null,
        port_range_max: null,
    });
    const anyV6 = { ...any, id: "any6", ethertype: "IPv6" as const };

    it("an IPv6 rule from ::ffff:203.0.113.1 does not keep the operator's IPv4 source", () => {
        const mapped = portRule("mapped", GROUP.id, 6443, "::ffff:203.0.113.1/128", {
            ethertype: "IPv6",
        });
        assert.deepEqual(lostWith([any, mapped], "any"), ["203.0.113.1/32"]);
    });

    it("an IPv4 rule from the operator's address does keep it", () => {
        const own = portRule("own", GROUP.id, 6443, "203.0.113.1/32");
        assert.deepEqual(lostWith([any, own], "any"), []);
    });

    it("an IPv4 rule with an IPv6 prefix (Neutron refuses the mix) does not keep an IPv6 source", () => {
        const mixed = portRule("mixed", GROUP.id, 6443, "2001:db8::/64");
        const own = portRule("own6", GROUP.id, 6443, "2001:db8::/64", { ethertype: "IPv6" });
        assert.deepEqual(lostWith([anyV6, mixed], "any6"), ["2001:db8::7/128"]);
        assert.deepEqual(lostWith([anyV6, own], "any6"), []);
    });
});
