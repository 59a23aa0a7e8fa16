// The read-back gate and retirement against the local cloud when others act too: tight rules
// made by hand, an expired token, a target deleted by someone else, a target changed since the
// preview. Shared setup in test/support/gate-bench.ts.
import { strict as assert } from "node:assert";
import { GateOutputs } from "../../components/apply/gate";
import { isOpenStackError } from "../../components/openstack/http";
import { openSession, Session } from "../../components/openstack/keystone";
import {
    createRule,
    deleteRule,
    entryRuleBody,
    listRules,
} from "../../components/openstack/networking";
import { retireRules, RetirementOutputs } from "../../components/apply/retirement";
import { classifyRules } from "../../components/model/rules";
import { LocalCloud } from "../../tools/localcloud/cloud";
import {
    PROTECTED,
    SELECTORS,
    ENTRIES,
    previewTargets,
    ids,
    useGateBench,
} from "../support/gate-bench";

describe("read-back gate and retirement against the local cloud", function () {
    this.timeout(180000);
    const bench = useGateBench();
    const { wideGroup, createTight, provider, gateInputs, retirementInputs } = bench;
    let cloud: LocalCloud;
    let s: Session;
    let gateFile: string;
    let retirementFile: string;

    before(() => {
        ({ cloud, s, gateFile, retirementFile } = bench.state());
    });

    it("adopts tight rules made by hand: a second create is a 409 RuleExists, the gate passes", async () => {
        const groupId = await wideGroup("adopt");
        const byHand: string[] = [];
        for (const entry of ENTRIES) {
            const body = { ...entryRuleBody(entry, groupId), description: "made by hand" };
            byHand.push((await createRule(s, body)).id);
        }
        const classes = classifyRules(await listRules(s, groupId), ENTRIES, SELECTORS, PROTECTED);
        assert.equal(classes.filter((c) => c.class === "adoptable").length, ENTRIES.length);
        const before = await ids(s, groupId);
        for (const [i, entry] of ENTRIES.entries()) {
            await assert.rejects(
                createRule(s, entryRuleBody(entry, groupId)),
                (err: Error) =>
                    isOpenStackError(err, "RuleExistsError") && err.existingRuleId === byHand[i],
            );
        }
        assert.deepEqual(await ids(s, groupId), before, "no duplicate");
        const gate = await provider(gateFile);
        const measured = (
            await gate.ok<{ outs: GateOutputs }>("create", gateInputs(groupId, byHand))
        ).outs;
        assert.deepEqual(measured.missing, []);
    });

    it("after an expired or refused token, the retirement re-authenticates and completes", async () => {
        const groupId = await wideGroup("token");
        await createTight(groupId);
        const targets = await previewTargets(s, groupId);
        const session = await openSession({ env: cloud.env });
        session.secret.token = "gAAAAABforged-or-revoked";
        const retired = await retireRules(session, groupId, ENTRIES, targets);
        assert.equal(retired.length, 4);
        assert.equal(session.requests.identity, 2);
        session.expiresAt = 0;
        assert.deepEqual(await retireRules(session, groupId, ENTRIES, []), []);
        assert.deepEqual(await previewTargets(s, groupId), []);
    });

    it("treats a target deleted by someone else as done and deletes nothing else", async () => {
        const groupId = await wideGroup("gone");
        const ruleIds = await createTight(groupId);
        const targets = await previewTargets(s, groupId);
        const kept = (await ids(s, groupId)).filter((id) => !targets.some((t) => t.id === id));
        assert.equal(await deleteRule(s, targets[0].id), "deleted");

        const gate = await provider(gateFile);
        const measured = (
            await gate.ok<{ outs: GateOutputs }>("create", gateInputs(groupId, ruleIds))
        ).outs;
        const retirement = await provider(retirementFile);
        const outs = (
            await retirement.ok<{ outs: RetirementOutputs }>(
                "create",
                retirementInputs(groupId, targets, measured),
            )
        ).outs;
        assert.deepEqual(outs.retired.find((r) => r.id === targets[0].id)?.outcome, "already-gone");
        assert.equal(outs.retired.filter((r) => r.outcome === "deleted").length, 3);
        assert.deepEqual(await ids(s, groupId), kept.sort());
    });

    it("refuses every deletion when a target is not what the preview showed", async () => {
        const groupId = await wideGroup("shape");
        const other = await wideGroup("other");
        const ruleIds = await createTight(groupId);
        const targets = await previewTargets(s, groupId);
        const before = await ids(s, groupId);
        const otherTargets = await previewTargets(s, other);
        const gate = await provider(gateFile);
        const measured = (
            await gate.ok<{ outs: GateOutputs }>("create", gateInputs(groupId, ruleIds))
        ).outs;
        const retirement = await provider(retirementFile);

        // The id of one rule with the shape of another.
        const swapped = [{ id: targets[0].id, shape: targets[1].shape }, ...targets.slice(1)];
        const refused = await retirement.call(
            "create",
            retirementInputs(groupId, swapped, measured),
        );
        assert.ok(!refused.ok);
        assert.match(
            refused.error.message,
            new RegExp(`${targets[0].id}: preview showed .* shows`),
        );

        const foreign = await retirement.call(
            "create",
            retirementInputs(groupId, [...targets, otherTargets[0]], measured),
        );
        assert.ok(!foreign.ok);
        assert.match(
            foreign.error.message,
            new RegExp(`${otherTargets[0].id}: .* it is in group ${other}`),
        );
        assert.deepEqual(await ids(s, groupId), before, "nothing was deleted");
    });
});
