// A rule through a remote group or address group with several members is named once per rule by
// the audit, verify and reviews: its words must name every member beyond the allow-set, per port
// and family, and say "every IPv4 address" when its members cover the family.
import * as assert from "node:assert/strict";
import { planExposure } from "../../components/plan/exposure";
import { ruleAdmits, RuleSourceAt } from "../../components/plan/rule-words";
import type { Ethertype } from "../../components/model/exposure";
import type { AllowEntry } from "../../components/model/allowset";
import { portRule } from "../support/rules";

const MANAGED = { id: "managed", name: "nc-sg" };
const IN_AG = "(in remote address group ag-1)";

const at = (port: number, ethertype: Ethertype, cidr: string, note = IN_AG): RuleSourceAt => ({
    port,
    ethertype,
    admitter: { cidr, admits: note ? `${cidr} ${note}` : cidr },
});

/** The words the audit prints for each rule now, through the exposure review. */
function admitsNow(members: string[], allowSet: AllowEntry[] = [], ports = [6443]) {
    const rule = portRule("via-ag", MANAGED.id, 6443, null, {
        remote_address_group_id: "ag-1",
        port_range_max: Math.max(...ports),
    });
    const review = planExposure({
        found: {
            portSecurity: true,
            groups: [MANAGED],
            rules: [{ group: MANAGED, rule }],
            remotes: { groups: new Map(), addressGroups: new Map([["ag-1", members]]) },
        },
        managed: MANAGED,
        allowSet,
        retireIds: [],
        protectedPorts: ports,
        accepted: [],
    });
    return review.beforeResponsible.map((r) => [r.ruleId, r.admits, r.reaches]);
}

describe("exposure: a rule's sources in words", () => {
    it("names every member of an address group, in both families, once per rule", () => {
        assert.deepEqual(admitsNow(["192.0.2.0/24", "198.51.100.0/24", "2001:db8::/48"]), [
            [
                "via-ag",
                `192.0.2.0/24, 198.51.100.0/24 and 2001:db8::/48 ${IN_AG}`,
                ["6443/tcp IPv4", "6443/tcp IPv6"],
            ],
        ]);
    });

    it("says every IPv4 address when the members cover the family", () => {
        assert.deepEqual(admitsNow(["0.0.0.0/1", "128.0.0.0/1"]), [
            ["via-ag", `every IPv4 address ${IN_AG}`, ["6443/tcp IPv4"]],
        ]);
    });

    it("leaves out a member wholly inside the allow-set, and names a member partly outside", () => {
        const allow = (cidr: string): AllowEntry =>
            ({
                role: "operator",
                port: 6443,
                ethertype: "IPv4",
                protocol: "tcp",
                remoteIpPrefix: cidr,
                provenance: ["operator.cidrs"],
            }) as AllowEntry;
        assert.deepEqual(admitsNow(["192.0.2.7/32", "198.51.100.0/24"], [allow("192.0.2.7/32")]), [
            ["via-ag", `198.51.100.0/24 ${IN_AG}`, ["6443/tcp IPv4"]],
        ]);
        assert.deepEqual(admitsNow(["192.0.2.0/24", "198.51.100.0/24"], [allow("192.0.2.7/32")]), [
            ["via-ag", `192.0.2.0/24 and 198.51.100.0/24 ${IN_AG}`, ["6443/tcp IPv4"]],
        ]);
    });

    it("lists 10 prefixes, then how many more", () => {
        const members = Array.from({ length: 13 }, (_, i) => `10.${i}.0.0/16`);
        const [[, words]] = admitsNow(members);
        assert.equal(words, `${members.slice(0, 10).join(", ")} and 3 more ${IN_AG}`);
    });

    it("keeps the model's words for a single source, and each note with its prefixes", () => {
        assert.equal(
            ruleAdmits([at(6443, "IPv4", "0.0.0.0/0", "(no remote: any address)")]),
            "0.0.0.0/0 (no remote: any address)",
        );
        assert.equal(ruleAdmits([at(6443, "IPv4", "192.0.2.0/24", "")]), "192.0.2.0/24");
        assert.equal(
            ruleAdmits([
                at(6443, "IPv4", "10.0.0.5/32", "(in remote group g)"),
                at(6443, "IPv4", "10.9.0.0/30", "(in remote group g)"),
                at(6443, "IPv4", "192.0.2.0/24", "(stored as 192.0.2.1/24)"),
            ]),
            "10.0.0.5/32 and 10.9.0.0/30 (in remote group g); 192.0.2.0/24 (stored as 192.0.2.1/24)",
        );
        // Words that do not start with the prefix stand alone (an unreadable rule).
        assert.equal(
            ruleAdmits([
                {
                    port: 22,
                    ethertype: "IPv4",
                    admitter: { cidr: "0.0.0.0/0", admits: "every IPv4 address (unreadable rule)" },
                },
                {
                    port: 22,
                    ethertype: "IPv6",
                    admitter: { cidr: "::/0", admits: "every IPv6 address (unreadable rule)" },
                },
            ]),
            "every IPv4 address (unreadable rule) and every IPv6 address (unreadable rule)",
        );
    });

    it("names the ports when what the rule admits differs between them, each source once", () => {
        assert.equal(
            ruleAdmits([
                at(6443, "IPv4", "192.0.2.0/24"),
                at(6443, "IPv4", "192.0.2.0/24"),
                at(6443, "IPv4", "198.51.100.0/24"),
                at(22, "IPv4", "198.51.100.0/24"),
            ]),
            `6443/tcp: 192.0.2.0/24 and 198.51.100.0/24 ${IN_AG}; 22/tcp: 198.51.100.0/24 ${IN_AG}`,
        );
        assert.equal(
            ruleAdmits([at(6443, "IPv4", "192.0.2.0/24"), at(22, "IPv4", "192.0.2.0/24")]),
            `192.0.2.0/24 ${IN_AG}`,
        );
    });

    it("covers the family only with the sources of one note", () => {
        assert.equal(
            ruleAdmits([
                at(6443, "IPv4", "0.0.0.0/1", "(in remote group g)"),
                at(6443, "IPv4", "128.0.0.0/1"),
            ]),
            `0.0.0.0/1 (in remote group g); 128.0.0.0/1 ${IN_AG}`,
        );
    });
});
