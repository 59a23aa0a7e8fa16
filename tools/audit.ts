// `capi-mgmt-ingress audit --stack <env> [--json]`: classifies every live rule of the group
// without the engine, and judges the effective exposure of the API's port (every group on it). A
// rule that is drift or a retire target, or live exposure beyond the allow-set (whatever the class
// of the rule responsible, unless accepted), is a finding (exit 1), and so is an allow entry with no
// live rule: its source (a conductor, the operator, the hairpin) is not admitted.
import { liveReview } from "../components/discover/rest-lookups";
import { describePorts } from "../components/model/rules";
import type { AllowEntry } from "../components/model/allowset";
import { rangeOf } from "../components/model/addressset";
import { Exposure, exposureBeyond } from "../components/model/exposure";
import { loadStackConfig } from "../components/config/stackfile";
import {
    ExposureReview,
    exposureRows,
    responsibleRow,
    unacceptedExcess,
} from "../components/plan/exposure";
import { driftAcceptance, driftReason } from "../components/review/verdict";
import { maskSecrets } from "../components/mask";
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
    /**
     * Allow entries with no live rule, a finding (exit 1); before the first `up` that is what the
     * update fixes. `admittedBy`: the live rules (of any group on the API's port) admitting the
     * whole source now, as `rule <id> in <group> (<group id>)`; empty: it is locked out.
     */
    missing: MissingEntry[];
    /** The API port's effective exposure now, and the rules that reach beyond the allow-set. */
    exposure: AuditExposure;
    /** Each rule that is a finding once, with every fact that makes it one. */
    findings: AuditFinding[];
    /** How many rules are findings (`findings.length`): a rule both wide and exposing counts once. */
    failing: number;
}

/** A rule that is a finding: drift, a retire target, exposure beyond the allow-set, or several. */
export interface AuditFinding {
    rule: string;
    facts: ("drift" | "retire target" | "exposes beyond the allow-set")[];
}

export interface MissingEntry {
    role: string;
    port: number;
    source: string;
    admittedBy: string[];
}

export interface AuditExposure {
    /** Every security group read on the API's port, managed included. */
    groups: { id: string; name: string }[];
    portSecurity: boolean;
    ports: ReturnType<typeof exposureRows>;
    beyondAllowSet: ReturnType<typeof responsibleRow>[];
    unreadable: { groupId: string; ruleId: string; what: string }[];
    unresolved: { groupId: string; ruleId: string; remote: string }[];
}

/** Whether the audit found anything to act on (exit 1): a rule that is a finding, or a missing entry. */
export function auditFinds(report: Pick<AuditReport, "failing" | "missing">): boolean {
    return report.failing > 0 || report.missing.length > 0;
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
        reason: driftReason(
            c.reason,
            c.class === "drift" ? driftAcceptance(config, live.plan, c.rule.id) : undefined,
        ),
    }));
    const exposed = live.plan.exposure;
    const missing = missingEntries(
        live.plan.allowSet.filter((e) => !live.plan.adoptions.has(e)),
        exposed.before,
    );
    const exposure = auditExposure(exposed);
    const findings = auditFindings(
        rules,
        unacceptedExcess(exposed.beforeResponsible).map((r) => r.ruleId),
        live.plan.drift
            .filter((c) => driftAcceptance(config, live.plan, c.rule.id)?.applies)
            .map((c) => c.rule.id),
    );
    return {
        stack,
        group: live.group,
        rules,
        missing,
        exposure,
        findings,
        failing: findings.length,
    };
}

/**
 * The exposure now as the audit reports it (text and --json); groups' names (the cloud's free
 * text) and acceptance reasons masked.
 */
export function auditExposure(exposed: ExposureReview): AuditExposure {
    return {
        groups: exposed.groups.map((g) => ({ id: g.id, name: maskSecrets(g.name) })),
        portSecurity: exposed.before.portSecurity,
        ports: exposureRows(exposed.before, exposed.beyondBefore),
        beyondAllowSet: exposed.beforeResponsible.map(responsibleRow),
        unreadable: exposed.before.unreadable,
        unresolved: exposed.before.unresolved,
    };
}

/**
 * Allow entries with no rule, each with the live rules that still admit its whole source on its
 * port (the effective exposure before the plan: a wide rule admits it until it is retired).
 * An entry partly or not at all admitted lists none: its source is locked out.
 */
export function missingEntries(entries: AllowEntry[], before: Exposure): MissingEntry[] {
    return entries.map((e) => {
        const own: Exposure = {
            ...before,
            ports: [
                {
                    port: e.port,
                    ethertype: e.ethertype,
                    parts: [{ cidr: e.remoteIpPrefix, admittedBy: [] }],
                },
            ],
        };
        const here = before.ports.filter(
            (pe) => pe.port === e.port && pe.ethertype === e.ethertype,
        );
        const allowed = here.flatMap((pe) =>
            pe.parts.map((p) => ({ port: pe.port, ethertype: pe.ethertype, cidr: p.cidr })),
        );
        const admitted = exposureBeyond(own, allowed).length === 0;
        const entry = rangeOf(e.remoteIpPrefix);
        const by = admitted
            ? here
                  .flatMap((pe) => pe.parts.flatMap((p) => p.admittedBy))
                  .filter((a) => {
                      const r = rangeOf(a.cidr);
                      return r.start <= entry.end && entry.start <= r.end;
                  })
                  .map((a) => {
                      const group = maskSecrets(a.groupName);
                      return a.groupId ? `rule ${a.ruleId} in ${group} (${a.groupId})` : group;
                  })
            : [];
        return {
            role: e.role,
            port: e.port,
            source: e.remoteIpPrefix,
            admittedBy: [...new Set(by)],
        };
    });
}

/**
 * One finding per rule: the group's drift and retire targets, and the rules (of any group on the
 * API's port) exposing it beyond the allow-set unaccepted. A wide rule is both a retire target and
 * exposure: one finding with both facts, so the count is of rules, not of facts. Drift that
 * `acceptedExposure` names by id (`acceptedDriftIds`) is no finding: the program goes ahead with it.
 */
export function auditFindings(
    rules: { id: string; class: string }[],
    exposingRuleIds: string[],
    acceptedDriftIds: string[] = [],
): AuditFinding[] {
    const byRule = new Map<string, AuditFinding>();
    const add = (rule: string, fact: AuditFinding["facts"][number]) => {
        const finding = byRule.get(rule) ?? { rule, facts: [] };
        if (!finding.facts.includes(fact)) {
            finding.facts.push(fact);
        }
        byRule.set(rule, finding);
    };
    for (const r of rules) {
        if ((r.class === "drift" && !acceptedDriftIds.includes(r.id)) || r.class === "retire") {
            add(r.id, r.class === "drift" ? "drift" : "retire target");
        }
    }
    exposingRuleIds.forEach((id) => add(id, "exposes beyond the allow-set"));
    return [...byRule.values()];
}

/** The report as an operator reads it in a terminal. */
export function formatAudit(report: AuditReport, paint: Paint): string {
    const lines = [`group ${report.group}`, table(report.rules)];
    if (report.missing.length > 0) {
        lines.push(
            "allow entries with no rule on the group:",
            table(
                report.missing.map((m) => ({
                    ...m,
                    admittedBy: m.admittedBy.join(", ") || "nobody: locked out",
                })),
            ),
        );
    }
    const { exposure } = report;
    const read = exposure.groups.map((g) => `${g.name} (${g.id})`).join(", ");
    lines.push(
        `effective exposure of the API's port (groups read: ${read || "none"}):`,
        table(
            exposure.ports.map((p) => ({
                port: `${p.port}/tcp ${p.ethertype}`,
                admits: p.admits,
                beyondAllowSet: p.beyondAllowSet,
            })),
        ),
    );
    const classOf = new Map(report.rules.map((r) => [r.id, r.class]));
    for (const r of exposure.beyondAllowSet) {
        const cls = classOf.get(r.rule);
        const also =
            cls === "retire" ? "; also a retire target" : cls === "drift" ? "; also drift" : "";
        lines.push(
            r.accepted !== undefined
                ? `accepted: rule ${r.rule} in ${r.group} admits ${r.admits} (${r.reaches.join(", ")}): ${r.accepted}`
                : paint.bad(
                      `EXPOSED: rule ${r.rule} in ${r.group} admits ${r.admits} (${r.reaches.join(", ")})${also}`,
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
    const count = (fact: AuditFinding["facts"][number]) =>
        report.findings.filter((f) => f.facts.includes(fact)).length;
    const verdict: string[] = [];
    if (report.failing) {
        verdict.push(
            `${report.failing} rule(s) to act on, each counted once: ${count("drift")} drift, ` +
                `${count("retire target")} retire target(s), ` +
                `${count("exposes beyond the allow-set")} exposing the API beyond the allow-set`,
        );
    }
    if (report.missing.length) {
        verdict.push(missingVerdict(report.missing));
    }
    lines.push(
        verdict.length
            ? paint.bad(verdict.join("; "))
            : paint.ok(
                  "tight: no drift, nothing to retire, nothing beyond the allow-set, no allow entry missing",
              ),
    );
    return lines.join("\n") + "\n";
}

/** Missing entries in the verdict: which sources other rules still admit, which are locked out. */
function missingVerdict(missing: MissingEntry[]): string {
    const roles = (ms: MissingEntry[]) => [...new Set(ms.map((m) => m.role))].join(", ");
    const locked = missing.filter((m) => m.admittedBy.length === 0);
    const admitted = missing.filter((m) => m.admittedBy.length > 0);
    const by = [...new Set(admitted.flatMap((m) => m.admittedBy))].join(", ");
    const head =
        `${missing.length} allow entr${missing.length === 1 ? "y has" : "ies have"} ` +
        `no rule on the group (${roles(missing)}): `;
    const stillAdmitted =
        `still admitted by other rules (${by}), not locked out; \`up\` creates their rules ` +
        "before any rule is retired";
    const lockedOut = "not admitted, locked out until `up` creates their rules";
    if (admitted.length === 0) {
        return `${head}those sources are ${lockedOut}`;
    }
    if (locked.length === 0) {
        return `${head}those sources are ${stillAdmitted}`;
    }
    return (
        `${head}${admitted.length} (${roles(admitted)}) ${stillAdmitted}; ` +
        `${locked.length} (${roles(locked)}) ${lockedOut}`
    );
}

function table(rows: object[]): string {
    if (rows.length === 0) {
        return "(none)";
    }
    const header = Object.keys(rows[0]);
    const cells = rows.map((row) =>
        header.map((k) => String((row as Record<string, unknown>)[k] ?? "")),
    );
    return textTable(
        header.map((h) => h.toUpperCase()),
        cells,
    );
}
