// verify's group rows judge the effective exposure: another group's rule that admits a source
// outside the allow-set fails verification unless accepted, with the ways out the preview's
// refusal gives for it (components/plan/ways-out.ts): never a `retire` selector there.
import * as assert from "node:assert/strict";
import { planIngress } from "../../components/plan/plan";
import { waysOut } from "../../components/plan/ways-out";
import { groupResults } from "../../tools/verify";
import { twoGroupInputs } from "../support/exposure";
import { portRule } from "../support/rules";

const MANAGED = { id: "managed", name: "capi-mgmt-sg" };
const OTHER = { id: "other", name: "lb-extra" };

function plan(accepted: { rule: string; reason: string }[] = [], prefix = "0.0.0.0/0") {
    const { config, found } = twoGroupInputs({
        managed: MANAGED,
        other: OTHER,
        securityGroup: { name: "capi-mgmt-sg" },
        accepted,
        managedExtra: [],
        otherRules: [portRule("world", OTHER.id, 6443, prefix)],
    });
    return planIngress(config, found);
}

describe("verify: effective exposure", () => {
    it("fails on another group's rule that admits the world to 6443, naming it", () => {
        const rows = groupResults(plan()).filter((r) => r.outcome === "exposed");
        assert.equal(rows.length, 1);
        assert.equal(rows[0].passed, false);
        assert.equal(rows[0].target, "world");
        assert.match(rows[0].detail, /rule world in group lb-extra \(other\)/);
    });

    it("passes a narrower one once accepted with a reason, never the world", () => {
        const accepted = [{ rule: "world", reason: "behind the lab firewall" }];
        assert.deepEqual(groupResults(plan(accepted, "0.0.0.0/1")), []);
        const rows = groupResults(plan(accepted)).filter((r) => r.outcome === "exposed");
        assert.equal(rows.length, 1);
        assert.match(rows[0].detail, /rule world in group lb-extra/);
    });

    it("another group's rule: accept it or change it by hand in that group, never retire", () => {
        const [row] = groupResults(plan([], "0.0.0.0/1")).filter((r) => r.outcome === "exposed");
        const [, ways] = row.detail.split("; ways out: ");
        assert.doesNotMatch(row.detail, /retire it/);
        assert.equal(
            ways,
            "remove it by hand (openstack security group rule delete world); or accept it: " +
                'acceptedExposure: [{ rule: world, reason: "..." }], or its whole group: ' +
                '[{ group: "lb-extra", reason: "..." }]; not: retire: a `retire` selector ' +
                "matches only an ingress tcp rule of the managed group (capi-mgmt-sg) on one " +
                "protected port from an address prefix; this rule is in another group",
        );
        // The preview's refusal words the same rule so.
        const same = waysOut({
            rule: { groupId: OTHER.id, groupName: OTHER.name, ruleId: "world" },
            live: portRule("world", OTHER.id, 6443, "0.0.0.0/1"),
            alone: [],
            managed: MANAGED,
            protectedPorts: [6443, 22],
        });
        assert.equal(ways, `${same.can.join("; or ")}; not: ${same.cannot.join("; not: ")}`);
    });

    it("another group's rule admitting the world: no acceptance applies either", () => {
        const [row] = groupResults(plan()).filter((r) => r.outcome === "exposed");
        assert.doesNotMatch(row.detail, /retire it|accept it/);
        assert.match(
            row.detail,
            /ways out: remove it by hand \(openstack security group rule delete world\)/,
        );
        assert.match(
            row.detail,
            /not: accept: with the others it admits every address of the family/,
        );
        assert.match(row.detail, /not: retire: .* this rule is in another group; not: accept/);
    });
});
