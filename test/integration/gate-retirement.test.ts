// The read-back gate and the retirement of the wide rules against the real local cloud, each
// provider serialized as the SDK does and run in a plain `node` process, in the engine's order,
// with an observer that checks every allow-set source is admitted at every instant it samples.
import { strict as assert } from "node:assert";
import { AllowEntry, deriveAllowSet } from "../../components/model/allowset";
import { parsePrefix, prefixContains } from "../../components/model/cidr";
import {
    findMissing,
    formatMissing,
    GateInputs,
    GateOutputs,
    readbackGateProvider,
} from "../../components/apply/gate";
import {
    createRule,
    createSecurityGroup,
    deleteRule,
    deleteSecurityGroup,
    entryRuleBody,
    isOpenStackError,
    listRules,
    openSession,
    RuleCreate,
    Session,
} from "../../components/openstack/client";
import {
    destroyRefusal,
    retireRules,
    RetirementInputs,
    RetirementOutputs,
    RetireTarget,
    wideRuleRetirementProvider,
} from "../../components/apply/retirement";
import {
    classifyRules,
    coversPort,
    NeutronRule,
    remotePrefix,
    RetireSelector,
    ruleShape,
} from "../../components/model/rules";
import {
    cloudOrSkip,
    killNetworking,
    LocalCloud,
    startNetworking,
} from "../../tools/localcloud/cloud";
import {
    CallResult,
    ProviderProcess,
    serializeProvider,
} from "../../tools/rehearsal/provider-host";

const PROTECTED = [22, 6443];
const SELECTORS: RetireSelector[] = [
    { remote: "0.0.0.0/0", ports: PROTECTED },
    { remote: "::/0", ports: PROTECTED },
];

/** The ruling's shape: three conductors, the operator's NAT address, the cluster's own /24. */
const ENTRIES: AllowEntry[] = deriveAllowSet({
    protectedPorts: PROTECTED,
    apiPort: 6443,
    minPrefixLength: { IPv4: 16, IPv6: 48 },
    waivers: [],
    conductors: ["10.30.0.11", "10.30.0.12", "10.30.0.13"].map((source, i) => ({
        source,
        provenance: `magnum/${i} ip route get`,
    })),
    operator: { sources: [{ source: "198.51.100.7", provenance: "config" }], ports: [22, 6443] },
    hairpin: { sources: [{ source: "10.20.0.0/24", provenance: "subnet" }], ports: [6443] },
});

function wide(groupId: string, port: number, ethertype: "IPv4" | "IPv6" = "IPv4"): RuleCreate {
    return {
        security_group_id: groupId,
        direction: "ingress",
        ethertype,
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: ethertype === "IPv4" ? "0.0.0.0/0" : "::/0",
    };
}

/** True when some rule lets the entry's whole source reach its port. */
function admitted(rules: NeutronRule[], entry: AllowEntry): boolean {
    const source = parsePrefix(entry.remoteIpPrefix);
    return rules.some(
        (r) =>
            !r.remote_group_id &&
            !r.remote_address_group_id &&
            r.ethertype === entry.ethertype &&
            coversPort(r, entry.port) &&
            prefixContains(remotePrefix(r), source),
    );
}

interface ObserverReport {
    observations: number;
    unobservable: number;
    /** Distinct rule sets seen: the intermediate states the change went through. */
    states: number;
    maxGapMs: number;
    violations: string[];
}

/**
 * Starts a listing of the group every 50 ms without waiting for the previous one (up to 4 in
 * flight): neutron-server here serves one request at a time, so queued listings land between
 * the change's own requests and sample each state it passes through.
 */
function startObserver(s: Session, groupId: string, entries: AllowEntry[]) {
    const report: ObserverReport = {
        observations: 0,
        unobservable: 0,
        states: 0,
        maxGapMs: 0,
        violations: [],
    };
    const seen = new Set<string>();
    const inFlight = new Set<Promise<void>>();
    let last = Date.now();
    const observe = async () => {
        try {
            const rules = await listRules(s, groupId);
            report.observations++;
            report.maxGapMs = Math.max(report.maxGapMs, Date.now() - last);
            last = Date.now();
            seen.add(
                rules
                    .map((r) => r.id)
                    .sort()
                    .join(","),
            );
            for (const entry of entries.filter((e) => !admitted(rules, e))) {
                report.violations.push(
                    `${new Date().toISOString()}: ${entry.role} ${entry.remoteIpPrefix} not admitted ` +
                        `to ${entry.port}/tcp (${rules.length} rules listed)`,
                );
            }
        } catch {
            report.unobservable++;
        }
    };
    const timer = setInterval(() => {
        if (inFlight.size < 4) {
            const listing = observe().finally(() => inFlight.delete(listing));
            inFlight.add(listing);
        }
    }, 50);
    return async (): Promise<ObserverReport> => {
        clearInterval(timer);
        await Promise.all(inFlight);
        report.states = seen.size;
        return report;
    };
}

/** What the preview measures: the group's retire targets. */
async function previewTargets(s: Session, groupId: string): Promise<RetireTarget[]> {
    return classifyRules(await listRules(s, groupId), ENTRIES, SELECTORS, PROTECTED)
        .filter((c) => c.class === "retire")
        .map((c) => ({ id: c.rule.id, shape: ruleShape(c.rule) }));
}

async function ids(s: Session, groupId: string): Promise<string[]> {
    return (await listRules(s, groupId)).map((r) => r.id).sort();
}

describe("read-back gate and retirement: pure parts", () => {
    it("lists every missing entry and id in a table", () => {
        const missing = findMissing([], "g", ENTRIES.slice(0, 2), ["rule-x"]);
        assert.equal(missing.length, 3);
        const table = formatMissing(missing).split("\n");
        assert.match(table[0], /^ROLE\s+PORT\s+CIDR\s+RULE ID$/);
        assert.match(table[1], /^conductor\s+6443\/tcp\s+10\.30\.0\.11\/32\s+-$/);
        assert.match(table[3], /^-\s+-\s+-\s+rule-x$/);
    });

    it("refuses destroy only when wide rules were retired and destroy is not allowed", () => {
        const outputs: RetirementOutputs = {
            cloud: "",
            groupId: "g",
            entries: [],
            targets: [],
            allowDestroy: false,
            readbackRuleCount: 0,
            retired: [],
        };
        assert.equal(destroyRefusal(outputs), undefined);
        const retired = {
            ...outputs,
            retired: [
                {
                    id: "r1",
                    shape: ruleShape(ruleOf(wide("g", 6443))),
                    outcome: "deleted" as const,
                },
            ],
        };
        assert.match(
            destroyRefusal(retired)!,
            /would lock Magnum out.*allowDestroy true.*pulumi up/,
        );
        assert.equal(destroyRefusal({ ...retired, allowDestroy: true }), undefined);
    });
});

function ruleOf(body: RuleCreate): NeutronRule {
    return { id: "r1", remote_group_id: null, ...body, protocol: body.protocol };
}

describe("read-back gate and retirement against the local cloud", function () {
    this.timeout(180000);
    let cloud: LocalCloud;
    let s: Session;
    let gateFile: string;
    let retirementFile: string;
    const processes: ProviderProcess[] = [];
    const groups: string[] = [];

    before(async function () {
        cloud = await cloudOrSkip(this);
        s = await openSession({ env: cloud.env });
        gateFile = await serializeProvider("gate", readbackGateProvider);
        retirementFile = await serializeProvider("retirement", wideRuleRetirementProvider);
    });

    afterEach(async () => {
        for (const p of processes.splice(0)) {
            await p.stop();
        }
        for (const id of groups.splice(0)) {
            await deleteSecurityGroup(s, id);
        }
    });

    /** A group in the "before" state: 22 and 6443 open to 0.0.0.0/0 and ::/0. */
    async function wideGroup(label: string): Promise<string> {
        const group = await createSecurityGroup(s, { name: `itest-gate-${label}-${Date.now()}` });
        groups.push(group.id);
        for (const port of PROTECTED) {
            await createRule(s, wide(group.id, port, "IPv4"));
            await createRule(s, wide(group.id, port, "IPv6"));
        }
        return group.id;
    }

    /** Creates the tight rules as the openstack provider would: one POST per entry. */
    async function createTight(groupId: string, entries = ENTRIES): Promise<string[]> {
        const created: string[] = [];
        for (const entry of entries) {
            created.push((await createRule(s, entryRuleBody(entry, groupId))).id);
        }
        return created;
    }

    async function provider(file: string): Promise<ProviderProcess> {
        const p = await ProviderProcess.start(file, { PATH: process.env.PATH, ...cloud.env });
        processes.push(p);
        return p;
    }

    function gateInputs(groupId: string, ruleIds: string[]): GateInputs {
        return { cloud: cloud.cloudName, groupId, entries: ENTRIES, ruleIds };
    }

    function retirementInputs(
        groupId: string,
        targets: RetireTarget[],
        gate: GateOutputs,
    ): RetirementInputs {
        return {
            cloud: cloud.cloudName,
            groupId,
            entries: ENTRIES,
            targets,
            allowDestroy: false,
            readbackRuleCount: gate.rules.length,
        };
    }

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
