// `npm run verify -- --stack <env> [--json]`: the post-deploy checks without an update (after a
// conductor redeploy, or from cron), through the same functions the dynamic resources run.
// Sources are judged against the allow entries the group really holds now, and an entry derived
// now but absent from the group (a unit redeployed with a new address) or a wide rule still there
// fails too. Exits 0 when everything passed, 1 when a check failed, 2 when verification could not
// run (bad arguments or config, a lookup that failed, no check configured).
import { parseArgs } from "node:util";
import type { AllowEntry } from "../components/model/allowset";
import { CheckResult, formatResults, runChecks, verifyPlan } from "../components/verify/checks";
import { listUnits } from "../components/juju/units";
import { liveReview } from "../components/discover/rest-lookups";
import type { Plan } from "../components/plan/plan";
import { loadStackConfig } from "../components/config/stackfile";
import { unacceptedExcess } from "../components/plan/exposure";

/** Failed rows for the group itself: allow entries it lacks, wide rules it still holds. */
export function groupResults(plan: Plan): CheckResult[] {
    const missing = plan.allowSet
        .filter((e) => !plan.adoptions.has(e))
        .map((e: AllowEntry): CheckResult => ({
            check: "group",
            target: `${e.role} tcp/${e.port} ${e.remoteIpPrefix}`,
            outcome: "missing",
            passed: false,
            ms: 0,
            detail:
                `derived now (${e.provenance.join("; ")}) but not in group ${plan.groupId}; ` +
                `expected it there: run pulumi up`,
        }));
    const wide = plan.retireTargets.map((t): CheckResult => ({
        check: "group",
        target: t.id,
        outcome: "wide",
        passed: false,
        ms: 0,
        detail: `rule ${t.id} admits ${t.admits}; expected no wide rule on a protected port`,
    }));
    // What the API's port admits now, every group on it, beyond the allow-set and not accepted.
    const retiring = new Set(plan.retireTargets.map((t) => t.id));
    const exposed = unacceptedExcess(plan.exposure.beforeResponsible)
        .filter((r) => !retiring.has(r.ruleId))
        .map((r): CheckResult => ({
            check: "group",
            target: r.ruleId,
            outcome: "exposed",
            passed: false,
            ms: 0,
            detail:
                `rule ${r.ruleId} in group ${r.groupName} (${r.groupId}) admits ${r.admits} ` +
                `on ${r.reaches.join(", ")}, beyond the allow-set; expected the API's port to ` +
                `admit only the allow-set (retire it, remove it, or accept it in acceptedExposure)`,
        }));
    return [...missing, ...wide, ...exposed];
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: { stack: { type: "string" }, json: { type: "boolean", default: false } },
    });
    if (!values.stack) {
        console.error("usage: npm run verify -- --stack <env> [--json]");
        return 2;
    }
    const config = loadStackConfig(values.stack);
    const live = await liveReview(config);
    const juju = config.conductors.juju;
    const units =
        juju && config.verify.conductors.enabled ? (await listUnits(juju)).map((u) => u.unit) : [];
    const plan = verifyPlan(config.verify, {
        api: { address: live.found.api.address, port: live.found.api.port },
        allowSet: live.plan.allowSet.filter((e) => live.plan.adoptions.has(e)),
        conductors: juju ? { juju, units } : undefined,
    });
    const checks = await runChecks(plan);
    if (checks.length === 0) {
        console.error(
            `stack ${values.stack} configures no check (verify.conductors, operator, tenant, custom)`,
        );
        return 2;
    }
    const results = [...groupResults(live.plan), ...checks];
    const failed = results.filter((r) => !r.passed).length;
    if (values.json) {
        console.log(
            JSON.stringify(
                { stack: values.stack, api: live.api, passed: failed === 0, results },
                null,
                2,
            ),
        );
    } else {
        console.log(`stack ${values.stack}: API ${live.api}, group ${live.group}`);
        console.log(formatResults(results));
        console.log(
            failed === 0
                ? `all ${results.length} checks passed`
                : `${failed} of ${results.length} checks failed`,
        );
    }
    return failed === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            console.error(`verify: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(2);
        },
    );
}
