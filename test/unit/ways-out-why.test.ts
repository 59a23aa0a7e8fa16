// Each way out a refusal cannot offer says why, per kind of rule; port security off has its own.
import * as assert from "node:assert/strict";
import { waysOut } from "../../components/plan/ways-out";
import type { NeutronRule } from "../../components/model/rules";
import { allowEntry, portRule } from "../support/rules";

const MANAGED = { id: "managed", name: "nc-sg" };
const ONLY =
    "retire: a `retire` selector matches only an ingress tcp rule of the managed group (nc-sg) " +
    "on one protected port from an address prefix; ";

function ways(live: NeutronRule | undefined, ruleId = live?.id ?? "gone") {
    return waysOut({
        rule: { groupId: MANAGED.id, groupName: MANAGED.name, ruleId, wide: ["6443/tcp IPv4"] },
        live,
        alone: [],
        managed: MANAGED,
        protectedPorts: [6443, 22],
    });
}

describe("ways out: why a way cannot work", () => {
    it("port security off: only turning it on, nothing to remove", () => {
        const alone = [
            { entry: allowEntry("conductor", 6443, "10.12.4.154/32"), part: false, with: [] },
        ];
        assert.deepEqual(
            waysOut({
                rule: { groupId: "", groupName: "(no security group)", ruleId: "" },
                live: undefined,
                alone,
                managed: MANAGED,
                protectedPorts: [6443],
            }),
            {
                can: ["turn port security on for the API's port (port_security_enabled true)"],
                cannot: ["retire, remove or accept: no rule admits this, the port filters nothing"],
            },
        );
    });

    it("names why a managed rule cannot be retired", () => {
        const cases: [NeutronRule | undefined, string][] = [
            [undefined, "this rule was not read"],
            [
                portRule("odd", MANAGED.id, 6443, null, { unreadable: 'protocol "tcpp"' }),
                'this rule cannot be read (protocol "tcpp")',
            ],
            [
                portRule("rg", MANAGED.id, 6443, null, { remote_group_id: "peers" }),
                "this rule admits through a remote group",
            ],
            [
                portRule("ag", MANAGED.id, 6443, null, { remote_address_group_id: "lab" }),
                "this rule admits through a remote group",
            ],
            // A stored prefix no firewall could read is never offered as a selector.
            [portRule("bad", MANAGED.id, 6443, "not-a-cidr"), "this rule is tcp 6443"],
        ];
        for (const [live, why] of cases) {
            const { can, cannot } = ways(live);
            assert.deepEqual(cannot[0], `${ONLY}${why}`, live?.id);
            assert.ok(!can.some((c) => c.startsWith("retire it")), live?.id);
        }
    });

    it("offers the selector with what a `retire` list replaces", () => {
        const { can } = ways(portRule("narrow", MANAGED.id, 22, "198.51.100.0/24"));
        assert.equal(
            can[0],
            "retire it: add { remote: 198.51.100.0/24, ports: [22] } to `retire` (a `retire` " +
                "list replaces the default 0.0.0.0/0 and ::/0 selectors: keep those needed), " +
                "then approve the retirement digest the review prints",
        );
    });

    it("accepting a managed rule by id says why not the group as a whole", () => {
        const { can } = waysOut({
            rule: { groupId: MANAGED.id, groupName: MANAGED.name, ruleId: "narrow" },
            live: undefined,
            alone: [],
            managed: MANAGED,
            protectedPorts: [6443],
        });
        assert.equal(
            can[1],
            'accept it by id: acceptedExposure: [{ rule: narrow, reason: "..." }] (not the ' +
                "managed group nc-sg as a whole: its rules are what this program manages)",
        );
    });
});
