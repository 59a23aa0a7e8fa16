// The ways out of a refusal over one rule admitting sources outside the allow-set: only those
// that can work for that rule, and briefly why the others cannot. A `retire` selector is offered
// only when the classification (components/model/rules.ts classifyRules) would make the rule a
// retire target with it; an acceptance only where never wide (README, "Config reference") lets it apply.
// A refusal comes before anything is applied, so removal by hand warns of the allow-set sources
// that would be lost with the rules the refusal asks to remove (never a window). Pure: no Pulumi,
// no I/O.
import { AddressRange, enforcedRanges, rangeOf, subtractRanges } from "../model/addressset";
import type { AllowEntry } from "../model/allowset";
import type { Exposure } from "../model/exposure";
import { classifyRules, enforcedRemotePrefix, NeutronRule, ruleForm } from "../model/rules";

export interface WaysOut {
    /** What can work, each with what to run or write. */
    can: string[];
    /** The usual ways that cannot work for this rule, each with why. */
    cannot: string[];
}

/**
 * An allow-set entry admitted now only by rules the refusal asks to remove, this one among them:
 * every address of its CIDR, or `part`; `with` the ids of the others of those rules admitting
 * some of it too (empty: this rule alone admits it).
 */
export interface AloneAdmitted {
    entry: AllowEntry;
    part: boolean;
    with: string[];
}

/**
 * The ways out for one responsible rule. `live` is the rule as read (undefined when none was:
 * port security off, where `groupId` is ""); `wide` the ports and families where it is part of
 * an exposure covering a whole family (no acceptance applies there); `alone` what of the
 * allow-set would be lost with it and the refusal's other rules (aloneAdmitted), named in the
 * advice to remove it by hand.
 */
export function waysOut(input: {
    rule: { groupId: string; groupName: string; ruleId: string; wide?: string[] };
    live: NeutronRule | undefined;
    alone: AloneAdmitted[];
    managed: { id: string; name: string };
    protectedPorts: number[];
}): WaysOut {
    const { rule, live, managed } = input;
    if (rule.groupId === "") {
        return {
            can: ["turn port security on for the API's port (port_security_enabled true)"],
            cannot: ["retire, remove or accept: no rule admits this, the port filters nothing"],
        };
    }
    const can: string[] = [];
    const cannot: string[] = [];
    const selector = live && retireSelectorFor(live, managed, input.protectedPorts);
    if (selector) {
        can.push(
            `retire it: add { remote: ${selector.remote}, ports: [${selector.port}] } to \`retire\` ` +
                "(a `retire` list replaces the default 0.0.0.0/0 and ::/0 selectors: keep those " +
                "needed), then approve the retirement digest the review prints",
        );
    } else {
        cannot.push(`retire: ${whyNotRetire(live, managed)}`);
    }
    can.push(removeByHand(rule.ruleId, input.alone));
    if (rule.wide) {
        cannot.push(
            `accept: with the others it admits every address of the family on ` +
                `${rule.wide.join(", ")}, which no acceptedExposure entry can accept (never wide)`,
        );
    } else if (rule.groupId === managed.id) {
        can.push(
            `accept it by id: acceptedExposure: [{ rule: ${rule.ruleId}, reason: "..." }] ` +
                `(not the managed group ${managed.name} as a whole: its rules are what this ` +
                "program manages)",
        );
    } else {
        can.push(
            `accept it: acceptedExposure: [{ rule: ${rule.ruleId}, reason: "..." }], or its ` +
                `whole group: [{ group: ${JSON.stringify(rule.groupName)}, reason: "..." }]`,
        );
    }
    return { can, cannot };
}

/**
 * The advice to delete the rule by hand; when allow-set sources would be lost with it, only once
 * another rule admits them, naming at most 10 (`<cidr> on <port> (<role> <provenance>)`, each
 * provenance up to its first ": ", which leaves out the stack's free-text reasons), grouped by
 * the other rules of the refusal that admit them too.
 */
function removeByHand(ruleId: string, alone: AloneAdmitted[]): string {
    const remove = `remove it by hand (openstack security group rule delete ${ruleId})`;
    if (alone.length === 0) {
        return remove;
    }
    const byOthers = new Map<string, AloneAdmitted[]>();
    for (const a of alone) {
        const ids = a.with.join(", ");
        byOthers.set(ids, [...(byOthers.get(ids) ?? []), a]);
    }
    let left = 10;
    const clauses: [string, string[]][] = [];
    for (const [ids, entries] of byOthers) {
        const named = entries.slice(0, left).map(sourceName);
        left -= named.length;
        if (named.length > 0) clauses.push([ids, named]);
    }
    const more = alone.length > 10 ? ` and ${alone.length - 10} more` : "";
    const rules = "(the allow-set's rules, created by `pulumi up` or by hand and then adopted)";
    if (byOthers.size === 1 && byOthers.has("")) {
        return (
            `${remove}, but only once another rule admits what it alone admits of the allow-set ` +
            `now ${rules}: ${clauses[0][1].join(", ")}${more}; deleted before, these lose access`
        );
    }
    const said = clauses.map(([ids, named]) => {
        if (ids === "") return `admitted now by this rule alone: ${named.join(", ")}`;
        const n = ids.split(", ").length;
        return (
            `admitted now only by this rule and ${n} other rule(s) this refusal asks you to ` +
            `remove (${ids}): ${named.join(", ")}`
        );
    });
    return (
        `${remove}, but only once another rule admits these allow-set sources ${rules}; ` +
        `${said.join("; ")}${more}; deleted together before, these lose access (keeping one of ` +
        "the other rules named instead, accepted or retired through `retire`, keeps what it " +
        "admits: `pulumi up` retires a rule only after the allow-set's rules exist)"
    );
}

function sourceName({ entry, part }: AloneAdmitted): string {
    const whence = entry.provenance.map((p) => p.split(": ")[0]).join("; ");
    const cidr = part ? `part of ${entry.remoteIpPrefix}` : entry.remoteIpPrefix;
    return `${cidr} on ${entry.port} (${entry.role} ${whence})`;
}

/**
 * For each rule named in `rules` (`groupId|ruleId`, the rules a refusal asks to remove), the
 * allow-set entries that would be lost with them in `before` (the exposure now,
 * components/model/exposure.ts computeExposure): addresses of the entry's CIDR on its port and
 * family that this rule admits and no rule outside `rules` does, so deleting `rules` before the
 * allow-set's rules exist leaves them without an admitting rule; `with` names the others of
 * `rules` admitting some of those addresses too. A rule that is unreadable or has an unresolved
 * remote admits everything in the exposure, but is not counted as admitting anything for another
 * rule here: it may not. Nor is a rule in another family than the entry's (`ethertypes`, by
 * `groupId|ruleId`, the rules' ethertype as read): the exposure counts an IPv6 rule's
 * `::ffff:a.b.c.d` prefix as IPv4 too, which the firewall driver may not admit. Entries in
 * allow-set order.
 */
export function aloneAdmitted(
    before: Exposure,
    allowSet: AllowEntry[],
    rules: { groupId: string; ruleId: string }[],
    ethertypes: Map<string, unknown>,
): Map<string, AloneAdmitted[]> {
    const wanted = new Set(rules.map((r) => `${r.groupId}|${r.ruleId}`));
    const uncertain = new Set(
        [...before.unreadable, ...before.unresolved].map((u) => `${u.groupId}|${u.ruleId}`),
    );
    const result = new Map<string, AloneAdmitted[]>();
    for (const entry of allowSet) {
        const range = enforcedRanges(entry.remoteIpPrefix).prefix;
        // Per rule, the ranges it admits on the entry's port and family that reach its CIDR (a
        // shortcut: the others change neither what is lost nor who loses it).
        const reaching = new Map<string, AddressRange[]>();
        for (const pe of before.ports) {
            if (pe.port !== entry.port || pe.ethertype !== entry.ethertype) continue;
            for (const a of pe.parts.flatMap((part) => part.admittedBy)) {
                const key = `${a.groupId}|${a.ruleId}`;
                const r = rangeOf(a.cidr);
                if (!takes([range], [r])) continue;
                const ranges = reaching.get(key);
                if (ranges) ranges.push(r);
                else reaching.set(key, [r]);
            }
        }
        // Every rule the refusal asks to remove is gone if the operator removes them all by hand.
        const kept = [...reaching]
            .filter(
                ([k]) =>
                    !wanted.has(k) &&
                    !uncertain.has(k) &&
                    (ethertypes.get(k) ?? entry.ethertype) === entry.ethertype,
            )
            .flatMap(([, ranges]) => ranges);
        const lostAll = subtractRanges(range, kept);
        for (const [key, mine] of reaching) {
            if (!wanted.has(key)) continue;
            // What no kept rule admits, then the part of it this rule admits: lost with them.
            const lost = lostAll.flatMap((piece) =>
                subtractRanges(piece, subtractRanges(piece, mine)),
            );
            if (lost.length === 0) continue;
            const others = [...reaching]
                .filter(([k, ranges]) => k !== key && wanted.has(k) && takes(lost, ranges))
                .map(([k]) => k.split("|")[1]);
            // Pieces of the entry's CIDR: the first is the whole CIDR only when nothing else is.
            const part = lost[0].cidr !== range.cidr;
            result.set(key, [...(result.get(key) ?? []), { entry, part, with: others }]);
        }
    }
    return result;
}

/** Whether `removed` takes any address out of `ranges` (each one whole, disjoint). */
function takes(ranges: AddressRange[], removed: AddressRange[]): boolean {
    return ranges.some((range) => {
        const rest = subtractRanges(range, removed);
        return !(rest.length === 1 && rest[0].cidr === range.cidr);
    });
}

/** The selector that would make `live` a retire target, checked by the classification itself. */
function retireSelectorFor(
    live: NeutronRule,
    managed: { id: string },
    protectedPorts: number[],
): { remote: string; port: number } | undefined {
    if (live.security_group_id !== managed.id || live.port_range_min === null) {
        return undefined;
    }
    let remote: string;
    try {
        remote = enforcedRemotePrefix(live).cidr;
    } catch {
        return undefined;
    }
    const selector = { remote, ports: [live.port_range_min] };
    const [classified] = classifyRules([live], [], [selector], protectedPorts);
    return classified.class === "retire" ? { remote, port: live.port_range_min } : undefined;
}

function whyNotRetire(
    live: NeutronRule | undefined,
    managed: { id: string; name: string },
): string {
    const only =
        "a `retire` selector matches only an ingress tcp rule of the managed group " +
        `(${managed.name}) on one protected port from an address prefix;`;
    if (live === undefined) {
        return `${only} this rule was not read`;
    }
    if (live.security_group_id !== managed.id) {
        return `${only} this rule is in another group`;
    }
    if (live.unreadable) {
        return `${only} this rule cannot be read (${live.unreadable})`;
    }
    if (live.remote_group_id || live.remote_address_group_id) {
        return `${only} this rule admits through a remote group`;
    }
    return `${only} this rule is ${ruleForm(live)}`;
}
