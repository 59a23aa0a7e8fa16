// The destroy guard against the local Neutron: the retirement's and the gate's deletes, each run
// from its serialized provider in a plain `node` process with only its recorded state, as the
// engine runs them (the retirement first, then the gate, before any rule).
import { strict as assert } from "node:assert";
import { GateOutputs, measureRules } from "../../components/apply/gate";
import {
    createRule,
    deleteRule,
    entryRuleBody,
    listRules,
} from "../../components/openstack/networking";
import { Session } from "../../components/openstack/keystone";
import { RetirementOutputs, RetireTarget } from "../../components/apply/retirement";
import { ruleShape } from "../../components/model/rules";
import { LocalCloud } from "../../tools/localcloud/cloud";
import { allowSet, useGateBench, wide } from "../support/gate-bench";

const ENTRIES = allowSet(["10.30.0.11", "10.30.0.12"], "198.51.100.7");

describe("destroy guard against the local cloud", function () {
    this.timeout(180000);
    const bench = useGateBench("destroy");
    const { provider } = bench;
    let cloud: LocalCloud;
    let s: Session;
    let gateFile: string;
    let retirementFile: string;

    before(() => {
        ({ cloud, s, gateFile, retirementFile } = bench.state());
    });

    /** A group holding the tight rules; `wideTo` adds 0.0.0.0/0 rules on those ports first. */
    async function group(label: string, wideTo: number[]) {
        const groupId = await bench.group(`destroy-${label}`);
        const wideIds: string[] = [];
        for (const port of wideTo) {
            wideIds.push((await createRule(s, wide(groupId, port))).id);
        }
        const ruleIds: string[] = [];
        for (const entry of ENTRIES) {
            const body = { ...entryRuleBody(entry, groupId), description: "made by hand" };
            ruleIds.push((await createRule(s, body)).id);
        }
        return { groupId, wideIds, ruleIds };
    }

    /** What the state holds for the gate and the retirement after an `up`. */
    async function recorded(
        groupId: string,
        ruleIds: string[],
        retired: RetireTarget[],
        allowDestroy = false,
    ) {
        const gate: GateOutputs = {
            cloud: cloud.cloudName,
            groupId,
            entries: ENTRIES,
            ruleIds,
            allowDestroy,
            rules: measureRules(await listRules(s, groupId)),
            missing: [],
        };
        const retirement: RetirementOutputs = {
            cloud: cloud.cloudName,
            groupId,
            entries: ENTRIES,
            targets: [],
            allowDestroy,
            readbackRuleCount: gate.rules.length,
            retired: retired.map((t) => ({ ...t, outcome: "deleted" as const })),
        };
        return { gate, retirement };
    }

    /** The destroy's guarded deletes in the engine's order; the first refusal stops it. */
    async function destroy(state: { gate: GateOutputs; retirement: RetirementOutputs }) {
        const first = await (await provider(retirementFile)).call("delete", "id", state.retirement);
        const second = await (await provider(gateFile)).call("delete", "id", state.gate);
        return { retirement: first, gate: second };
    }

    function refusedNaming(result: { ok: boolean; error?: { message: string } }, groupId: string) {
        assert.ok(!result.ok, "the delete must be refused");
        const message = result.error!.message;
        assert.match(message, new RegExp(`Refusing to destroy: .*security group ${groupId}`));
        assert.match(message, /would lock Magnum out/);
        for (const entry of ENTRIES.filter((e) => e.port === 6443)) {
            assert.ok(message.includes(entry.remoteIpPrefix), `${entry.remoteIpPrefix} named`);
        }
    }

    it("the adoption case: tight rules added and wide removed by hand, retired: [] is refused", async () => {
        const { groupId, ruleIds } = await group("adopted", []);
        const before = (await listRules(s, groupId)).map((r) => r.id).sort();
        const { retirement, gate } = await destroy(await recorded(groupId, ruleIds, []));
        refusedNaming(retirement, groupId);
        refusedNaming(gate, groupId);
        assert.deepEqual((await listRules(s, groupId)).map((r) => r.id).sort(), before);
    });

    it("a run that died between a DELETE and recording it: the gate alone still refuses", async () => {
        const { groupId, wideIds, ruleIds } = await group("crash", [6443, 22]);
        const state = await recorded(groupId, ruleIds, []);
        // The wide rules went, but nothing of the retirement reached the state.
        for (const id of wideIds) {
            await deleteRule(s, id);
        }
        refusedNaming(await (await provider(gateFile)).call("delete", "id", state.gate), groupId);
        refusedNaming(
            await (await provider(retirementFile)).call("delete", "id", state.retirement),
            groupId,
        );
    });

    it("a normal retired stack is refused; with the wide rule still there it is not", async () => {
        const { groupId, wideIds, ruleIds } = await group("retired", [6443]);
        const target = (await listRules(s, groupId)).find((r) => r.id === wideIds[0])!;
        const still = await destroy(
            await recorded(groupId, ruleIds, [{ id: target.id, shape: ruleShape(target) }]),
        );
        assert.ok(still.retirement.ok && still.gate.ok, "a wide rule on 6443 still admits all");

        await deleteRule(s, target.id);
        const state = await recorded(groupId, ruleIds, [
            { id: target.id, shape: ruleShape(target) },
        ]);
        const refused = await destroy(state);
        refusedNaming(refused.retirement, groupId);
        refusedNaming(refused.gate, groupId);
    });

    it("a conductor admitted otherwise only by protocol 0 is refused; by every protocol it is not", async () => {
        const { groupId, ruleIds } = await group("protocol-zero", []);
        const other = (remote: string, protocol: string | null) => ({
            security_group_id: groupId,
            direction: "ingress" as const,
            ethertype: "IPv4" as const,
            protocol,
            port_range_min: null,
            port_range_max: null,
            remote_ip_prefix: remote,
            description: "made by hand",
        });
        // OVN enforces "0" as ip.proto == 0 (no TCP): it must not keep 10.30.0.11 admitted.
        const zero = await createRule(s, other("10.30.0.11/32", "0"));
        const every = await createRule(s, other("10.30.0.12/32", null));
        const live = await listRules(s, groupId);
        assert.equal(live.find((r) => r.id === zero.id)?.protocol, "0", 'Neutron stores "0"');
        assert.equal(live.find((r) => r.id === every.id)?.protocol, null);
        const { retirement, gate } = await destroy(await recorded(groupId, ruleIds, []));
        for (const result of [retirement, gate]) {
            assert.ok(!result.ok, "the delete must be refused");
            const message = result.error.message;
            assert.match(message, /\n {2}conductor {2}6443\/tcp {2}10\.30\.0\.11\/32\n/);
            assert.doesNotMatch(message, /10\.30\.0\.12/, "every protocol keeps 10.30.0.12");
        }
        assert.deepEqual(
            (await listRules(s, groupId)).map((r) => r.id).sort(),
            live.map((r) => r.id).sort(),
        );
    });

    it("allowDestroy: true lets both deletes through, without listing the group", async () => {
        const { groupId, ruleIds } = await group("allowed", []);
        const state = await recorded(groupId, ruleIds, [], true);
        const allowed = await destroy(state);
        assert.ok(allowed.retirement.ok && allowed.gate.ok);
        const unreachable = { ...state.gate, cloud: "no-such-cloud" };
        assert.ok((await (await provider(gateFile)).call("delete", "id", unreachable)).ok);
    });

    it("fails closed when the group cannot be listed", async () => {
        const { groupId, ruleIds } = await group("unlisted", [6443]);
        const state = await recorded(groupId, ruleIds, []);
        const result = await (
            await provider(gateFile)
        ).call("delete", "id", {
            ...state.gate,
            cloud: "no-such-cloud",
        });
        assert.ok(!result.ok);
        assert.match(
            result.error.message,
            new RegExp(
                `Refusing to destroy: the rules of security group ${groupId} could not be listed`,
            ),
        );
    });
});
