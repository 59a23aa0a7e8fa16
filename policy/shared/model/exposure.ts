// Copied from components/model/exposure.ts by `npm run policy:shared`: edit the original.
// The effective exposure of the API's port: for each protected port and family, the exact set of
// source addresses the union of the ingress rules of every security group on the port admits, as
// a minimal CIDR list naming the rules behind each part. Facts from Neutron Zed: a port admits
// the union of its groups' rules (neutron/agent/linux/iptables_firewall.py), a remote group its
// ports' fixed IPs and allowed-address-pairs (neutron/db/securitygroups_rpc_base.py). Pure: no
// Pulumi, no I/O; never throws on one rule.
import { AllowEntry, entryName } from "./allowset";
import {
    ANY_ADDRESS,
    AddressRange,
    enforcedRanges,
    familyShare,
    rangeOf,
    rangesCoverFamily,
    subtractRanges,
    unionRanges,
} from "./addressset";
import { Ethertype } from "./cidr";
import { NeutronRule, roleDescription } from "./rules";
import { readRule, readingMemo } from "./rule-reading";

export type { Ethertype } from "./cidr";
export { coversWholeFamily } from "./addressset";

/** A rule of one of the groups on the API's port. */
export interface GroupRule {
    group: { id: string; name: string };
    rule: NeutronRule;
}

/**
 * What remote groups (their ports' fixed IPs and allowed-address-pairs) and address groups (their
 * `addresses`) resolve to, by id; null = could not be resolved (counts as any address of the
 * rule's ethertype, and is reported). Addresses are IPs or CIDRs.
 */
export interface RemoteAddresses {
    groups: Map<string, string[] | null>;
    addressGroups: Map<string, string[] | null>;
}

export interface Admitter {
    groupId: string;
    groupName: string;
    ruleId: string;
    /** What this rule admits on this port and family, as a reviewer reads it. */
    admits: string;
    /** Why it counts for this port (protocol, port range, remote, unreadable field). */
    why: string;
    /** The CIDR this rule contributes (canonical; the whole family for unreadable rules). */
    cidr: string;
}

export interface ExposurePart {
    cidr: string;
    admittedBy: Admitter[];
}

/** parts: the minimal list of CIDRs admitted on that port and family, sorted, each naming the rules that admit it. */
export interface PortExposure {
    port: number;
    ethertype: Ethertype;
    parts: ExposurePart[];
}

export interface UnreadableRule {
    groupId: string;
    ruleId: string;
    what: string;
}

export interface UnresolvedRemote {
    groupId: string;
    ruleId: string;
    remote: string;
}

export interface Exposure {
    portSecurity: boolean;
    ports: PortExposure[];
    unreadable: UnreadableRule[];
    unresolved: UnresolvedRemote[];
}

const FAMILIES: Ethertype[] = ["IPv4", "IPv6"];

/**
 * The exposure of every protected port (TCP) in both families. Egress rules and rules of other
 * protocols admit nothing here; a rule of every protocol (null, "any", "0" or a name that maps to
 * 0) admits on every port; an unreadable rule admits every address of its family on every
 * protected port; port security off admits every address everywhere.
 */
export function computeExposure(input: {
    rules: GroupRule[];
    remotes: RemoteAddresses;
    protectedPorts: number[];
    portSecurity: boolean;
}): Exposure {
    const ports = [...new Set(input.protectedPorts)].sort((a, b) => a - b);
    // Per port and family, parallel lists: each range with the admitter it comes from.
    const buckets = new Map<number, Record<Ethertype, Bucket>>(
        ports.map((port) => [port, { IPv4: bucket(), IPv6: bucket() }]),
    );
    const unreadable: UnreadableRule[] = [];
    const unresolved: UnresolvedRemote[] = [];

    if (!input.portSecurity) {
        for (const port of ports) {
            for (const ethertype of FAMILIES) {
                const range = rangeOf(ANY_ADDRESS[ethertype]);
                const here = buckets.get(port)![ethertype];
                here.ranges.push(range);
                here.admitters.push(
                    admitter(
                        { id: "", name: "(no security group)" },
                        "",
                        `every ${ethertype} address on every port`,
                        "the port has port_security_enabled false: Neutron filters nothing",
                        range.cidr,
                    ),
                );
            }
        }
    }
    const memo = readingMemo();
    // Indexed loops: in a cold process the interpreter makes an object per for-of step. Fields
    // read once into locals: until V8 optimizes it, each read is a call of its own.
    const { rules, remotes } = input;
    for (let r = 0; r < rules.length; r++) {
        const { group, rule } = rules[r];
        const reading = readRule(rule, remotes, ports, memo);
        const reached = reading.ports;
        const remotesMissing = reading.unresolved;
        const ruleId = reading.ruleId;
        if (reading.unreadable) {
            unreadable.push({ groupId: group.id, ruleId, what: reading.unreadable });
        }
        for (let u = 0; u < remotesMissing.length; u++) {
            unresolved.push({ groupId: group.id, ruleId, remote: remotesMissing[u] });
        }
        const { sources } = reading;
        // A rule of one source that says the same on every port (every protocol, all ports)
        // names one admitter on each: fewer objects that the scavenger copies.
        let last: Admitter | undefined;
        for (let p = 0; p < reached.length; p++) {
            const port = reached[p];
            const here = buckets.get(port)!;
            const why = reading.why(port);
            for (let s = 0; s < sources.length; s++) {
                const source = sources[s];
                const made =
                    last !== undefined && last.why === why
                        ? last
                        : admitter(group, ruleId, source.admits, why, source.range.cidr);
                if (sources.length === 1) last = made;
                const into = here[source.ethertype];
                into.ranges.push(source.range);
                into.admitters.push(made);
            }
        }
    }

    // IPv6 first: the union's BigInt comparisons then never run specialised to 64-bit values
    // (IPv4's), which the first 128-bit one would undo, compiled again (V8's BigInt64 feedback).
    const unions = new Map<string, ExposurePart[]>();
    for (const ethertype of ["IPv6", "IPv4"] as const) {
        for (const port of ports) {
            const { ranges, admitters } = buckets.get(port)![ethertype];
            const union = unionRanges(ranges, admitters);
            const parts: ExposurePart[] = [];
            for (let p = 0; p < union.ranges.length; p++) {
                parts.push({ cidr: union.ranges[p].cidr, admittedBy: union.items[p] });
            }
            unions.set(`${port} ${ethertype}`, parts);
        }
    }
    const result: PortExposure[] = [];
    for (const port of ports) {
        for (const ethertype of FAMILIES) {
            result.push({ port, ethertype, parts: unions.get(`${port} ${ethertype}`)! });
        }
    }
    return { portSecurity: input.portSecurity, ports: result, unreadable, unresolved };
}

interface Bucket {
    ranges: AddressRange[];
    admitters: Admitter[];
}

function bucket(): Bucket {
    return { ranges: [], admitters: [] };
}

/** One object literal of every field: one hidden class for all 10,000s of admitters. */
function admitter(
    group: { id: string; name: string },
    ruleId: string,
    admits: string,
    why: string,
    cidr: string,
): Admitter {
    return { groupId: group.id, groupName: group.name, ruleId, admits, why, cidr };
}

/**
 * The parts of the exposure outside the allowed CIDRs of that port and family (non-empty ports
 * only); each part keeps the admitters whose CIDR overlaps it. Throws naming an allowed CIDR
 * that is no CIDR (the allow-set is derived, so that is a bug, not input).
 */
export function exposureBeyond(
    exposure: Exposure,
    allowed: { port: number; ethertype: Ethertype; cidr: string }[],
): PortExposure[] {
    const result: PortExposure[] = [];
    for (const { port, ethertype, parts } of exposure.ports) {
        const here: AddressRange[] = [];
        for (const entry of allowed) {
            if (entry.port !== port) continue;
            const { prefix, mappedIpv4 } = enforcedRanges(entry.cidr);
            for (const range of [prefix, mappedIpv4]) {
                if (range?.ethertype === ethertype) here.push(range);
            }
        }
        const beyond: ExposurePart[] = [];
        for (const part of parts) {
            const range = rangeOf(part.cidr);
            const rest = subtractRanges(range, here);
            if (rest.length === 1 && rest[0].cidr === part.cidr) {
                beyond.push(part);
                continue;
            }
            const admitters = part.admittedBy.map((a) => ({ a, range: rangeOf(a.cidr) }));
            for (const piece of rest) {
                beyond.push({
                    cidr: piece.cidr,
                    admittedBy: admitters.filter((x) => overlaps(x.range, piece)).map((x) => x.a),
                });
            }
        }
        if (beyond.length > 0) {
            result.push({ port, ethertype, parts: beyond });
        }
    }
    return result;
}

/**
 * The rules once the plan is applied: one rule per allow entry added to the managed group (ids
 * "planned:<resource name>", the name being entryName(entry), as the rule resource is named after
 * its component's prefix), the retire target ids removed. An entry already live is listed twice;
 * the union does not change.
 */
export function rulesAfterPlan(
    before: GroupRule[],
    managed: { id: string; name: string },
    allowSet: AllowEntry[],
    retireIds: string[],
): GroupRule[] {
    const retired = new Set(retireIds);
    const kept = before.filter(({ rule }) => !retired.has(rule.id));
    const added: GroupRule[] = allowSet.map((entry) => ({
        group: managed,
        rule: {
            id: `planned:${entryName(entry)}`,
            security_group_id: managed.id,
            direction: "ingress",
            ethertype: entry.ethertype,
            protocol: entry.protocol,
            port_range_min: entry.port,
            port_range_max: entry.port,
            remote_ip_prefix: entry.remoteIpPrefix,
            remote_group_id: null,
            remote_address_group_id: null,
            description: roleDescription(entry.role),
        },
    }));
    return [...kept, ...added];
}

/**
 * Words for a reviewer: "no address", "every IPv4 address", "every IPv4 address except these 7
 * prefixes: …" (when the parts cover most of the family), "3 prefixes: …". Lists at most 10.
 */
export function describeExposure(parts: ExposurePart[], ethertype: Ethertype): string {
    if (parts.length === 0) {
        return "no address";
    }
    const ranges = parts.map((p) => rangeOf(p.cidr));
    if (rangesCoverFamily(ranges, ethertype)) {
        return `every ${ethertype} address`;
    }
    // The complement is cheap to compute only when it is small: a family mostly covered.
    if (familyShare(ranges, ethertype) > 0.5 && parts.length <= 1024) {
        const missing = subtractRanges(rangeOf(ANY_ADDRESS[ethertype]), ranges);
        return `every ${ethertype} address except ${count(missing.length, "these")}: ${list(missing.map((r) => r.cidr))}`;
    }
    return `${count(parts.length)}: ${list(parts.map((p) => p.cidr))}`;
}

function count(n: number, these = ""): string {
    const words = n === 1 ? "prefix" : "prefixes";
    return these ? `${n === 1 ? "this" : these} ${n} ${words}` : `${n} ${words}`;
}

function list(cidrs: string[]): string {
    const shown = cidrs.slice(0, 10).join(", ");
    return cidrs.length > 10 ? `${shown} and ${cidrs.length - 10} more` : shown;
}

function overlaps(a: AddressRange, b: AddressRange): boolean {
    return a.start <= b.end && b.start <= a.end;
}
