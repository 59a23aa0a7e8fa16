// The read-back gate and the retirement of the wide rules against the real local cloud, each
// provider serialized as the SDK does and run in a plain `node` process, in the engine's order,
// with an observer that checks every allow-set source is admitted at every instant it samples.
import { strict as assert } from "node:assert";
import { findMissing, formatMissing, GateOutputs } from "../../components/apply/gate";
import { openSession, Session } from "../../components/openstack/keystone";
import { createRule, listRules } from "../../components/openstack/networking";
import { RetirementOutputs } from "../../components/apply/retirement";
import { ruleShape } from "../../components/model/rules";
import { killNetworking, LocalCloud, startNetworking } from "../../tools/localcloud/cloud";
import { CallResult } from "../../tools/rehearsal/provider-host";
import {
    ENTRIES,
    wide,
    ObserverReport,
    startObserver,
    previewTargets,
    ids,
    useGateBench,
} from "../support/gate-bench";

describe("read-back gate and retirement: pure parts", () => {
    it("lists every missing entry and id in a table", () => {
        const missing = findMissing([], "g", ENTRIES.slice(0, 2), ["rule-x"]);
        assert.equal(missing.length, 3);
        const table = formatMissing(missing).split("\n");
        assert.match(table[0], /^ROLE\s+PORT\s+CIDR\s+RULE ID$/);
        assert.match(table[1], /^conductor\s+6443\/tcp\s+10\.30\.0\.11\/32\s+-$/);
        assert.match(table[3], /^-\s+-\s+-\s+rule-x$/);
    });
});

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

    it("runs the whole change in the engine's order without a window", async () => {
        const groupId = await wideGroup("order");
        const targets = await previewTargets(s, groupId);
        assert.equal(targets.length, 4, "0.0.0.0/0 and ::/0 on 22 and 6443");
        const untouched = await ids(s, groupId);
        const observer = await openSession({
            env: cloud.env,
            retry: { attempts: 1, timeoutMs: 5000 },
        });
        const stop = startObserver(observer, groupId, ENTRIES);
        let report: ObserverReport;
        let retired: RetirementOutputs;
        try {
            const ruleIds = await createTight(groupId);
            const gate = await provider(gateFile);
            const measured = (
                await gate.ok<{ id: string; outs: GateOutputs }>(
                    "create",
                    gateInputs(groupId, ruleIds),
                )
            ).outs;
            assert.deepEqual(measured.missing, []);
            assert.ok(ruleIds.every((id) => measured.rules.some((r) => r.id === id)));

            const retirement = await provider(retirementFile);
            retired = (
                await retirement.ok<{ id: string; outs: RetirementOutputs }>(
                    "create",
                    retirementInputs(groupId, targets, measured),
                )
            ).outs;
            assert.deepEqual(
                retired.retired.map((r) => [r.id, r.outcome]).sort(),
                targets.map((t) => [t.id, "deleted"]).sort(),
            );

            // The next preview: nothing to retire, no diff anywhere.
            const next = retirementInputs(groupId, await previewTargets(s, groupId), measured);
            assert.deepEqual(next.targets, []);
            assert.deepEqual(await retirement.ok("diff", "id", retired, next), { changes: false });
            assert.deepEqual(await gate.ok("diff", "id", measured, gateInputs(groupId, ruleIds)), {
                changes: false,
            });
            const refreshed = await gate.ok<{ props: GateOutputs }>("read", "id", measured);
            assert.deepEqual(refreshed.props.missing, []);
        } finally {
            report = await stop();
        }
        console.log(
            `      observer: ${report.observations} listings, ${report.states} distinct rule sets, ` +
                `${report.unobservable} failed, longest gap between listings ${report.maxGapMs} ms`,
        );
        assert.deepEqual(report.violations, []);
        assert.ok(report.observations > 0);
        const left = await ids(s, groupId);
        assert.deepEqual(
            untouched.filter((id) => !left.includes(id)).sort(),
            targets.map((t) => t.id).sort(),
            "exactly the targets were deleted",
        );
        const destroy = await (await provider(retirementFile)).call("delete", "id", retired!);
        assert.ok(!destroy.ok && /would lock Magnum out/.test(destroy.error.message));
        const allowed = { ...retired!, allowDestroy: true };
        assert.ok((await (await provider(retirementFile)).call("delete", "id", allowed)).ok);
    });

    it("shows a wide rule that reappears as an update that removes it", async () => {
        const groupId = await wideGroup("reappear");
        const ruleIds = await createTight(groupId);
        const gate = await provider(gateFile);
        const measured = (
            await gate.ok<{ outs: GateOutputs }>("create", gateInputs(groupId, ruleIds))
        ).outs;
        const retirement = await provider(retirementFile);
        const first = (
            await retirement.ok<{ outs: RetirementOutputs }>(
                "create",
                retirementInputs(groupId, await previewTargets(s, groupId), measured),
            )
        ).outs;

        const back = await createRule(s, wide(groupId, 22));
        const news = retirementInputs(groupId, await previewTargets(s, groupId), measured);
        assert.deepEqual(
            news.targets.map((t) => t.id),
            [back.id],
        );
        assert.deepEqual(await retirement.ok("diff", "id", first, news), { changes: true });
        const second = (
            await retirement.ok<{ outs: RetirementOutputs }>("update", "id", first, news)
        ).outs;
        assert.ok(second.retired.some((r) => r.id === back.id && r.outcome === "deleted"));
        assert.equal(second.retired.length, 5, "the earlier retirements are kept");
        assert.deepEqual(await previewTargets(s, groupId), []);
    });

    it("stops at the gate when a tight rule is missing; the wide rules stay", async () => {
        const groupId = await wideGroup("missing");
        const operatorSsh = ENTRIES.find((e) => e.role === "operator" && e.port === 22)!;
        const ruleIds = await createTight(
            groupId,
            ENTRIES.filter((e) => e !== operatorSsh),
        );
        const targets = await previewTargets(s, groupId);
        const before = await ids(s, groupId);

        const gate = await provider(gateFile);
        const verdict = await gate.call(
            "create",
            gateInputs(groupId, [...ruleIds, "a-rule-that-is-not-there"]),
        );
        assert.ok(!verdict.ok);
        assert.match(
            verdict.error.message,
            /Read-back of security group .* failed: 1 of 6 allow entries and 1 of 6 declared rule ids/,
        );
        assert.match(verdict.error.message, /operator\s+22\/tcp\s+198\.51\.100\.7\/32\s+-/);
        assert.match(verdict.error.message, /-\s+-\s+-\s+a-rule-that-is-not-there/);

        // The engine would not run the retirement now; run it anyway: it checks for itself.
        const retirement = await provider(retirementFile);
        const refused = await retirement.call("create", {
            ...retirementInputs(groupId, targets, { rules: [] } as unknown as GateOutputs),
        });
        assert.ok(!refused.ok);
        assert.match(refused.error.message, /Refusing to retire 4 wide rule\(s\).*lock\s/s);
        assert.deepEqual(await ids(s, groupId), before, "nothing was deleted");
    });

    it("converges when neutron-server is killed during the retirement and restarted", async () => {
        const groupId = await wideGroup("crash");
        // More targets than a real group has, so that the crash lands in the middle of them.
        for (let port = 30001; port <= 30020; port++) {
            await createRule(s, wide(groupId, port));
        }
        const ruleIds = await createTight(groupId);
        const targets = (await listRules(s, groupId))
            .filter((r) => r.direction === "ingress" && r.remote_ip_prefix?.endsWith("/0"))
            .map((r) => ({ id: r.id, shape: ruleShape(r) }));
        assert.equal(targets.length, 24);
        const kept = (await ids(s, groupId)).filter((id) => !targets.some((t) => t.id === id));

        const gate = await provider(gateFile);
        const measured = (
            await gate.ok<{ outs: GateOutputs }>("create", gateInputs(groupId, ruleIds))
        ).outs;
        const inputs = retirementInputs(groupId, targets, measured);
        const retirement = await provider(retirementFile);
        const observer = await openSession({
            env: cloud.env,
            retry: { attempts: 1, timeoutMs: 5000 },
        });
        const stop = startObserver(observer, groupId, ENTRIES);
        let firstRun: CallResult<{ outs: RetirementOutputs }> | undefined;
        try {
            let settled = false;
            const running = retirement
                .call<{ outs: RetirementOutputs }>("create", inputs)
                .finally(() => (settled = true));
            const watcher = await openSession({ env: cloud.env, retry: { attempts: 1 } });
            // Kill as soon as the first target is gone, and stay down longer than the
            // provider's bounded retries (about 6 to 9 s) so that the first run fails.
            while (!settled && (await listRules(watcher, groupId)).length === kept.length + 24) {
                await new Promise((resolve) => setTimeout(resolve, 10));
            }
            await killNetworking();
            firstRun = await running;
        } finally {
            await startNetworking();
        }
        const report = await stop();
        console.log(
            `      observer: ${report.observations} listings, ${report.states} distinct rule sets, ` +
                `${report.unobservable} while neutron-server was down`,
        );
        assert.deepEqual(report.violations, []);
        assert.ok(firstRun && !firstRun.ok, "the first run fails while neutron-server is down");
        assert.match(
            firstRun.error.message,
            /failed after \d+ of 24 were retired; run the update again/,
        );
        // The engine records the partial result (ErrorResourceInitFailed): the state holds it.
        const recorded = firstRun.error.properties as unknown as RetirementOutputs;
        assert.equal(firstRun.error.id, `retirement-${groupId}`);
        assert.ok(recorded.retired.length > 0);
        assert.ok(recorded.retired.every((r) => targets.some((t) => t.id === r.id)));

        // The re-run (an update of the recorded resource) converges, in a new provider process.
        const again = await provider(retirementFile);
        const rerun = (
            await again.ok<{ outs: RetirementOutputs }>(
                "update",
                firstRun.error.id,
                recorded,
                inputs,
            )
        ).outs;
        assert.deepEqual(rerun.retired.map((r) => r.id).sort(), targets.map((t) => t.id).sort());
        assert.deepEqual(await ids(s, groupId), kept.sort(), "all targets gone, nothing else");
    });
});
