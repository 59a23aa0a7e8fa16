// The review's verdict: whether `pulumi preview` would refuse the stack as reviewed. The program
// (components/program.ts, runProgram) refuses on exactly these facts before declaring anything:
// exposure beyond the allow-set left after the plan, then retire targets the stack does not
// approve. Without --live only the config can be judged: the sources it names are derived as the
// preview derives them. Pure.
import { ConfigError, StackConfig } from "../config/schema";
import { DerivationError } from "../model/allowset";
import { judgeApproval } from "../plan/approval";
import { managedRuleAcceptance, RuleAcceptance } from "../plan/exposure";
import { Plan, planIngress } from "../plan/plan";
import { configuredOnly } from "./diff";
import { codeSpan } from "./markdown";
import { maskSecrets } from "../mask";

/**
 * Each reason the preview would refuse this plan, whole: the error it fails with (every rule,
 * target and way out it names, one per line), credentials in free text masked (maskSecrets);
 * empty: it goes ahead.
 */
export function previewRefusals(config: StackConfig, plan: Plan): string[] {
    const reasons: string[] = [];
    if (plan.exposure.refusal) {
        reasons.push(plan.exposure.refusal);
    }
    const approval = judgeApproval(plan.groupId, plan.retireTargets, config.approvedRetirement);
    if (approval.status === "refused") {
        reasons.push(approval.message);
    }
    return reasons.map((r) => r.split("\n").map(maskSecrets).join("\n"));
}

/**
 * How `acceptedExposure` stands for a drift rule, as the preview decides it
 * (components/plan/exposure.ts managedRuleAcceptance): an entry naming the rule by id applies
 * unless never wide voids it. The program (components/program.ts) goes ahead with an accepted
 * rule in place, so the review and the audit do not count it as a finding; a voided one stays one.
 */
export function driftAcceptance(
    config: StackConfig,
    plan: Plan,
    ruleId: string,
): RuleAcceptance | undefined {
    const name = plan.exposure.groups.find((g) => g.id === plan.groupId)?.name ?? "";
    return managedRuleAcceptance(
        plan.exposure,
        config.acceptedExposure,
        { id: plan.groupId, name },
        ruleId,
    );
}

/** The plan's drift rules no `acceptedExposure` entry accepts (none, or voided): each a finding. */
export function unacceptedDrift(config: StackConfig, plan: Plan): Plan["drift"] {
    return plan.drift.filter((c) => !driftAcceptance(config, plan, c.rule.id)?.applies);
}

/**
 * A drift rule's reason with how `acceptedExposure` stands for it, as the review and audit say it,
 * credentials masked (maskSecrets): the acceptance's reason is the stack's free text.
 */
export function driftReason(reason: string, acceptance: RuleAcceptance | undefined): string {
    if (acceptance === undefined) {
        return maskSecrets(reason);
    }
    return maskSecrets(
        acceptance.applies
            ? `${reason}; accepted (acceptedExposure): ${acceptance.reason}`
            : `${reason}; acceptedExposure names it but does not apply: with the others it admits ` +
                  `every address of the family on ${acceptance.wide.join(", ")} (never wide), so ` +
                  `it stays a finding; the reason given: ${acceptance.reason}`,
    );
}

/**
 * The plan's drift as `review --json` lists it: `drift`, each a finding (driftReason), and
 * `acceptedDrift`, accepted by id (the classification's reason and the acceptance's), masked.
 */
export function driftRows(
    config: StackConfig,
    plan: Plan,
): {
    drift: { id: string; reason: string }[];
    acceptedDrift: { id: string; reason: string; accepted: string }[];
} {
    return {
        drift: unacceptedDrift(config, plan).map((c) => ({
            id: c.rule.id,
            reason: driftReason(c.reason, driftAcceptance(config, plan, c.rule.id)),
        })),
        acceptedDrift: plan.drift.flatMap((c) => {
            const accepted = driftAcceptance(config, plan, c.rule.id);
            return accepted?.applies
                ? [
                      {
                          id: c.rule.id,
                          reason: maskSecrets(c.reason),
                          accepted: maskSecrets(accepted.reason),
                      },
                  ]
                : [];
        }),
    };
}

/**
 * What a live review warns of beyond discovery's own warnings: an approvedRetirement that is spent
 * (nothing left to retire; `up` deletes nothing and warns), and each `acceptedExposure` entry
 * naming a rule id found in no group read on the API's port (the rule is gone: the entry accepts
 * nothing and can be removed, or it names the wrong rule).
 */
export function reviewWarnings(config: StackConfig, plan: Plan): string[] {
    const warnings: string[] = [];
    const approval = judgeApproval(plan.groupId, plan.retireTargets, config.approvedRetirement);
    if (approval.status === "nothing-to-retire" && approval.note) {
        warnings.push(approval.note);
    }
    const read = new Set([
        ...plan.classified.map((c) => c.rule.id),
        ...plan.exposure.afterRules.map((r) => r.rule.id),
        ...plan.retireTargets.map((t) => t.id),
    ]);
    config.acceptedExposure.forEach((a, i) => {
        if (a.rule !== undefined && !read.has(a.rule)) {
            warnings.push(
                `acceptedExposure[${i}] names rule ${a.rule}, which no security group on the ` +
                    "API's port holds: it accepts nothing; remove the entry or name the rule meant",
            );
        }
    });
    return warnings;
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

/**
 * Markdown lines closing one stack's review: the verdict and the exit code it gives. The preview
 * refusing is a finding, and so is drift (a rule admitting a source outside the allow-set that the
 * plan leaves alone): either makes the command exit 1, as a pull-request check must fail with it.
 */
export function verdictLines(
    stack: string,
    refusals: string[],
    drift: { id: string; reason: string }[] = [],
): string[] {
    const head = `**Verdict (${codeSpan(stack)}):**`;
    const driftRows = drift.map((d) => `- drift: rule ${d.id}: ${d.reason}`);
    if (refusals.length === 0 && drift.length === 0) {
        return ["", `${head} the preview would go ahead and the group has no drift (exit 0).`];
    }
    if (refusals.length === 0) {
        return [
            "",
            `${head} the preview would go ahead, but the group has drift, a finding (exit 1):`,
            "",
            ...driftRows,
        ];
    }
    return [
        "",
        `${head} the preview would refuse${drift.length ? " and the group has drift" : ""} (exit 1):`,
        "",
        ...refusals.flatMap(refusalItem),
        ...driftRows,
    ];
}

/**
 * A refusal as a list item: its first line, then the rest as it is printed (indented lines,
 * YAML to paste) in a code block inside the item, fenced by more backticks than the text holds.
 */
function refusalItem(refusal: string): string[] {
    const [first, ...rest] = refusal.split("\n");
    if (rest.length === 0) {
        return [`- ${first}`];
    }
    const longest = Math.max(0, ...(refusal.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(Math.max(3, longest + 1));
    return [
        `- ${first}`,
        "",
        `  ${fence}text`,
        ...rest.map((l) => (l ? `  ${l}` : "")),
        `  ${fence}`,
    ];
}

/** What a base-against-head review counts: stacks with a finding, heads refusing, drift rules. */
export function baseReviewCounts(
    stacks: { problems: string[]; verdict?: { refusals: string[]; drift: unknown[] } }[],
): { problems: number; refusing: number; drift: number } {
    const refusing = (s: (typeof stacks)[number]) => (s.verdict?.refusals.length ?? 0) > 0;
    const drift = (s: (typeof stacks)[number]) => s.verdict?.drift.length ?? 0;
    return {
        problems: stacks.filter((s) => s.problems.length > 0 || refusing(s) || drift(s) > 0).length,
        refusing: stacks.filter(refusing).length,
        drift: stacks.reduce((n, s) => n + drift(s), 0),
    };
}
