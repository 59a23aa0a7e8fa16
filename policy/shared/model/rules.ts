// Copied from components/model/rules.ts by `npm run policy:shared`: edit the original.
// The Neutron security-group rule model: its duplicate key, what it admits, and how each live
// rule relates to the allow-set. Pure: no Pulumi, no I/O.
import { AllowEntry, Role } from "./allowset";
import { mayReachPort, protocolForTcp } from "./rule-reach";
import { Ethertype, parsePrefix, Prefix, prefixContains } from "./cidr";

/** A rule as the Networking API returns it (GET /v2.0/security-group-rules). */
export interface NeutronRule {
    id: string;
    security_group_id: string;
    direction: "ingress" | "egress";
    ethertype: Ethertype;
    protocol: string | null;
    port_range_min: number | null;
    port_range_max: number | null;
    remote_ip_prefix: string | null;
    remote_group_id: string | null;
    remote_address_group_id?: string | null;
    /** The network Neutron enforces (extension security-groups-normalized-cidr). */
    normalized_cidr?: string | null;
    description?: string | null;
    /**
     * Set by the parser when a field could not be read (its value then stands in the most open
     * form: ingress, any protocol, all ports, any address); says which field and what it held.
     */
    unreadable?: string;
}

/** What a retire target looked like at preview; the retirement re-checks it before deleting. */
export interface RuleShape {
    direction: string;
    ethertype: string;
    protocol: string | null;
    portRangeMin: number | null;
    portRangeMax: number | null;
    remoteIpPrefix: string | null;
    remoteGroupId: string | null;
}

export interface RetireSelector {
    /** 0.0.0.0/0 or ::/0 (a rule with no remote at all counts as its family's any-address). */
    remote: string;
    ports: number[];
}

export type RuleClass = "managed" | "adoptable" | "retire" | "drift" | "unrelated";

export interface ClassifiedRule {
    rule: NeutronRule;
    class: RuleClass;
    /** For managed/adoptable: the allow entry it satisfies. */
    entry?: AllowEntry;
    /** A short human reason, shown in outputs, the audit and the review. */
    reason: string;
}

/** Descriptions are constant per role: Neutron leaves them out of its duplicate key. */
export function roleDescription(role: Role): string {
    return `capi-mgmt-ingress: ${role}`;
}

export function isOwnDescription(description: string | null | undefined): boolean {
    return typeof description === "string" && description.startsWith("capi-mgmt-ingress: ");
}

/** Neutron's duplicate key for an allow entry on a group (description is not part of it). */
export function entryKey(entry: AllowEntry, groupId: string): string {
    return [
        groupId,
        "ingress",
        entry.ethertype,
        "tcp",
        entry.port,
        entry.port,
        entry.remoteIpPrefix,
        "",
    ].join("|");
}

/** The same key for a live rule; no prefix means the family's any-address, as Neutron treats it. */
export function ruleKey(rule: NeutronRule): string {
    return [
        rule.security_group_id,
        rule.direction,
        rule.ethertype,
        normalizeProtocol(rule.protocol) ?? "",
        rule.port_range_min ?? "",
        rule.port_range_max ?? "",
        rule.remote_group_id ? "" : enforcedRemotePrefix(rule).cidr,
        rule.remote_group_id ?? "",
    ].join("|");
}

export function ruleShape(rule: NeutronRule): RuleShape {
    return {
        direction: rule.direction,
        ethertype: rule.ethertype,
        protocol: rule.protocol,
        portRangeMin: rule.port_range_min,
        portRangeMax: rule.port_range_max,
        remoteIpPrefix: rule.remote_ip_prefix,
        remoteGroupId: rule.remote_group_id,
    };
}

export function sameShape(a: RuleShape, b: RuleShape): boolean {
    return (
        a.direction === b.direction &&
        a.ethertype === b.ethertype &&
        (a.protocol ?? null) === (b.protocol ?? null) &&
        (a.portRangeMin ?? null) === (b.portRangeMin ?? null) &&
        (a.portRangeMax ?? null) === (b.portRangeMax ?? null) &&
        (a.remoteIpPrefix ?? null) === (b.remoteIpPrefix ?? null) &&
        (a.remoteGroupId ?? null) === (b.remoteGroupId ?? null)
    );
}

/**
 * The rule's remote prefix; an absent prefix admits every address of the rule's family. Throws on
 * host bits: a declared prefix must be canonical (live rules go through enforcedRemotePrefix).
 */
export function remotePrefix(rule: NeutronRule): Prefix {
    if (rule.remote_ip_prefix) {
        return parsePrefix(rule.remote_ip_prefix);
    }
    return parsePrefix(rule.ethertype === "IPv4" ? "0.0.0.0/0" : "::/0");
}

/**
 * A live rule's remote prefix as Neutron enforces it: normalized_cidr, or the stored prefix with
 * its host bits cleared (`198.51.100.9/24` admits 198.51.100.0/24); absent: the any-address.
 */
export function enforcedRemotePrefix(rule: NeutronRule): Prefix {
    const stored = rule.normalized_cidr || rule.remote_ip_prefix;
    return parsePrefix(stored || (rule.ethertype === "IPv4" ? "0.0.0.0/0" : "::/0"), {
        dropHostBits: true,
    });
}

/**
 * A rule's remote prefix as stored, with the network enforced where that reads otherwise: an
 * IPv4-mapped `::ffff:0.0.0.0/96` is every IPv4 address, not the `0.0.0.0/0` the rule shows no
 * sign of.
 */
function storedRemote(rule: NeutronRule, prefix: Prefix): string {
    const stored = rule.normalized_cidr || rule.remote_ip_prefix;
    if (!stored || stored === prefix.cidr) return prefix.cidr;
    const mapped = prefix.ethertype !== rule.ethertype ? "IPv4-mapped, " : "";
    return `${stored} (${mapped}enforced as ${prefix.cidr})`;
}

/** Whether a rule admits any source, remote groups and address groups included. */
export function isAnySource(rule: NeutronRule): boolean {
    return (
        !rule.remote_group_id && !rule.remote_address_group_id && remotePrefix(rule).length === 0
    );
}

/**
 * Places every live rule of the group in exactly one class:
 * - managed: satisfies an allow entry and carries this project's description;
 * - adoptable: satisfies an allow entry, created by someone else (the program imports it);
 * - retire: an exact single-port TCP rule on a protected port from a retire selector's remote;
 * - drift: anything else that admits a source outside the allow-set to a protected port, and
 *   any rule that cannot be read (it counts as admitting everything);
 * - unrelated: everything else (egress, other ports and protocols).
 */
export function classifyRules(
    rules: NeutronRule[],
    allowSet: AllowEntry[],
    retireSelectors: RetireSelector[],
    protectedPorts: number[],
): ClassifiedRule[] {
    const byKey = new Map<string, AllowEntry>();
    for (const entry of allowSet) {
        byKey.set(`${entry.ethertype}|${entry.port}|${entry.remoteIpPrefix}`, entry);
    }
    return rules.map((rule) => {
        try {
            return classifyRule(rule, byKey, allowSet, retireSelectors, protectedPorts);
        } catch (err) {
            // One odd rule never stops the audit or the preview; it counts as admitting everything.
            const what = err instanceof Error ? err.message : String(err);
            return {
                rule,
                class: "drift",
                reason: `cannot be read (${what}): counted as admitting everything`,
            };
        }
    });
}

function classifyRule(
    rule: NeutronRule,
    byKey: Map<string, AllowEntry>,
    allowSet: AllowEntry[],
    retireSelectors: RetireSelector[],
    protectedPorts: number[],
): ClassifiedRule {
    if (rule.unreadable) {
        return {
            rule,
            class: "drift",
            reason: `cannot be read (${rule.unreadable}): counted as admitting everything`,
        };
    }
    if (rule.direction !== "ingress") {
        return { rule, class: "unrelated", reason: "egress: does not count for ingress" };
    }
    const covered = protectedPorts.filter((port) => mayReachPort(rule, port));
    if (covered.length === 0) {
        const why = protocolForTcp(rule.protocol) === "other" ? "not tcp, " : "";
        return {
            rule,
            class: "unrelated",
            reason: `${ruleForm(rule)}: ${why}admits no protected port (${portList(protectedPorts)})`,
        };
    }
    // Only TCP as Neutron stores it can be an entry's rule or a retire target: "TCP" and "006"
    // reach every port (mayReachPort) and are other rules to Neutron's duplicate check
    // (securitygroups_db.py `_rule_to_key`, `_get_ip_proto_name_and_num` keeps them as typed).
    const exactTcp =
        (rule.protocol === "tcp" || rule.protocol === "6") &&
        rule.port_range_min !== null &&
        rule.port_range_min === rule.port_range_max;
    const viaGroup = rule.remote_group_id
        ? `remote group ${rule.remote_group_id}`
        : rule.remote_address_group_id
          ? `remote address group ${rule.remote_address_group_id}`
          : undefined;
    if (exactTcp && !viaGroup) {
        const prefix = enforcedRemotePrefix(rule);
        const entry = byKey.get(`${rule.ethertype}|${rule.port_range_min}|${prefix.cidr}`);
        if (entry) {
            return isOwnDescription(rule.description)
                ? { rule, class: "managed", entry, reason: `${entry.role} rule` }
                : {
                      rule,
                      class: "adoptable",
                      entry,
                      reason: `matches the ${entry.role} entry; created outside this program`,
                  };
        }
        const selector = retireSelectors.find(
            (s) =>
                parsePrefix(s.remote).cidr === prefix.cidr &&
                s.ports.includes(rule.port_range_min!),
        );
        if (selector) {
            return {
                rule,
                class: "retire",
                reason: `${storedRemote(rule, prefix)} on ${rule.port_range_min}/tcp`,
            };
        }
    }
    if (viaGroup) {
        return {
            rule,
            class: "drift",
            reason: `${viaGroup} reaches ${portList(covered)} (${ruleForm(rule)})`,
        };
    }
    const prefix = enforcedRemotePrefix(rule);
    const outside = covered.filter(
        (port) =>
            !allowSet.some(
                (entry) =>
                    entry.port === port &&
                    entry.ethertype === prefix.ethertype &&
                    prefixContains(parsePrefix(entry.remoteIpPrefix), prefix),
            ),
    );
    if (outside.length > 0) {
        return {
            rule,
            class: "drift",
            reason: `${prefix.cidr} reaches ${portList(outside)} (${ruleForm(rule)}) outside the allow-set`,
        };
    }
    return {
        rule,
        class: "unrelated",
        reason: `reaches ${portList(covered)} (${ruleForm(rule)}) from allow-set sources only`,
    };
}

/** `6443/tcp`, `6443/tcp and 22/tcp`: protected ports are TCP ports. */
function portList(ports: number[]): string {
    return ports.map((p) => `${p}/tcp`).join(" and ");
}

/**
 * What a rule admits, by protocol and ports, in words: `every tcp port` for tcp without a range
 * (Neutron's "all ports"), `protocol 0 (every protocol), every port`, `udp 53`, `icmp, every
 * type and code` (Neutron keeps ICMP's type and code in the port fields).
 */
export function ruleForm(rule: NeutronRule): string {
    const raw = rule.protocol?.trim() ?? "";
    const protocol = normalizeProtocol(rule.protocol);
    const name =
        protocol === null
            ? raw === "" || raw.toLowerCase() === "any"
                ? "every protocol"
                : `protocol ${raw} (every protocol)`
            : /^\d+$/.test(protocol)
              ? `protocol ${protocol}`
              : protocol === "tcp" && rule.protocol !== "tcp" && rule.protocol !== "6"
                ? `tcp spelled ${JSON.stringify(rule.protocol)}`
                : protocol;
    const icmp = protocol !== null && ["icmp", "ipv6-icmp", "icmpv6", "1", "58"].includes(protocol);
    const { port_range_min: min, port_range_max: max } = rule;
    if (icmp) {
        return min === null
            ? `${name}, every type and code`
            : `${name} type ${min}, code ${max ?? "any"}`;
    }
    if (min === null && max === null) {
        return protocol === null || name !== protocol
            ? `${name}, every port`
            : `every ${name} port`;
    }
    if (protocol !== null && (min === null) !== (max === null)) {
        return `${name} ${min ?? "(none)"}-${max ?? "(none)"}: one bound alone, every port`;
    }
    const [low, high] = [min ?? 1, max ?? 65535];
    if (low === 1 && high === 65535 && protocol !== null) {
        return `${name} 1-65535: every ${name === protocol ? `${name} ` : ""}port`;
    }
    const ports = low === high ? `${low}` : `${low}-${high}`;
    return protocol === null ? `${name}, port ${ports}` : `${name} ${ports}`;
}

/**
 * null for every protocol: null, "", "any", and 0 in any form (the iptables driver writes no -p
 * for it; neutron_lib maps "hopopt" and "ip" to 0); "tcp" for 6 in any form.
 */
function normalizeProtocol(protocol: string | null): string | null {
    const name = protocol?.trim().toLowerCase() ?? "";
    if (["", "any", "hopopt", "ip"].includes(name) || /^0+$/.test(name)) {
        return null;
    }
    return /^0*6$/.test(name) ? "tcp" : name;
}

export function describePorts(rule: NeutronRule): string {
    const protocol = normalizeProtocol(rule.protocol) ?? "any protocol";
    if (rule.port_range_min === null && rule.port_range_max === null) {
        return `${protocol}, all ports`;
    }
    return rule.port_range_min === rule.port_range_max
        ? `${protocol} ${rule.port_range_min}`
        : `${protocol} ${rule.port_range_min}-${rule.port_range_max}`;
}
