// The Neutron security-group rule model: its duplicate key, what it admits, and how each live
// rule relates to the allow-set. Pure: no Pulumi, no I/O.
import { AllowEntry, Role } from "./allowset";
import { enforcedPrefix, Ethertype, parsePrefix, Prefix, prefixContains } from "./cidr";

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
 * The wide reading, for the classification and the policy pack, where counting too much only
 * flags a rule: true when some firewall driver may let TCP traffic reach `port` through this
 * rule, as the exposure model (rule-reading.ts `readRule`) counts it. Every protocol (null, "",
 * "any", 0 in any spelling, "hopopt", "ip") reaches every port whatever its port fields: Neutron
 * refuses ports there (neutron/db/securitygroups_db.py `_validate_port_range`) and no driver reads
 * stored ones (neutron/common/ovn/acl.py `acl_protocol_and_ports` returns before the ports for no
 * protocol; neutron/agent/linux/iptables_firewall.py `_protocol_arg` writes no `-p` for "0" and
 * `_port_arg` gives ports only to names it knows). TCP spelled otherwise than "tcp" or "6"
 * ("TCP", "006") reaches every port (`_port_arg` gives it none), and so does "tcp" with one bound
 * alone or a range Neutron refuses, and a protocol that cannot be read (blanks, an unknown name):
 * the drivers differ on them. A rule the parser could not read (`unreadable`) reaches every port.
 */
export function mayReachPort(rule: NeutronRule, port: number): boolean {
    if (rule.unreadable) {
        return true;
    }
    if (rule.direction === "egress") {
        return false;
    }
    const protocol = protocolForTcp(rule.protocol);
    if (protocol === "other") {
        return false;
    }
    const min = rule.port_range_min ?? 1;
    const max = rule.port_range_max ?? 65535;
    const oneBoundAlone = (rule.port_range_min === null) !== (rule.port_range_max === null);
    if (protocol !== "tcp" || oneBoundAlone || !(0 <= min && min <= max && max <= 65535)) {
        return true;
    }
    return min <= port && port <= max;
}

/**
 * The certain reading, for the destroy and removal guards, where counting too much strands a
 * source (safety invariant 1): true only for the forms every driver Neutron ships enforces as
 * admitting TCP to `port`, as Neutron stores them:
 * - protocol null with no ports (every driver: every protocol, every port);
 * - "tcp" or "6" exactly, with no ports or a range from 1 to 65535 holding `port`.
 * Not: "0" and its spellings (OVN writes `ip.proto == 0`, acl.py `_get_protocol_number` and
 * `acl_protocol_and_ports`: no TCP; the openvswitch driver matches `nw_proto=0`,
 * openvswitch_firewall/firewall.py and rules.py `create_protocol_flows`), "any" (Zed's
 * neutron/extensions/securitygroup.py `convert_protocol` refuses it; later releases store it as
 * null, so a stored "any" is an edit no driver is known to read), "TCP" (OVN refuses it: no ACL
 * at all), "006" and other spellings, one bound alone (Neutron refuses it; OVN leaves the other
 * side open, iptables writes `6443:None`), null with ports (Neutron refuses it), and a rule the
 * parser could not read.
 */
export function certainlyReachesPort(rule: NeutronRule, port: number): boolean {
    if (rule.unreadable || rule.direction !== "ingress") {
        return false;
    }
    const { protocol, port_range_min: min, port_range_max: max } = rule;
    if (protocol !== null && protocol !== "tcp" && protocol !== "6") {
        return false;
    }
    if (min === null && max === null) {
        return true;
    }
    return (
        protocol !== null &&
        min !== null &&
        max !== null &&
        1 <= min &&
        min <= port &&
        port <= max &&
        max <= 65535
    );
}

/**
 * The prefix every driver is given for a rule, in the rule's own family: `normalized_cidr`, else
 * `remote_ip_prefix` (neutron/db/securitygroups_rpc_base.py `security_group_info_for_ports`; OVN
 * reads `normalized_cidr`, acl.py `acl_remote_ip_prefix`), its network (host bits cleared, as the
 * drivers enforce it); none given: the any-address of the rule's family. Undefined when it is not
 * certain: blanks around it, text that is no prefix, or a prefix of the other family (Neutron
 * refuses one, `_validate_ip_prefix`; an IPv4-mapped IPv6 prefix stays IPv6).
 */
export function certainRemotePrefix(rule: NeutronRule): Prefix | undefined {
    const given = rule.normalized_cidr || rule.remote_ip_prefix;
    if (!given) {
        return parsePrefix(rule.ethertype === "IPv4" ? "0.0.0.0/0" : "::/0");
    }
    if (given.trim() !== given) {
        return undefined;
    }
    try {
        const { prefix } = enforcedPrefix(given);
        return prefix.ethertype === rule.ethertype ? prefix : undefined;
    } catch {
        return undefined;
    }
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
                reason: `${prefix.cidr} on ${rule.port_range_min}/tcp`,
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
 * neutron_lib.constants.IP_PROTOCOL_MAP (Zed), names as Neutron stores them ("icmpv6" is its
 * alias of "ipv6-icmp"): which names are 0, which 6, which another protocol.
 */
const IP_PROTOCOL_NUMBERS: Record<string, number> = {
    ah: 51,
    dccp: 33,
    egp: 8,
    esp: 50,
    gre: 47,
    hopopt: 0,
    icmp: 1,
    icmpv6: 58,
    igmp: 2,
    ip: 0,
    ipip: 4,
    "ipv6-encap": 41,
    "ipv6-frag": 44,
    "ipv6-icmp": 58,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
    "ipv6-route": 43,
    ospf: 89,
    pgm: 113,
    rsvp: 46,
    sctp: 132,
    tcp: 6,
    udp: 17,
    udplite: 136,
    vrrp: 112,
};

/**
 * A stored protocol as some driver may read it for TCP: "tcp" (exactly "tcp" or "6", with its
 * ports), "other" (a known protocol that is neither 0 nor 6), or "everyPort" (every protocol,
 * TCP spelled otherwise, or text no driver reads alike: blanks, an unknown name, a number of
 * more than three digits or above 255), as rule-reading.ts `readProtocol` reads it.
 */
function protocolForTcp(protocol: string | null): "tcp" | "other" | "everyPort" {
    if (protocol === "tcp" || protocol === "6") {
        return "tcp";
    }
    if (protocol === null) {
        return "everyPort";
    }
    const name = protocol.toLowerCase();
    const number = /^\d{1,3}$/.test(name)
        ? Number(name)
        : Object.hasOwn(IP_PROTOCOL_NUMBERS, name)
          ? IP_PROTOCOL_NUMBERS[name]
          : undefined;
    return number === undefined || number === 0 || number === 6 || number > 255
        ? "everyPort"
        : "other";
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
