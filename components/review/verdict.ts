// The review's verdict: whether `pulumi preview` would refuse the stack as reviewed. The program
// (components/program.ts, runProgram) refuses on exactly these facts before declaring anything:
// exposure beyond the allow-set left after the plan, then retire targets the stack does not
// approve. Without --live only the config can be judged: the sources it names are derived as the
// preview derives them. Pure.
import { ConfigError, StackConfig } from "../config/schema";
import { DerivationError } from "../model/allowset";
import { judgeApproval } from "../plan/approval";
import { Plan, planIngress } from "../plan/plan";
import { configuredOnly } from "./diff";
import { codeSpan } from "./markdown";

/** Each reason the preview would refuse this plan (first line of its error); empty: it goes ahead. */
export function previewRefusals(config: StackConfig, plan: Plan): string[] {
    const reasons: string[] = [];
    if (plan.exposure.refusal) {
        reasons.push(plan.exposure.refusal.split("\n")[0]);
    }
    const approval = judgeApproval(plan.groupId, plan.retireTargets, config.approvedRetirement);
    if (approval.status === "refused") {
        reasons.push(approval.message.split("\n")[0]);
    }
    return reasons;
}

/**
 * Derives the allow-set from what the stack file alone names (operator, static conductors,
 * hairpin CIDRs); a source the preview would refuse throws ConfigError listing every problem,
 * as a config the schema refuses does. Live lookups can only add sources, never remove these
 * problems.
 */
export function checkConfiguredSources(config: StackConfig): void {
    try {
        planIngress(config, configuredOnly(config));
    } catch (err) {
        if (err instanceof DerivationError) {
            throw new ConfigError(err.problems.map((p) => `allow-set: ${p}`));
        }
        throw err;
    }
}

/** Markdown lines closing one stack's review: the verdict its exit code reports. */
export function verdictLines(stack: string, refusals: string[]): string[] {
    if (refusals.length === 0) {
        return ["", `**Verdict (${codeSpan(stack)}):** the preview would go ahead (exit 0).`];
    }
    return [
        "",
        `**Verdict (${codeSpan(stack)}):** the preview would refuse (exit 1):`,
        "",
        ...refusals.map((r) => `- ${r}`),
    ];
}
