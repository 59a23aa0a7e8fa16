// A change's review as Markdown: one section per stack. Pure: it renders what diff.ts computed.
import type { RetirementSide, StackDiff } from "./diff";
import { codeSpan, table } from "./markdown";
import { NOT_READ } from "./exposure";
import { verdictLines } from "./verdict";

/**
 * The first line of every review, invisible in the rendered comment: it says what the comment is.
 * The workflow updates its one comment by the sticky comment action's own `header`.
 */
export const REVIEW_MARKER = "<!-- capi-mgmt-ingress:review -->";

export interface DiffReport {
    base: string;
    head: string;
    stacks: StackDiff[];
}

export function renderDiffReport(report: DiffReport): string {
    const lines = [
        REVIEW_MARKER,
        `## capi-mgmt-ingress: what this change does to each stack`,
        "",
        `Base ${codeSpan(report.base)} against ${report.head}.`,
    ];
    if (report.stacks.length === 0) {
        lines.push("", "No stack file changed.");
    }
    for (const stack of report.stacks) {
        lines.push("", ...renderStackDiff(stack));
    }
    return lines.join("\n") + "\n";
}

export function renderStackDiff(diff: StackDiff): string[] {
    const status =
        diff.status === "added"
            ? " (added by this change)"
            : diff.status === "deleted"
              ? " (deleted by this change)"
              : diff.status === "unchanged"
                ? " (stack file unchanged)"
                : "";
    const lines = [`### Stack ${codeSpan(diff.stack)}${status}`, ""];
    for (const problem of diff.problems) {
        lines.push(`> **Problem:** ${problem.replace(/\n/g, "\n> ")}`, "");
    }
    for (const note of diff.notes) {
        lines.push(`_${note}_`, "");
    }
    lines.push("#### Settings", "");
    lines.push(
        ...(diff.settings.length
            ? table(
                  ["key", "change", "base", "head"],
                  diff.settings.map((s) => [s.key, s.change, s.base ?? "", s.head ?? ""]),
              )
            : ["No setting changed."]),
    );
    lines.push("", `#### Allow-set rows (${diff.scope})`, "");
    lines.push(
        ...(diff.allowSet.length
            ? table(
                  ["change", "role", "port", "source", "provenance"],
                  diff.allowSet.map((r) => [
                      r.change,
                      r.role,
                      `${r.port}/tcp`,
                      r.source,
                      r.provenance,
                  ]),
              )
            : ["No row gained or lost."]),
    );
    lines.push("", "#### Retire selectors", "");
    lines.push(
        ...(diff.retireSelectors.length
            ? table(
                  ["change", "remote", "ports"],
                  diff.retireSelectors.map((s) => [s.change, s.remote, s.ports.join(", ")]),
              )
            : ["No selector changed."]),
    );
    if (diff.retirement) {
        lines.push("", "#### Retirement (measured live)", "");
        lines.push(...retirementRows(diff.retirement.base, diff.retirement.head));
    }
    lines.push("", "#### Effective exposure of the API's port after `up`", "");
    if (diff.exposure === null) {
        lines.push(`_${NOT_READ}_`);
    } else if (diff.exposure.length === 0) {
        lines.push("No change.");
    } else {
        lines.push(
            ...table(
                ["port", "family", "base", "head"],
                diff.exposure.map((e) => [`${e.port}/tcp`, e.ethertype, e.base, e.head]),
            ),
        );
    }
    if (diff.verdict) {
        lines.push(
            ...verdictLines(`${diff.stack} (head)`, diff.verdict.refusals, diff.verdict.drift),
        );
    }
    return lines;
}

function retirementRows(base?: RetirementSide, head?: RetirementSide): string[] {
    const lines: string[] = [];
    const ids = new Set([...(base?.targets ?? []), ...(head?.targets ?? [])].map((t) => t.id));
    const admits = new Map(
        [...(base?.targets ?? []), ...(head?.targets ?? [])].map((t) => [t.id, t.admits]),
    );
    const rows = [...ids]
        .sort()
        .map((id) => [
            id,
            admits.get(id) ?? "",
            base?.targets.some((t) => t.id === id) ? "yes" : "no",
            head?.targets.some((t) => t.id === id) ? "yes" : "no",
        ]);
    lines.push(
        ...(rows.length
            ? table(["rule id", "admits", "deleted at base", "deleted at head"], rows)
            : ["Nothing to retire on either side."]),
    );
    if (head?.digest) {
        lines.push(
            "",
            `Head's retirement digest: \`${head.digest}\` (${head.approval}). To approve, the ` +
                "stack file holds:",
            "",
            "```yaml",
            "  capi-mgmt-ingress:approvedRetirement:",
            `    digest: ${head.digest}`,
            `    targets: [${head.targets
                .map((t) => t.id)
                .sort()
                .join(", ")}]`,
            "```",
        );
    } else if (head) {
        lines.push(
            "",
            head.approval === "spent"
                ? "Head: nothing to retire; its approvedRetirement is spent (`up` deletes nothing " +
                      "and warns), so the key can be removed."
                : `Head: ${head.approval}.`,
        );
    }
    return lines;
}
