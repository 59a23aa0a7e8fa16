// verify's group rows judge the effective exposure: another group's rule that admits a source
// outside the allow-set fails verification unless accepted.
import * as assert from "node:assert/strict";
import { planIngress } from "../../components/plan/plan";
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
});
