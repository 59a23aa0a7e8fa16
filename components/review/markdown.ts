// The pull-request review: Markdown a reviewer reads at a glance. Pure: it renders what it is given.
import { StackConfig } from "../config/schema";
import { Plan } from "../plan/plan";
import { maskSecrets } from "../mask";
import { differingSettings, effectiveSettings } from "./settings";
import { judgeApproval } from "../plan/approval";
import { NOT_READ, renderExposure } from "./exposure";
import { driftAcceptance, driftReason } from "./verdict";

export interface ReviewInput {
    stack: string;
    config: StackConfig;
    /** Present with --live: what discovery measured and the plan derived from it. */
    live?: { plan: Plan; group: string; api: string; warnings: string[] };
}

/** One stack's review. */
export function renderReview(input: ReviewInput): string {
    const lines = [
        `## capi-mgmt-ingress: stack ${codeSpan(input.stack)}`,
        "",
        "### Effective settings",
        "",
    ];
    lines.push(...table(["key", "value"], settingsRows(input.config)));
    if (!input.live) {
        lines.push("", "_Run with `--live` for the derived allow-set and the retire targets._");
        lines.push("", "### Effective exposure of the API's port", "", `_${NOT_READ}_`);
        return lines.join("\n") + "\n";
    }
    const { plan } = input.live;
    lines.push("", `Security group: ${maskSecrets(input.live.group)}; API: ${input.live.api}`);
    for (const warning of input.live.warnings) {
        lines.push("", `> **Warning:** ${maskSecrets(warning)}`);
    }
    lines.push("", "### Sources admitted (derived live)", "");
    lines.push(...allowRows(plan));
    lines.push("", "### Already present (adopted, not created)", "");
    const adopted = plan.allowSet.flatMap((e) => {
        const rule = plan.adoptions.get(e);
        return rule ? [[rule.id, e.role, `${e.port}/tcp`, e.remoteIpPrefix]] : [];
    });
    lines.push(
        ...(adopted.length ? table(["rule id", "role", "port", "source"], adopted) : ["None."]),
    );
    lines.push("", "### Will be deleted (retire targets, by measured id)", "");
    lines.push(
        ...(plan.retireTargets.length
            ? table(
                  ["rule id", "admits"],
                  plan.retireTargets.map((t) => [t.id, t.admits]),
              )
            : ["Nothing."]),
    );
    lines.push(...approvalLines(input.config, plan));
    lines.push("", "### Drift (admits a source outside the allow-set; not touched)", "");
    lines.push(
        ...(plan.drift.length
            ? table(
                  ["rule id", "why"],
                  plan.drift.map((c) => [
                      c.rule.id,
                      driftReason(c.reason, driftAcceptance(input.config, plan, c.rule.id)),
                  ]),
              )
            : ["None."]),
    );
    lines.push(...renderExposure(plan.exposure));
    return lines.join("\n") + "\n";
}

/** The digest to approve, and whether the stack's approvedRetirement already matches it. */
export function approvalLines(config: StackConfig, plan: Plan): string[] {
    const verdict = judgeApproval(plan.groupId, plan.retireTargets, config.approvedRetirement);
    if (verdict.status === "nothing-to-retire") {
        return []; // a spent approval is among the review's warnings (verdict.ts reviewWarnings)
    }
    const ids = plan.retireTargets.map((t) => t.id).sort();
    return [
        "",
        `Retirement digest: \`${verdict.digest}\` (${
            verdict.status === "approved"
                ? "approved by this stack's approvedRetirement"
                : "not approved: `pulumi preview` and `up` refuse to run, declaring nothing, " +
                  "until the stack's approvedRetirement holds this digest"
        })`,
        "",
        "```yaml",
        "  capi-mgmt-ingress:approvedRetirement:",
        `    digest: ${verdict.digest}`,
        `    targets: [${ids.join(", ")}]`,
        "```",
    ];
}

/** Two stacks side by side: every setting and admitted source that differs. */
export function renderComparison(a: ReviewInput, b: ReviewInput): string {
    const lines = [`## capi-mgmt-ingress: ${codeSpan(a.stack)} against ${codeSpan(b.stack)}`, ""];
    // Effective values on both sides, so a default and the same value stated are no difference.
    const differing = differingSettings(
        effectiveSettings(a.config),
        effectiveSettings(b.config),
    ).map((d) => [d.key, d.left?.value ?? "(unset)", d.right?.value ?? "(unset)"]);
    lines.push("### Settings that differ", "");
    lines.push(...(differing.length ? table(["key", a.stack, b.stack], differing) : ["None."]));
    if (a.live && b.live) {
        const sources = (input: ReviewInput) =>
            new Set(
                input.live!.plan.allowSet.map((e) => `${e.role} ${e.port}/tcp ${e.remoteIpPrefix}`),
            );
        const sa = sources(a);
        const sb = sources(b);
        const rows = [...new Set([...sa, ...sb])]
            .sort()
            .filter((s) => sa.has(s) !== sb.has(s))
            .map((s) => [s, sa.has(s) ? "yes" : "no", sb.has(s) ? "yes" : "no"]);
        lines.push("", "### Admitted sources that differ", "");
        lines.push(...(rows.length ? table(["source", a.stack, b.stack], rows) : ["None."]));
    }
    return lines.join("\n") + "\n";
}

function allowRows(plan: Plan): string[] {
    return table(
        ["role", "port", "source", "provenance"],
        plan.allowSet.map((e) => [
            e.role,
            `${e.port}/tcp`,
            e.remoteIpPrefix,
            maskSecrets(e.provenance.join("; ")),
        ]),
    );
}

/**
 * `text` as a CommonMark code span on one line, whatever it holds: delimited by one backtick
 * more than its longest run of backticks, padded with a space when it starts or ends with one
 * (the spec strips one space each side), so a name with backticks or `*_[<#` shows verbatim.
 */
export function codeSpan(text: string): string {
    const flat = text.replace(/[\r\n]+/g, " ");
    const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(longest + 1);
    const pad = /^[` ]|[` ]$/.test(flat) && flat.trim() !== "" ? " " : "";
    return `${fence}${pad}${flat}${pad}${fence}`;
}

/** The effective settings (settings.ts effectiveSettings) as `key.path`, value pairs. */
export function settingsRows(config: StackConfig): [string, string][] {
    return effectiveSettings(config).map((row) => [row.key, row.value]);
}

export function table(header: string[], rows: string[][]): string[] {
    const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
        `| ${header.map(cell).join(" | ")} |`,
        `| ${header.map(() => "---").join(" | ")} |`,
        ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
    ];
}
