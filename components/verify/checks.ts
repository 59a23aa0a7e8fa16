// The post-deploy checks as one plan: conductor handshake (conductor.ts), operator /readyz
// (operator.ts), tenant isolation (tenant.ts) and custom commands (custom.ts). One code path: the
// dynamic resources (resources.ts) and `npm run verify` call these free functions. No check
// throws: every failure becomes a failed result that says what ran and what was expected.
import type { AllowEntry } from "../model/allowset";
import type { VerifySettings } from "../config/schema";
import type { JujuTarget } from "../juju/units";
import * as conductor from "./conductor";
import type { ConductorCheck } from "./conductor";
import * as custom from "./custom";
import type { CustomCheck } from "./custom";
import * as operator from "./operator";
import type { OperatorCheck } from "./operator";
import { ApiEndpoint, CheckResult, errorText, maskedResult } from "./result";
import * as tenant from "./tenant";
import type { TenantCheck } from "./tenant";

export type { ApiEndpoint, CheckResult } from "./result";

/**
 * A check whose results leave it masked (maskedResult). Every check is run through this layer
 * (runChecks, the checks' resources, the rehearsal), so no check's detail can skip the masking.
 */
function masked<A extends unknown[], R extends CheckResult | CheckResult[]>(
    check: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
    return async (...args: A) => {
        const results = await check(...args);
        return (Array.isArray(results) ? results.map(maskedResult) : maskedResult(results)) as R;
    };
}

// The checks other stages run one by one (the checks' resources, the rehearsal).
export const checkConductors = masked(conductor.checkConductors);
export const checkOperatorReadyz = masked(operator.checkOperatorReadyz);
export const checkTenantIsolation = masked(tenant.checkTenantIsolation);
export const checkCustom = masked(custom.checkCustom);

/** Everything one verification run needs; absent checks are not run. */
export interface VerifyPlan {
    api: ApiEndpoint;
    allowSet: AllowEntry[];
    conductors?: ConductorCheck;
    operator?: OperatorCheck;
    tenant?: TenantCheck;
    custom: CustomCheck[];
}

/** What the checks are judged against, found by the program or by `npm run verify`. */
export interface PlanContext {
    api: ApiEndpoint;
    allowSet: AllowEntry[];
    /** The Juju conductor source and its units; absent with static conductors. */
    conductors?: { juju: JujuTarget; units: string[] };
}

/** The checks the verify settings ask for. The Juju target loses its env: it may hold secrets. */
export function verifyPlan(verify: VerifySettings, context: PlanContext): VerifyPlan {
    const juju = context.conductors?.juju;
    return {
        api: context.api,
        allowSet: context.allowSet,
        conductors:
            verify.conductors.enabled && juju
                ? {
                      juju: {
                          model: juju.model,
                          application: juju.application,
                          bin: juju.bin,
                          timeoutSeconds: juju.timeoutSeconds,
                          concurrency: juju.concurrency,
                      },
                      units: context.conductors!.units,
                      timeoutSeconds: verify.conductors.timeoutSeconds,
                  }
                : undefined,
        operator: verify.operator,
        tenant: verify.tenant,
        custom: verify.custom,
    };
}

/** Runs every configured check concurrently; never throws. */
export async function runChecks(plan: VerifyPlan): Promise<CheckResult[]> {
    const groups = await Promise.all([
        plan.conductors
            ? guarded("conductor", plan.conductors.juju.application, () =>
                  checkConductors(plan.conductors!, plan.api, plan.allowSet),
              )
            : [],
        plan.operator
            ? guarded("operator", plan.operator.kubeconfig, async () => [
                  await checkOperatorReadyz(plan.operator!),
              ])
            : [],
        plan.tenant
            ? guarded("tenant", plan.tenant.pod ?? plan.tenant.image ?? "", async () => [
                  await checkTenantIsolation(plan.tenant!, plan.api),
              ])
            : [],
        ...plan.custom.map((c) =>
            guarded(`custom:${c.name}`, c.name, async () => [await checkCustom(c)]),
        ),
    ]);
    return groups.flat();
}

/** A fixed-width table for an error or the terminal. */
export function formatResults(results: CheckResult[]): string {
    const rows = [
        ["CHECK", "TARGET", "SOURCE", "OUTCOME", "MS", "RESULT", "DETAIL"],
        ...results.map((r) => [
            r.check,
            r.target,
            r.source ?? "-",
            r.outcome,
            String(r.ms),
            r.passed ? "pass" : "FAIL",
            r.detail,
        ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    return rows
        .map((row) =>
            row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  "),
        )
        .join("\n");
}

/** One short line per result, for stack outputs. */
export function compactResults(results: CheckResult[]): string[] {
    return results.map(
        (r) =>
            `${r.passed ? "pass" : "FAIL"} ${r.check} ${r.target}` +
            `${r.source ? ` from ${r.source}` : ""}: ${r.outcome} (${r.ms} ms)`,
    );
}

/** Throws a readable table when any result failed. */
export function assertPassed(title: string, results: CheckResult[]): void {
    const failed = results.filter((r) => !r.passed);
    if (failed.length > 0) {
        throw new Error(
            `${title}: ${failed.length} of ${results.length} checks failed\n${formatResults(results)}`,
        );
    }
}

/**
 * The check's results (masked by its `masked` wrapper above), or one failed result saying why it
 * could not judge, masked here: an error's text may quote what the check read.
 */
async function guarded(
    check: string,
    target: string,
    run: () => Promise<CheckResult[]>,
): Promise<CheckResult[]> {
    try {
        return await run();
    } catch (err) {
        return [
            maskedResult({
                check,
                target,
                outcome: "error",
                passed: false,
                ms: 0,
                detail: `the check failed before judging: ${errorText(err)}`,
            }),
        ];
    }
}
