// The ways out of a refusal over one rule admitting sources outside the allow-set: only those
// that can work for that rule, and briefly why the others cannot. A `retire` selector is offered
// only when the classification (components/model/rules.ts classifyRules) would make the rule a
// retire target with it; an acceptance only where never wide (README, "Config reference") lets it apply.
// Pure: no Pulumi, no I/O.
import { classifyRules, enforcedRemotePrefix, NeutronRule, ruleForm } from "../model/rules";

export interface WaysOut {
    /** What can work, each with what to run or write. */
    can: string[];
    /** The usual ways that cannot work for this rule, each with why. */
    cannot: string[];
}

/**
 * The ways out for one responsible rule. `live` is the rule as read (undefined when none was:
 * port security off, where `groupId` is ""); `wide` the ports and families where it is part of
 * an exposure covering a whole family (no acceptance applies there).
 */
export function waysOut(input: {
    rule: { groupId: string; groupName: string; ruleId: string; wide?: string[] };
    live: NeutronRule | undefined;
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
    can.push(`remove it by hand (openstack security group rule delete ${rule.ruleId})`);
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
