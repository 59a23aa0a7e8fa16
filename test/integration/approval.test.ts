// The retirement approval against the local Neutron: the program's update (engine-less apply)
// deletes the wide rules only with the digest of the targets measured at that moment.
import * as assert from "node:assert/strict";
import { liveReview, restLookups } from "../../components/discover/rest-lookups";
import { createRule, listRules } from "../../components/openstack/networking";
import { Session } from "../../components/openstack/keystone";
import { parseStackConfig } from "../../components/config/schema";
import { measureBoth } from "../../components/review/live";
import { diffStack } from "../../components/review/diff";
import { approvalFor, retirementDigest } from "../../components/plan/approval";
import { LocalCloud } from "../../tools/localcloud/cloud";
import { seedBefore, SeedResult } from "../../tools/localcloud/seed";
import { applySeeded, seededValues, useSeededCloud } from "../support/seeded-apply";

describe("retirement approval (local Neutron)", function () {
    this.timeout(180000);
    const seeded = useSeededCloud();
    let cloud: LocalCloud;
    let session: Session;
    let seed: SeedResult;
    let lines: string[];

    beforeEach(async () => {
        ({ cloud, session } = seeded());
        seed = await seedBefore(cloud);
        lines = [];
    });

    const config = (approvedRetirement?: unknown, operator?: unknown) =>
        parseStackConfig({
            ...seededValues(cloud, approvedRetirement),
            ...(operator ? { operator } : {}),
        });

    /** `pulumi up` of the program with this approval, as the engine-less rehearsal applies it. */
    const up = (approvedRetirement?: unknown, operator?: unknown) =>
        applySeeded(
            cloud,
            session,
            "approval-test",
            () => config(approvedRetirement, operator),
            restLookups(session),
            lines,
        );

    /** What the review shows and the reviewer approves. */
    const review = async () => {
        const { plan } = await liveReview(config(), session);
        return approvalFor(plan.groupId, plan.retireTargets)!;
    };

    const wideLeft = async () => {
        const live = (await listRules(session, seed.securityGroupId)).map((r) => r.id);
        return [seed.wideRuleIds.api, seed.wideRuleIds.ssh].filter((id) => live.includes(id));
    };

    it("declares nothing without an approval, and says why", async () => {
        await assert.rejects(up(), /no approvedRetirement in the stack; nothing is deleted/);
        assert.equal((await wideLeft()).length, 2);
        assert.deepEqual(lines, [], "nothing was registered");
    });

    it("declares nothing with the digest of other targets, listing what differs", async () => {
        const approved = await review();
        const other = {
            digest: retirementDigest(seed.securityGroupId, []),
            targets: [seed.wideRuleIds.api],
        };
        await assert.rejects(up(other), (err: Error) => {
            assert.ok(err.message.includes(`${seed.wideRuleIds.ssh}: 0.0.0.0/0 on tcp 22`));
            assert.match(err.message, /\(measured now, not approved\)/);
            assert.ok(err.message.includes(`digest: ${approved.digest}`));
            return true;
        });
        assert.equal((await wideLeft()).length, 2);
    });

    it("retires the targets with the right digest", async () => {
        const outputs = await up(await review());
        assert.deepEqual(await wideLeft(), []);
        assert.deepEqual(
            (outputs.retired as { id: string }[]).map((r) => r.id).sort(),
            [seed.wideRuleIds.api, seed.wideRuleIds.ssh].sort(),
        );
    });

    it("retires with the digest the base-against-head review prints", async () => {
        // `review --base <ref> --live`: both sides from one measurement, head's digest shown.
        const operator = { cidrs: ["203.0.113.2/32"], reason: "the operator moved" };
        const base = seededValues(cloud);
        const head = { ...base, operator };
        const measured = await measureBoth(
            parseStackConfig(base),
            parseStackConfig(head),
            restLookups(session),
        );
        const diff = diffStack(
            "approval-test",
            { raw: base, found: measured.base },
            { raw: head, found: measured.head },
            true,
        );
        const shown = diff.retirement!.head!;
        assert.equal(shown.approval, "not approved");
        assert.deepEqual(
            shown.targets.map((t) => t.id).sort(),
            [seed.wideRuleIds.api, seed.wideRuleIds.ssh].sort(),
        );
        await up({ digest: shown.digest, targets: shown.targets.map((t) => t.id) }, operator);
        assert.deepEqual(await wideLeft(), []);
    });

    it("stops the deletion when a rule is added between review and up", async () => {
        const approved = await review();
        const added = await createRule(session, {
            security_group_id: seed.securityGroupId,
            direction: "ingress",
            ethertype: "IPv6",
            protocol: "tcp",
            port_range_min: 6443,
            port_range_max: 6443,
            remote_ip_prefix: "::/0",
        });
        await assert.rejects(up(approved), (err: Error) => {
            assert.ok(
                err.message.includes(
                    `+ ${added.id}: ::/0 on tcp 6443 (measured now, not approved)`,
                ),
            );
            return true;
        });
        assert.equal((await wideLeft()).length, 2);
        assert.deepEqual(lines, [], "nothing was registered");
    });
});
