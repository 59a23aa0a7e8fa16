// `capi-mgmt-ingress audit --stack <env> [--json]`: classifies every live rule of the group
// without the engine. A rule that is drift or a retire target is a finding (exit 1).
import { liveReview } from "../components/discover/rest-lookups";
import { describePorts } from "../components/model/rules";
import { loadStackConfig } from "../components/config/stackfile";
import { discoveryLabel, Paint, Progress } from "./cli/output";

export interface AuditReport {
    stack: string;
    group: string;
    /** Every rule of the group, with its class (managed, adoptable, retire, drift, unrelated). */
    rules: {
        id: string;
        class: string;
        direction: string;
        ethertype: string;
        ports: string;
        remote: string;
        reason: string;
    }[];
    /** Allow entries with no live rule: normal before the first `up`, a lockout risk after it. */
    missing: { role: string; port: number; source: string }[];
    /** Rules that are drift or retire targets. */
    failing: number;
}

export async function runAudit(stack: string, progress: Progress): Promise<AuditReport> {
    const config = loadStackConfig(stack);
    const live = await progress.step(discoveryLabel(stack, config), () => liveReview(config));
    const rules = live.plan.classified.map((c) => ({
        id: c.rule.id,
        class: c.class,
        direction: c.rule.direction,
        ethertype: c.rule.ethertype,
        ports: describePorts(c.rule),
        remote:
            c.rule.remote_group_id ??
            c.rule.remote_address_group_id ??
            c.rule.remote_ip_prefix ??
            "(any)",
        reason: c.reason,
    }));
    const missing = live.plan.allowSet
        .filter((e) => !live.plan.adoptions.has(e))
        .map((e) => ({ role: e.role, port: e.port, source: e.remoteIpPrefix }));
    const failing = rules.filter((r) => r.class === "drift" || r.class === "retire").length;
    return { stack, group: live.group, rules, missing, failing };
}

/** The report as an operator reads it in a terminal. */
export function formatAudit(report: AuditReport, paint: Paint): string {
    const lines = [`group ${report.group}`, table(report.rules)];
    if (report.missing.length > 0) {
        lines.push("allow entries with no rule on the group:", table(report.missing));
    }
    lines.push(
        report.failing
            ? paint.bad(`${report.failing} rule(s) are drift or retire targets`)
            : paint.ok("tight: no drift, nothing to retire"),
    );
    return lines.join("\n") + "\n";
}

function table(rows: object[]): string {
    if (rows.length === 0) {
        return "(none)";
    }
    const header = Object.keys(rows[0]).filter((k) => k !== "direction");
    const cells = rows.map((row) =>
        header.map((k) => String((row as Record<string, unknown>)[k] ?? "")),
    );
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    return [header.map((h) => h.toUpperCase()), ...cells]
        .map((row) =>
            row
                .map((cell, i) => cell.padEnd(widths[i]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}
