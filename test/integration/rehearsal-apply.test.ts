// The engine-less apply against the local Neutron: the program under Pulumi's mock runtime, its
// rules applied as the openstack provider applies them, the gate and retirement run by their
// serialized providers. An adopted rule whose live inputs differ from the declaration fails the
// update as the engine fails such an import, before the retirement can run.
import * as assert from "node:assert/strict";
import { liveReview, restLookups } from "../../components/discover/rest-lookups";
import { approvalFor } from "../../components/plan/approval";
import { OpenStackLookups } from "../../components/discover/discovery";
import { createRule, listRules } from "../../components/openstack/networking";
import { Session } from "../../components/openstack/keystone";
import { LocalCloud } from "../../tools/localcloud/cloud";
import { seedBefore, SeedResult } from "../../tools/localcloud/seed";
import { applySeeded, seededConfig, useSeededCloud } from "../support/seeded-apply";

describe("engine-less apply of the program (local Neutron)", function () {
    this.timeout(180000);
    const seeded = useSeededCloud();
    let cloud: LocalCloud;
    let session: Session;
    let seed: SeedResult;
    let lines: string[];
    let approved: unknown;

    beforeEach(async () => {
        ({ cloud, session } = seeded());
        seed = await seedBefore(cloud);
        lines = [];
        // The reviewer approves the seeded wide rules (test/integration/approval.test.ts).
        approved = undefined;
        const { plan } = await liveReview(config(), session);
        approved = approvalFor(plan.groupId, plan.retireTargets);
    });

    const config = () => seededConfig(cloud, approved);

    const apply = (lookups: OpenStackLookups) =>
        applySeeded(cloud, session, "apply-test", config, lookups, lines);

    /** A tight rule made by hand before the first update: the program adopts it. */
    const byHand = (prefix = "203.0.113.12/32") =>
        createRule(session, {
            security_group_id: seed.securityGroupId,
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            port_range_min: 6443,
            port_range_max: 6443,
            remote_ip_prefix: prefix,
            description: "by hand",
        });

    it("adopts a matching live rule, creates the rest, then retires the wide rules", async () => {
        const hand = await byHand();
        const outputs = await apply(restLookups(session));
        assert.ok(
            lines.includes(
                `import capi-mgmt-6443-203.0.113.12-32: rule ${hand.id}, inputs match the live rule`,
            ),
            lines.join("\n"),
        );
        assert.deepEqual(
            (outputs.adopted as { id: string }[]).map((a) => a.id),
            [hand.id],
        );
        const live = (await listRules(session, seed.securityGroupId)).map((r) => r.id);
        assert.ok(!live.includes(seed.wideRuleIds.api) && !live.includes(seed.wideRuleIds.ssh));
        assert.ok(live.includes(hand.id));
        // The order came from the program's data flow: every rule, then the gate, then retirement.
        const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
        const lastRule = Math.max(...lines.map((l, i) => (/^(create|import) /.test(l) ? i : -1)));
        assert.ok(lastRule < at("ReadbackGate") && at("ReadbackGate") < at("WideRuleRetirement"));
    });

    it("fails as the engine fails an import whose declared inputs differ, retiring nothing", async () => {
        // Discovery saw the rule admit the conductor (a stale read); live, it admits another
        // source. The plan adopts it for 203.0.113.12/32, so the import's read must not match.
        const hand = await byHand("203.0.113.13/32");
        const real = restLookups(session);
        const stale: OpenStackLookups = {
            ...real,
            rulesOfGroups: async (ids) =>
                (await real.rulesOfGroups(ids)).map((r) =>
                    r.id === hand.id
                        ? { ...r, remote_ip_prefix: "203.0.113.12/32", normalized_cidr: null }
                        : r,
                ),
        };
        await assert.rejects(apply(stale), (err: Error) => {
            assert.match(err.message, /capi-mgmt-6443-203\.0\.113\.12-32/);
            assert.match(err.message, /inputs to import do not match the existing resource/);
            assert.match(
                err.message,
                /~remoteIpPrefix: declared "203\.0\.113\.12\/32", live "203\.0\.113\.13\/32"/,
            );
            return true;
        });
        const live = (await listRules(session, seed.securityGroupId)).map((r) => r.id);
        assert.ok(live.includes(seed.wideRuleIds.api), "the wide 6443 rule must stay");
        assert.ok(live.includes(seed.wideRuleIds.ssh), "the wide 22 rule must stay");
        assert.ok(!lines.some((l) => l.startsWith("WideRuleRetirement")), lines.join("\n"));
        // The abandoned registrations are not left for the SDK's exit hook to call leaks (it
        // would set this process's exit code to 1 after every test had passed).
        const state = require("@pulumi/pulumi/runtime/state") as {
            getStore(): { leakCandidates: Set<unknown> };
        };
        assert.equal(state.getStore().leakCandidates.size, 0);
    });
});
