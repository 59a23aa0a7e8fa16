// The removal guard against the local Neutron: an update that drops allow-set entries, run as the
// engine runs it. The rules of the new allow-set are created first (the gate depends on them), then
// the gate's serialized provider gets its diff and update in a plain `node` process; only if the
// update passes does the engine delete the dropped entries' rules, which this test then does.
import { strict as assert } from "node:assert";
import { AllowEntry } from "../../components/model/allowset";
import { GateOutputs, measureRules } from "../../components/apply/gate";
import { certainlyAdmits } from "../../components/apply/destroy-guard";
import { droppedEntries } from "../../components/apply/removal-guard";
import {
    createRule,
    deleteRule,
    entryRuleBody,
    listRules,
} from "../../components/openstack/networking";
import { Session } from "../../components/openstack/keystone";
import { entryKey, ruleKey, ruleShape } from "../../components/model/rules";
import { RetirementOutputs } from "../../components/apply/retirement";
import { LocalCloud } from "../../tools/localcloud/cloud";
import { allowSet, useGateBench } from "../support/gate-bench";

const OLD = allowSet(["10.30.0.11", "10.30.0.12", "10.30.0.13"], "198.51.100.7");
/** magnum/2 (10.30.0.13) no longer listed by Juju. */
const WITHOUT_UNIT = allowSet(["10.30.0.11", "10.30.0.12"], "198.51.100.7");
const WIDER_OPERATOR = allowSet(["10.30.0.11", "10.30.0.12", "10.30.0.13"], "198.51.100.0/24");

describe("removal guard against the local cloud", function () {
    this.timeout(180000);
    const bench = useGateBench("removal");
    let cloud: LocalCloud;
    let s: Session;
    let gateFile: string;
    let retirementFile: string;

    before(() => {
        ({ cloud, s, gateFile, retirementFile } = bench.state());
    });

    const gate = (file = gateFile) => bench.provider(file);

    /** Creates the rules `entries` lack in the group; returns the ids of all of their rules. */
    async function declare(groupId: string, entries: AllowEntry[]): Promise<string[]> {
        const byKey = new Map((await listRules(s, groupId)).map((r) => [ruleKey(r), r.id]));
        const ids: string[] = [];
        for (const entry of entries) {
            const id = byKey.get(entryKey(entry, groupId));
            ids.push(id ?? (await createRule(s, entryRuleBody(entry, groupId))).id);
        }
        return ids;
    }

    /** A group after an `up` with OLD: its rules and the gate's recorded state. */
    async function deployed(label: string) {
        const groupId = await bench.group(`removal-${label}`);
        const ruleIds = await declare(groupId, OLD);
        const state: GateOutputs = {
            cloud: cloud.cloudName,
            groupId,
            entries: OLD,
            ruleIds,
            allowDestroy: false,
            rules: measureRules(await listRules(s, groupId)),
            missing: [],
        };
        return { groupId, state };
    }

    /**
     * The update to `entries` in the engine's order: create the new rules, diff and update the
     * gate, and only when that passed (and `thenDelete`) delete the dropped entries' rules. Returns the gate's result
     * and the group's rule ids before the deletes.
     */
    async function update(
        state: GateOutputs,
        entries: AllowEntry[],
        allowDestroy = false,
        thenDelete = true,
    ) {
        const news = {
            cloud: state.cloud,
            groupId: state.groupId,
            entries,
            ruleIds: await declare(state.groupId, entries),
            allowDestroy,
        };
        const provider = await gate();
        const diff = await provider.call<{ changes: boolean }>("diff", "id", state, news);
        assert.ok(diff.ok && diff.value.changes, "dropping an entry is a change: the update runs");
        const before = (await listRules(s, state.groupId)).map((r) => r.id).sort();
        const result = await provider.call("update", "id", state, news);
        const afterGate = (await listRules(s, state.groupId)).map((r) => r.id).sort();
        assert.deepEqual(afterGate, before, "the gate's update deletes nothing itself");
        if (result.ok && thenDelete) {
            const dropped = new Set(
                droppedEntries(state, news).map((e) => entryKey(e, state.groupId)),
            );
            for (const r of await listRules(s, state.groupId)) {
                if (dropped.has(ruleKey(r))) {
                    await deleteRule(s, r.id);
                }
            }
        }
        return { result, before };
    }

    /** Whether some rule of the group admits the entry's source on its port, live. */
    async function admitted(groupId: string, entry: AllowEntry): Promise<boolean> {
        return (await listRules(s, groupId)).some((r) => certainlyAdmits(r, entry));
    }

    const gone = OLD.find((e) => e.remoteIpPrefix === "10.30.0.13/32")!;

    it("a conductor unit dropped with nothing else admitting it: refused, nothing deleted", async () => {
        const { groupId, state } = await deployed("refused");
        const { result, before } = await update(state, WITHOUT_UNIT);
        assert.ok(!result.ok, "the update must be refused");
        const message = result.error.message;
        assert.match(
            message,
            /^Refusing to remove the rules of 1 allow-set entry this update no longer declares/,
        );
        assert.ok(message.includes(`security group ${groupId}`), message);
        assert.match(message, /\n {2}conductor {2}6443\/tcp {2}10\.30\.0\.13\/32\n/);
        assert.match(message, /Expected another rule of the group .* to admit each source/);
        assert.match(message, /pulumi config set allowDestroy true/);
        assert.deepEqual((await listRules(s, groupId)).map((r) => r.id).sort(), before);
        assert.ok(await admitted(groupId, gone));
    });

    it("the same with allowDestroy: true goes through and the unit's rule is deleted", async () => {
        const { groupId, state } = await deployed("approved");
        const { result } = await update(state, WITHOUT_UNIT, true);
        assert.ok(result.ok, JSON.stringify(result));
        assert.ok(!(await admitted(groupId, gone)), "the dropped unit's rule went");
        for (const entry of WITHOUT_UNIT) {
            assert.ok(await admitted(groupId, entry), `${entry.remoteIpPrefix} still admitted`);
        }
    });

    it("a dropped unit admitted otherwise only by protocol 0 is refused; by exact tcp it goes", async () => {
        const zero = await deployed("protocol-zero");
        await createRule(s, {
            ...entryRuleBody(gone, zero.groupId),
            protocol: "0",
            port_range_min: null,
            port_range_max: null,
            description: "every protocol, by hand",
        });
        const refused = await update(zero.state, WITHOUT_UNIT);
        assert.ok(!refused.result.ok, "protocol 0 is ip.proto == 0 on OVN: no TCP");
        assert.match(
            refused.result.error.message,
            /^Refusing to remove the rules of 1 allow-set entry[\s\S]*\n {2}conductor {2}6443\/tcp {2}10\.30\.0\.13\/32\n/,
        );
        assert.deepEqual(
            (await listRules(s, zero.groupId)).map((r) => r.id).sort(),
            refused.before,
        );

        const tcp = await deployed("exact-tcp");
        await createRule(s, {
            ...entryRuleBody(gone, tcp.groupId),
            port_range_min: 6000,
            port_range_max: 7000,
            description: "a range, by hand",
        });
        const { result } = await update(tcp.state, WITHOUT_UNIT);
        assert.ok(result.ok, JSON.stringify(result));
        assert.ok(await admitted(tcp.groupId, gone), "tcp 6000-7000 still admits 10.30.0.13");
    });

    it("a dropped unit whose source another rule still admits goes through", async () => {
        const { groupId, state } = await deployed("covered");
        await createRule(s, {
            ...entryRuleBody(gone, groupId),
            remote_ip_prefix: "10.30.0.0/24",
            description: "conductors' subnet, by hand",
        });
        const { result } = await update(state, WITHOUT_UNIT);
        assert.ok(result.ok, JSON.stringify(result));
        assert.ok(await admitted(groupId, gone), "the hand-made /24 still admits 10.30.0.13");
        const ownRule = (await listRules(s, groupId)).filter(
            (r) => ruleKey(r) === entryKey(gone, groupId),
        );
        assert.deepEqual(ownRule, [], "the stack's own rule for the unit went");
    });

    it("an operator /32 replaced by a wider prefix goes through; to another address it is refused", async () => {
        const { groupId, state } = await deployed("wider");
        const { result } = await update(state, WIDER_OPERATOR);
        assert.ok(result.ok, JSON.stringify(result));
        for (const entry of OLD.filter((e) => e.role === "operator")) {
            assert.ok(await admitted(groupId, entry), `${entry.port}: the /24 admits the old /32`);
        }

        const moved = await deployed("moved");
        const elsewhere = allowSet(["10.30.0.11", "10.30.0.12", "10.30.0.13"], "203.0.113.9");
        const refused = await update(moved.state, elsewhere);
        assert.ok(!refused.result.ok);
        assert.match(refused.result.error.message, /2 allow-set entries/);
        assert.match(refused.result.error.message, /operator {2}22\/tcp {2}198\.51\.100\.7\/32/);
        assert.match(refused.result.error.message, /operator {2}6443\/tcp {2}198\.51\.100\.7\/32/);
    });

    it("a dropped unit admitted only by a wide rule the same update retires: the retirement refuses", async () => {
        const { groupId, state } = await deployed("retiring");
        const wide = await createRule(s, {
            ...entryRuleBody(gone, groupId),
            remote_ip_prefix: "0.0.0.0/0",
            description: "opened during an incident",
        });
        // The gate counts the wide rule, still there; the retirement's update comes next.
        const { result, before } = await update(state, WITHOUT_UNIT, false, false);
        assert.ok(result.ok, JSON.stringify(result));
        const olds: RetirementOutputs = {
            cloud: state.cloud,
            groupId,
            entries: OLD,
            targets: [],
            allowDestroy: false,
            readbackRuleCount: state.rules.length,
            retired: [],
        };
        const news = {
            ...olds,
            entries: WITHOUT_UNIT,
            targets: [{ id: wide.id, shape: ruleShape(wide) }],
            readbackRuleCount: before.length,
        };
        const retirement = await (await gate(retirementFile)).call("update", "id", olds, news);
        assert.ok(!retirement.ok, "the retirement must refuse");
        assert.match(
            retirement.error.message,
            new RegExp(`wide rules it retires \\(${wide.id}\\)`),
        );
        assert.match(retirement.error.message, /conductor {2}6443\/tcp {2}10\.30\.0\.13\/32/);
        const ids = (await listRules(s, groupId)).map((r) => r.id);
        assert.ok(ids.includes(wide.id), "the wide rule was not retired");
        assert.ok(await admitted(groupId, gone));
    });
});
