// Before and after: what the API's port admits now, and once the plan ran (allow-set added, retire
// targets removed), judged against the allow-set. Pure: no Pulumi, no I/O.
import type { AllowEntry } from "../model/allowset";
import {
    Admitter,
    computeExposure,
    describeExposure,
    Exposure,
    exposureBeyond,
    GroupRule,
    PortExposure,
    rulesAfterPlan,
} from "../model/exposure";
import { coversWholeFamily } from "../model/addressset";
import type { FoundExposure } from "../discover/exposure";
import { maskSecrets } from "../mask";
import { aloneAdmitted, waysOut, WaysOut } from "./ways-out";
import { ruleAdmits, RuleSourceAt } from "./rule-words";

/** `acceptedExposure` in the stack config: a group (name or id) and/or a rule (id), with a reason. */
export interface AcceptedExposure {
    group?: string;
    rule?: string;
    reason: string;
}

/** A rule that admits a source outside the allow-set to a protected port. */
export interface Responsible extends Admitter {
    /** Every source of the rule beyond the allow-set, on every port and family (rule-words.ts). */
    admits: string;
    /** Where: `6443/tcp IPv4`, one per port and family it reaches. */
    reaches: string[];
    /** The operator's reason, when `acceptedExposure` names it (never for a rule in `wide`). */
    accepted?: string;
    /**
     * The ports and families (as in `reaches`) where the exposure covers a whole address family
     * and this rule admits part of it: no acceptance applies to it there (never wide).
     */
    wide?: string[];
    /** The reason of an acceptedExposure entry naming this rule that `wide` keeps from applying. */
    notApplied?: string;
    /** After the plan, unaccepted: the ways out that can work for this rule (ways-out.ts). */
    ways?: WaysOut;
}

export interface ExposureReview {
    /** Every security group on the ports receiving the API address, as read (managed included). */
    groups: { id: string; name: string }[];
    before: Exposure;
    after: Exposure;
    /** What "after" is computed from: every group's live rules, allow-set added, retirees gone. */
    afterRules: GroupRule[];
    /** Parts of each exposure outside the allow-set. */
    beyondBefore: PortExposure[];
    beyondAfter: PortExposure[];
    /** Rules admitting a source outside the allow-set once the plan ran (accepted ones marked). */
    afterResponsible: Responsible[];
    /** The same for the live rules now (the audit and verify judge these). */
    beforeResponsible: Responsible[];
    /** Set when the preview must fail: names each unaccepted responsible rule and the ways out. */
    refusal?: string;
}

export function planExposure(input: {
    found: FoundExposure;
    managed: { id: string; name: string };
    allowSet: AllowEntry[];
    retireIds: string[];
    protectedPorts: number[];
    accepted: AcceptedExposure[];
}): ExposureReview {
    const { found, protectedPorts } = input;
    const compute = (rules: typeof found.rules) =>
        computeExposure({
            rules,
            remotes: found.remotes,
            protectedPorts,
            portSecurity: found.portSecurity,
        });
    const before = compute(found.rules);
    const afterRules = rulesAfterPlan(found.rules, input.managed, input.allowSet, input.retireIds);
    const after = compute(afterRules);
    const allowed = input.allowSet.map((e) => ({
        port: e.port,
        ethertype: e.ethertype,
        cidr: e.remoteIpPrefix,
    }));
    const beyondBefore = exposureBeyond(before, allowed);
    const beyondAfter = exposureBeyond(after, allowed);
    // The managed group's rules are what this program manages: an entry accepting the group as
    // a whole would accept any rule in it, a retire target's neighbour admitting 0.0.0.0/0
    // included. Such entries accept nothing and refuse the preview; rules are named by id.
    const managedWhole = input.accepted.filter((a) => namesManagedGroup(a, input.managed));
    const accepted = input.accepted.filter((a) => !managedWhole.includes(a));
    const wideAfter = wideOf(after);
    const review: ExposureReview = {
        groups: found.groups,
        before,
        after,
        afterRules,
        beyondBefore,
        beyondAfter,
        beforeResponsible: responsible(beyondBefore, accepted, wideOf(before)),
        afterResponsible: responsible(beyondAfter, accepted, wideAfter),
    };
    const blocking = review.afterResponsible.filter((r) => r.accepted === undefined);
    const live = new Map(found.rules.map(({ group, rule }) => [`${group.id}|${rule.id}`, rule]));
    // Nothing is applied yet when the preview refuses: what each rule alone admits now.
    const ethertypes = new Map(
        found.rules.map(({ group, rule }) => [`${group.id}|${rule.id}`, rule.ethertype]),
    );
    const alone = aloneAdmitted(before, input.allowSet, blocking, ethertypes);
    for (const r of blocking) {
        const key = `${r.groupId}|${r.ruleId}`;
        r.ways = waysOut({
            rule: r,
            live: live.get(key),
            alone: alone.get(key) ?? [],
            managed: input.managed,
            protectedPorts,
        });
    }
    const refusals: string[] = [];
    if (managedWhole.length > 0) {
        refusals.push(managedGroupMessage(managedWhole, input.managed));
    }
    if (blocking.length > 0) {
        refusals.push(refusalMessage(beyondAfter, blocking, after, wideAfter));
    }
    if (refusals.length > 0) {
        // The error the preview fails with: a voided acceptance's reason and names are free text.
        review.refusal = maskSecrets(refusals.join("\n"));
    }
    return review;
}

/** An `acceptedExposure` entry naming the managed group (by name or id) without a rule id. */
function namesManagedGroup(a: AcceptedExposure, managed: { id: string; name: string }): boolean {
    return a.rule === undefined && (a.group === managed.id || a.group === managed.name);
}

function managedGroupMessage(
    entries: AcceptedExposure[],
    managed: { id: string; name: string },
): string {
    return (
        `exposure: acceptedExposure names the managed group ${managed.name} (${managed.id}) as a ` +
        `whole (group ${entries.map((e) => JSON.stringify(e.group)).join(", ")}), so nothing is ` +
        "declared: its rules are what this program manages, so accept a rule in it by id " +
        'instead: acceptedExposure: [{ rule: <rule id>, reason: "..." }]'
    );
}

/** `6443/tcp IPv4` for each port and family whose exposure covers every address of the family. */
function wideOf(exposure: Exposure): Set<string> {
    return new Set(
        exposure.ports
            .filter((pe) =>
                coversWholeFamily(
                    pe.parts.map((p) => p.cidr),
                    pe.ethertype,
                ),
            )
            .map((pe) => `${pe.port}/tcp ${pe.ethertype}`),
    );
}

/** The responsible rules the operator has not accepted: what fails the audit and verify. */
export function unacceptedExcess(responsible: Responsible[]): Responsible[] {
    return responsible.filter((r) => r.accepted === undefined);
}

/**
 * The rules admitting each part beyond the allow-set. Where the exposure covers a whole family
 * (`wide`), the rules there are never accepted (never wide: README, "Config reference").
 */
function responsible(
    beyond: PortExposure[],
    accepted: AcceptedExposure[],
    wide: Set<string>,
): Responsible[] {
    const byRule = new Map<string, Responsible>();
    const sources = new Map<string, RuleSourceAt[]>();
    for (const pe of beyond) {
        const where = `${pe.port}/tcp ${pe.ethertype}`;
        for (const admitter of pe.parts.flatMap((p) => p.admittedBy)) {
            const key = `${admitter.groupId}|${admitter.ruleId}`;
            const at = { port: pe.port, ethertype: pe.ethertype, admitter };
            const seen = byRule.get(key);
            if (seen) {
                sources.get(key)!.push(at);
                if (!seen.reaches.includes(where)) {
                    seen.reaches.push(where);
                }
                continue;
            }
            const reason = acceptance(admitter, accepted);
            sources.set(key, [at]);
            byRule.set(key, {
                ...admitter,
                reaches: [where],
                ...(reason !== undefined ? { accepted: reason } : {}),
            });
        }
    }
    // One admitter per source in the model: the rule's words name every one (rule-words.ts).
    for (const [key, r] of byRule) {
        r.admits = ruleAdmits(sources.get(key)!);
    }
    const rules = [...byRule.values()];
    for (const r of rules) {
        const wideHere = r.reaches.filter((where) => wide.has(where));
        if (wideHere.length > 0) {
            if (r.accepted !== undefined) {
                r.notApplied = r.accepted;
            }
            delete r.accepted;
            r.wide = wideHere;
        }
    }
    return rules;
}

/**
 * How `acceptedExposure` stands for a rule of the managed group (drift), as the preview decides
 * it: applies (the preview goes ahead with the rule in place), does not apply (an entry names it,
 * but after the plan it is part of an exposure of a whole family on `wide`: never wide), or
 * undefined when no entry names it.
 */
export type RuleAcceptance =
    { applies: true; reason: string } | { applies: false; reason: string; wide: string[] };

export function managedRuleAcceptance(
    review: ExposureReview,
    accepted: AcceptedExposure[],
    managed: { id: string; name: string },
    ruleId: string,
): RuleAcceptance | undefined {
    const r = review.afterResponsible.find((x) => x.groupId === managed.id && x.ruleId === ruleId);
    if (r) {
        if (r.accepted !== undefined) {
            return { applies: true, reason: r.accepted };
        }
        return r.notApplied !== undefined
            ? { applies: false, reason: r.notApplied, wide: r.wide ?? [] }
            : undefined;
    }
    // Nothing beyond the allow-set after the plan: the entry the preview would match, if any.
    const admitter = { groupId: managed.id, groupName: managed.name, ruleId };
    const reason = acceptance(
        admitter,
        accepted.filter((a) => !namesManagedGroup(a, managed)),
    );
    return reason === undefined ? undefined : { applies: true, reason };
}

/** The reason of the first `acceptedExposure` entry naming this rule (and its group, if given). */
function acceptance(
    admitter: Pick<Admitter, "groupId" | "groupName" | "ruleId">,
    accepted: AcceptedExposure[],
): string | undefined {
    return accepted.find(
        (a) =>
            (a.rule === undefined || a.rule === admitter.ruleId) &&
            (a.group === undefined ||
                a.group === admitter.groupId ||
                a.group === admitter.groupName) &&
            // A planned rule has no id yet and is never beyond the allow-set; nothing else matches.
            admitter.ruleId !== "",
    )?.reason;
}

function refusalMessage(
    beyond: PortExposure[],
    blocking: Responsible[],
    after: Exposure,
    wide: Set<string>,
): string {
    const lines = [
        wide.size > 0
            ? `exposure: after this update the API's port would admit every address of a family ` +
              `on ${[...wide].join(", ")}, which nothing may accept (never wide), so nothing is ` +
              "declared (no rule created, none deleted):"
            : "exposure: after this update the API's port would still admit sources outside the " +
              "allow-set, so nothing is declared (no rule created, none deleted):",
    ];
    for (const pe of beyond) {
        lines.push(
            `  ${pe.port}/tcp ${pe.ethertype}: ${describeExposure(pe.parts, pe.ethertype)} beyond the allow-set`,
        );
    }
    lines.push("Responsible rules:");
    for (const r of blocking) {
        const group = r.groupId ? `group ${r.groupName} (${r.groupId})` : r.groupName;
        const voided =
            r.notApplied !== undefined
                ? `; an acceptedExposure entry names it and does not apply, its reason: ${r.notApplied}`
                : "";
        lines.push(
            `  - rule ${r.ruleId || "(none)"} in ${group}: admits ${r.admits}; counts because ` +
                `${r.why} (reaches ${r.reaches.join(", ")})${voided}`,
        );
        if (r.ways) {
            lines.push(`      ways out: ${r.ways.can.join("; or ")}`);
            lines.push(...r.ways.cannot.map((c) => `      not: ${c}`));
        }
    }
    for (const u of after.unreadable) {
        lines.push(
            `  - rule ${u.ruleId} in group ${u.groupId} is unreadable (${u.what}): counted as everything`,
        );
    }
    for (const u of after.unresolved) {
        lines.push(
            `  - rule ${u.ruleId} in group ${u.groupId}: ${u.remote} cannot be resolved: counted as any address`,
        );
    }
    return lines.join("\n");
}

/** Rows for outputs and JSON: per protected port and family, what is admitted, in words. */
export function exposureRows(exposure: Exposure, beyond: PortExposure[]) {
    return exposure.ports.map((pe) => {
        const outside = beyond.find((b) => b.port === pe.port && b.ethertype === pe.ethertype);
        return {
            port: pe.port,
            ethertype: pe.ethertype,
            admits: describeExposure(pe.parts, pe.ethertype),
            cidrs: pe.parts.map((p) => p.cidr),
            beyondAllowSet: outside ? describeExposure(outside.parts, pe.ethertype) : "nothing",
        };
    });
}

/**
 * A rule beyond the allow-set as outputs, the audit and reviews show it; the group's name (the
 * cloud's free text) and the acceptance's reason (the stack's) masked (stack outputs are state).
 */
export function responsibleRow(r: Responsible) {
    return {
        group: `${maskSecrets(r.groupName)} (${r.groupId})`,
        rule: r.ruleId,
        admits: r.admits,
        why: r.why,
        reaches: r.reaches,
        ...(r.accepted !== undefined ? { accepted: maskSecrets(r.accepted) } : {}),
    };
}

/** Stack outputs / JSON: before and after per port and family, responsible and accepted rules. */
export function exposureOutputs(review: ExposureReview) {
    const rule = responsibleRow;
    return {
        portSecurity: review.before.portSecurity,
        before: exposureRows(review.before, review.beyondBefore),
        after: exposureRows(review.after, review.beyondAfter),
        responsibleAfter: review.afterResponsible.map(rule),
        accepted: review.afterResponsible.filter((r) => r.accepted !== undefined).map(rule),
        unreadable: review.before.unreadable,
        unresolved: review.before.unresolved,
    };
}
