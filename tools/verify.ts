// `capi-mgmt-ingress verify --stack <env> [--json]`: the post-deploy checks without an update
// (after a conductor redeploy, or from cron), through the same functions the dynamic resources
// run. Sources are judged against the allow entries the group really holds now, and an entry
// derived now but absent from the group (a unit redeployed with a new address) or a wide rule
// still there fails too. A failed row is a finding (exit 1); no check configured means
// verification could not run (exit 2).
import type { AllowEntry } from "../components/model/allowset";
import { CheckResult, formatResults, runChecks, verifyPlan } from "../components/verify/checks";
import { listUnits } from "../components/juju/units";
import { liveReview } from "../components/discover/rest-lookups";
import type { Plan } from "../components/plan/plan";
import { loadStackConfig } from "../components/config/stackfile";
import { discoveryLabel, Paint, Progress } from "./cli/output";
import { Responsible, unacceptedExcess } from "../components/plan/exposure";
import { aloneAdmitted, waysOut, WaysOut } from "../components/plan/ways-out";
import { maskSecrets } from "../components/mask";

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
    const excess = unacceptedExcess(plan.exposure.beforeResponsible).filter(
        (r) => !retiring.has(r.ruleId),
    );
    const ways = exposedWaysOut(plan, excess);
    const exposed = excess.map((r): CheckResult => {
        const w = ways.get(`${r.groupId}|${r.ruleId}`)!;
        return {
            check: "group",
            target: r.ruleId,
            outcome: "exposed",
            passed: false,
            ms: 0,
            detail: maskSecrets(
                `rule ${r.ruleId} in group ${r.groupName} (${r.groupId}) admits ${r.admits} ` +
                    `on ${r.reaches.join(", ")}, beyond the allow-set; expected the API's port ` +
                    `to admit only the allow-set; ways out: ${w.can.join("; or ")}` +
                    w.cannot.map((c) => `; not: ${c}`).join(""),
            ),
        };
    });
    return [...missing, ...wide, ...exposed];
}

/**
 * The ways out of each rule in `exposed` (by `groupId|ruleId`), worded as the preview's refusal
 * words them (components/plan/ways-out.ts): a `retire` selector only where one would make the
 * rule a retire target (never for another group's rule), acceptance where never wide lets it
 * apply, removal by hand naming what of the allow-set only these rules admit now.
 */
function exposedWaysOut(plan: Plan, exposed: Responsible[]): Map<string, WaysOut> {
    const { exposure } = plan;
    if (exposed.length === 0) {
        return new Map();
    }
    const key = (groupId: string, ruleId: string) => `${groupId}|${ruleId}`;
    // The live rules but the retire targets, which `exposed` leaves out.
    const rules = new Map(exposure.afterRules.map((r) => [key(r.group.id, r.rule.id), r.rule]));
    const ethertypes = new Map([...rules].map(([k, rule]) => [k, rule.ethertype]));
    const alone = aloneAdmitted(exposure.before, plan.allowSet, exposed, ethertypes);
    const managed = exposure.groups.find((g) => g.id === plan.groupId) ?? {
        id: plan.groupId,
        name: plan.groupId,
    };
    // The exposure has a row per protected port and family (computeExposure).
    const protectedPorts = [...new Set(exposure.before.ports.map((pe) => pe.port))];
    return new Map(
        exposed.map((r) => {
            const k = key(r.groupId, r.ruleId);
            const live = rules.get(k);
            return [
                k,
                waysOut({ rule: r, live, alone: alone.get(k) ?? [], managed, protectedPorts }),
            ];
        }),
    );
}

export interface VerifyReport {
    stack: string;
    api: string;
    group: string;
    /** True when every row passed. */
    passed: boolean;
    /** The group's own rows first, then every configured check's. */
    results: CheckResult[];
}

export async function runVerify(stack: string, progress: Progress): Promise<VerifyReport> {
    const config = loadStackConfig(stack);
    const live = await progress.step(discoveryLabel(stack, config), () => liveReview(config));
    const juju = config.conductors.juju;
    const units =
        juju && config.verify.conductors.enabled
            ? await progress.step(`listing the units of ${juju.application} through juju`, () =>
                  listUnits(juju),
              )
            : [];
    const plan = verifyPlan(config.verify, {
        api: { address: live.found.api.address, port: live.found.api.port },
        allowSet: live.plan.allowSet.filter((e) => live.plan.adoptions.has(e)),
        conductors: juju ? { juju, units: units.map((u) => u.unit) } : undefined,
    });
    const checks = await progress.step("running the checks", () => runChecks(plan));
    if (checks.length === 0) {
        throw new Error(
            `stack ${stack} configures no check (verify.conductors, operator, tenant, custom); ` +
                `expected at least one`,
        );
    }
    const results = [...groupResults(live.plan), ...checks];
    return {
        stack,
        api: live.api,
        group: live.group,
        passed: results.every((r) => r.passed),
        results,
    };
}

export function formatVerify(report: VerifyReport, paint: Paint): string {
    const failed = report.results.filter((r) => !r.passed).length;
    return [
        `stack ${report.stack}: API ${report.api}, group ${report.group}`,
        formatResults(report.results),
        failed === 0
            ? paint.ok(`all ${report.results.length} checks passed`)
            : paint.bad(`${failed} of ${report.results.length} checks failed`),
        "",
    ].join("\n");
}
