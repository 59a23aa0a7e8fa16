// `capi-mgmt-ingress audit --stack <env> [--json]`: classifies every live rule of the group
// without the engine, and judges the effective exposure of the API's port (every group on it). A
// rule that is drift or a retire target, or live exposure beyond the allow-set (whatever the class
// of the rule responsible, unless accepted), is a finding (exit 1).
import { liveReview } from "../components/discover/rest-lookups";
import { describePorts } from "../components/model/rules";
import { loadStackConfig } from "../components/config/stackfile";
import { exposureRows, responsibleRow, unacceptedExcess } from "../components/plan/exposure";
import { discoveryLabel, Paint, Progress, textTable } from "./cli/output";

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
    /** The API port's effective exposure now, and the rules that reach beyond the allow-set. */
    exposure: AuditExposure;
    /** Rules that are drift or retire targets, and unaccepted rules exposing beyond the allow-set. */
    failing: number;
}

export interface AuditExposure {
    portSecurity: boolean;
    ports: ReturnType<typeof exposureRows>;
    beyondAllowSet: ReturnType<typeof responsibleRow>[];
    unreadable: { groupId: string; ruleId: string; what: string }[];
    unresolved: { groupId: string; ruleId: string; remote: string }[];
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
    const exposed = live.plan.exposure;
    const exposure: AuditExposure = {
        portSecurity: exposed.before.portSecurity,
        ports: exposureRows(exposed.before, exposed.beyondBefore),
        beyondAllowSet: exposed.beforeResponsible.map(responsibleRow),
        unreadable: exposed.before.unreadable,
        unresolved: exposed.before.unresolved,
    };
    const failing =
        rules.filter((r) => r.class === "drift" || r.class === "retire").length +
        unacceptedExcess(exposed.beforeResponsible).length;
    return { stack, group: live.group, rules, missing, exposure, failing };
}

/** The report as an operator reads it in a terminal. */
export function formatAudit(report: AuditReport, paint: Paint): string {
    const lines = [`group ${report.group}`, table(report.rules)];
    if (report.missing.length > 0) {
        lines.push("allow entries with no rule on the group:", table(report.missing));
    }
    const { exposure } = report;
    lines.push(
        "effective exposure of the API's port (every group on it):",
        table(
            exposure.ports.map((p) => ({
                port: `${p.port}/tcp ${p.ethertype}`,
                admits: p.admits,
                beyondAllowSet: p.beyondAllowSet,
            })),
        ),
    );
    for (const r of exposure.beyondAllowSet) {
        lines.push(
            r.accepted !== undefined
                ? `accepted: rule ${r.rule} in ${r.group} admits ${r.admits} (${r.reaches.join(", ")}): ${r.accepted}`
                : paint.bad(
                      `EXPOSED: rule ${r.rule} in ${r.group} admits ${r.admits} (${r.reaches.join(", ")})`,
                  ),
        );
    }
    for (const u of exposure.unreadable) {
        lines.push(
            `unreadable: rule ${u.ruleId} in group ${u.groupId} (${u.what}): counted as everything`,
        );
    }
    for (const u of exposure.unresolved) {
        lines.push(
            `unresolved: rule ${u.ruleId} in group ${u.groupId}: ${u.remote}, counted as any address`,
        );
    }
    lines.push(
        report.failing
            ? paint.bad(
                  `${report.failing} finding(s): drift, retire targets or rules exposing the API beyond the allow-set`,
              )
            : paint.ok("tight: no drift, nothing to retire, nothing beyond the allow-set"),
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
    return textTable(
        header.map((h) => h.toUpperCase()),
        cells,
    );
}
