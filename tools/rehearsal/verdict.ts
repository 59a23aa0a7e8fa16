// The rehearsal's verdict: the group's ingress rules before and after, whether the group ends
// tight (every allow entry present, no wide rule or drift) and whether every check passed.
import { CheckResult } from "../../components/verify/checks";
import { retireSelectors } from "../../components/config/schema";
import { findMissing } from "../../components/apply/gate";
import { Plan } from "../../components/plan/plan";
import { classifyRules, describePorts, NeutronRule } from "../../components/model/rules";
import { heading, log } from "./output";
import { textTable } from "../cli/output";
import { StandIns } from "./standins";
import type { ScenarioResult } from "./scenario-run";

export function beforeAfterTable(before: NeutronRule[], after: NeutronRule[]): string {
    const ids = [...new Set([...before, ...after].map((r) => r.id))];
    const byId = new Map([...before, ...after].map((r) => [r.id, r]));
    const rows = ids
        .map((id) => byId.get(id)!)
        .filter((r) => r.direction === "ingress")
        .map((r) => [
            r.id,
            r.ethertype,
            describePorts(r),
            r.remote_ip_prefix ?? r.remote_group_id ?? "(any)",
            before.some((b) => b.id === r.id) ? "yes" : "-",
            after.some((a) => a.id === r.id) ? "yes" : "-",
            r.description ?? "",
        ]);
    const header = ["RULE", "TYPE", "PORTS", "REMOTE", "BEFORE", "AFTER", "DESCRIPTION"];
    return textTable(header, rows);
}

/** What `--json` prints: tight and verified is success; `problems` name what is not. */
export interface RehearsalVerdict {
    tight: boolean;
    verified: boolean;
    /** Wide or drift rules and missing allow entries left on the group. */
    problems: string[];
    checks: CheckResult[];
    /** What the stand-ins in use cannot show. */
    unproven: string[];
    /** With --scenario: its refusal, rule changes, residual exposure and differential probes. */
    scenario?: ScenarioResult;
}

/**
 * Success: tight and verified; with a scenario, the scenario passed and, unless it expects the
 * refusal, the group also ends tight and verified.
 */
export function rehearsalPassed(v: RehearsalVerdict): boolean {
    if (v.scenario) {
        return v.scenario.passed && (v.scenario.expectRefusal || (v.tight && v.verified));
    }
    return v.tight && v.verified;
}

export function verdict(
    plan: Plan,
    after: NeutronRule[],
    results: CheckResult[],
    standIns: StandIns,
): RehearsalVerdict {
    const config = standIns.config;
    const classified = classifyRules(
        after,
        plan.allowSet,
        retireSelectors(config),
        config.protectedPorts,
    );
    const wide = classified.filter((c) => c.class === "retire" || c.class === "drift");
    const missing = findMissing(after, plan.groupId, plan.allowSet, []);
    const failed = results.filter((r) => !r.passed);
    heading("verdict");
    const problems = wide
        .map((c) => `${c.rule.id} (${c.class}: ${c.reason})`)
        .concat(missing.map((m) => `missing ${m.role} ${m.port} ${m.cidr}`));
    const tight = problems.length === 0;
    log(
        tight
            ? `tight: all ${plan.allowSet.length} allow entries present, no wide rule or drift`
            : `NOT tight: ${problems.join("; ")}`,
    );
    const verified = failed.length === 0 && results.length > 0;
    log(
        verified
            ? `verified: ${results.length} check(s) passed`
            : `NOT verified: ${failed.length} of ${results.length} check(s) failed`,
    );
    for (const line of standIns.unproven) {
        log(`not proven with loopback stand-ins: ${line}`);
    }
    return { tight, verified, problems, checks: results, unproven: standIns.unproven };
}
