// Copied from components/model/rule-reading.ts by `npm run policy:shared`: edit the original.
// How the exposure model reads one security-group rule in every form Neutron stores: which
// protected TCP ports it reaches and from which addresses. Reads fields as unknown: a rule that
// cannot be read is described, never thrown, and counts as admitting everything (fail closed).
import { ANY_ADDRESS, AddressRange, enforcedRanges, rangeOf } from "./addressset";
import { Ethertype } from "./cidr";
import type { RemoteAddresses } from "./exposure";
import type { NeutronRule } from "./rules";

/**
 * neutron_lib.constants.IP_PROTOCOL_MAP (Zed), names as Neutron stores them; "icmpv6" is its
 * alias of "ipv6-icmp". Only whether a name is TCP (6) or 0 matters here.
 */
const IP_PROTOCOL_MAP: Record<string, number> = {
    ah: 51,
    dccp: 33,
    egp: 8,
    esp: 50,
    gre: 47,
    hopopt: 0,
    icmp: 1,
    igmp: 2,
    ip: 0,
    ipip: 4,
    "ipv6-encap": 41,
    "ipv6-frag": 44,
    "ipv6-icmp": 58,
    icmpv6: 58,
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

/** One source range a rule admits, in one family. */
export interface RuleSource {
    ethertype: Ethertype;
    range: AddressRange;
    admits: string;
}

export interface RuleReading {
    ruleId: string;
    /** What could not be read; the rule then admits every address on every protected port. */
    unreadable?: string;
    /** Remote groups or address groups that could not be resolved (each counts as any address). */
    unresolved: string[];
    /** The protected ports the rule reaches. */
    ports: number[];
    sources: RuleSource[];
    why(port: number): string;
}

type Protocol = { kind: "all" | "tcp" | "other"; text: string };

export function readRule(
    rule: NeutronRule,
    remotes: RemoteAddresses,
    protectedPorts: number[],
): RuleReading {
    const raw = rule as unknown as Record<string, unknown>;
    const problems: string[] = [];
    const ruleId = typeof raw.id === "string" && raw.id !== "" ? raw.id : "(no id)";
    if (ruleId === "(no id)") problems.push(`id ${show(raw.id)}`);
    if (rule.unreadable) problems.push(rule.unreadable);

    if (raw.direction === "egress") {
        return { ruleId, unresolved: [], ports: [], sources: [], why: () => "" };
    }
    if (raw.direction !== "ingress") problems.push(`direction ${show(raw.direction)}`);
    // The parser keeps an unreadable ethertype as "IPv4" and names it in `unreadable`.
    const families: Ethertype[] =
        (raw.ethertype === "IPv4" || raw.ethertype === "IPv6") &&
        !/(^|; )ethertype /.test(rule.unreadable ?? "")
            ? [raw.ethertype]
            : [];
    if (families.length === 0 && !rule.unreadable) {
        problems.push(`ethertype ${show(raw.ethertype)}`);
    }
    const protocol = readProtocol(raw.protocol);
    if (!protocol) problems.push(`protocol ${show(raw.protocol)}`);
    const range = readPorts(raw.port_range_min, raw.port_range_max);
    if (!range) {
        problems.push(`port range ${show(raw.port_range_min)}-${show(raw.port_range_max)}`);
    }
    const unresolved: string[] = [];
    const sources = readSources(raw, remotes, families, problems, unresolved);

    if (problems.length > 0) {
        const what = problems.join("; ");
        return {
            ruleId,
            unreadable: what,
            unresolved,
            ports: protectedPorts,
            sources: (families.length > 0 ? families : (["IPv4", "IPv6"] as Ethertype[])).map(
                (ethertype) => ({
                    ethertype,
                    range: rangeOf(ANY_ADDRESS[ethertype]),
                    admits: `every ${ethertype} address (unreadable rule)`,
                }),
            ),
            why: () => `cannot read its ${what}: counted as admitting everything`,
        };
    }
    const { kind, text } = protocol!;
    if (kind === "other") {
        return { ruleId, unresolved, ports: [], sources: [], why: () => "" };
    }
    const { min, max } = range!;
    // Neutron refuses ports on a rule of every protocol; if one has them, the driver's reading
    // is unknown, so they are not trusted to narrow it.
    const ports = protectedPorts.filter((p) => kind === "all" || (min <= p && p <= max));
    const everyPort =
        kind === "all" && `every protocol (protocol ${show(raw.protocol)}), so every port`;
    const why = everyPort
        ? () => everyPort
        : (port: number) =>
              min === 1 && max === 65535
                  ? `${text}, all ports`
                  : min === max
                    ? `${text} ${min}`
                    : `${text} ${min}-${max} includes ${port}`;
    return { ruleId, unresolved, ports, sources, why };
}

/** null, "", "any", "0", names mapping to 0, and "0" in any spelling: every protocol. */
function readProtocol(value: unknown): Protocol | undefined {
    if (value === null || value === undefined) return { kind: "all", text: "any protocol" };
    const text = typeof value === "number" ? String(value) : value;
    if (typeof text !== "string") return undefined;
    const name = text.trim().toLowerCase();
    if (name === "" || name === "any") return { kind: "all", text: "any protocol" };
    const number = /^\d{1,3}$/.test(name) ? Number(name) : IP_PROTOCOL_MAP[name];
    if (number === undefined || number > 255) return undefined;
    return number === 0
        ? { kind: "all", text: "any protocol" }
        : number === 6
          ? { kind: "tcp", text: "tcp" }
          : { kind: "other", text: name };
}

/** null min and max: every port; one side missing: open on that side. */
function readPorts(min: unknown, max: unknown): { min: number; max: number } | undefined {
    const read = (v: unknown, fallback: number) =>
        v === null || v === undefined ? fallback : Number.isInteger(v) ? (v as number) : NaN;
    const lo = read(min, 1);
    const hi = read(max, 65535);
    if (!(lo >= 0 && hi <= 65535 && lo <= hi)) return undefined;
    return { min: Math.max(lo, 1), max: hi };
}

function readSources(
    raw: Record<string, unknown>,
    remotes: RemoteAddresses,
    families: Ethertype[],
    problems: string[],
    unresolved: string[],
): RuleSource[] {
    const sources: RuleSource[] = [];
    const addPrefix = (text: string, admits: (cidr: string) => string, what: string) =>
        prefixSources(text, admits, what, sources, problems);
    const anyOf = (admits: string) => {
        for (const ethertype of families) {
            sources.push({
                ethertype,
                range: rangeOf(ANY_ADDRESS[ethertype]),
                admits: `${ANY_ADDRESS[ethertype]} (${admits})`,
            });
        }
    };
    const viaRemote = (kind: string, id: unknown, map: Map<string, string[] | null>) => {
        if (id === null || id === undefined || id === "") return false;
        if (typeof id !== "string") {
            problems.push(`${kind} ${show(id)}`);
            return true;
        }
        const addresses = map.get(id);
        if (!addresses) {
            unresolved.push(`${kind} ${id}`);
            anyOf(`${kind} ${id} could not be resolved: counted as any address`);
            return true;
        }
        const members = membersOf(kind, id, addresses);
        sources.push(...members.sources);
        problems.push(...members.problems);
        return true;
    };
    const viaGroup = viaRemote("remote group", raw.remote_group_id, remotes.groups);
    const viaAddressGroup = viaRemote(
        "remote address group",
        raw.remote_address_group_id,
        remotes.addressGroups,
    );
    // normalized_cidr is the network Neutron enforces; remote_ip_prefix is as typed.
    const stored = [raw.normalized_cidr, raw.remote_ip_prefix].find(
        (v) => v !== null && v !== undefined && v !== "",
    );
    if (stored !== undefined) {
        if (typeof stored !== "string") {
            problems.push(`remote_ip_prefix ${show(stored)}`);
        } else {
            const typed = typeof raw.remote_ip_prefix === "string" ? raw.remote_ip_prefix : stored;
            addPrefix(
                stored,
                (cidr) => (cidr === typed ? cidr : `${cidr} (stored as ${typed})`),
                "remote_ip_prefix",
            );
        }
    } else if (!viaGroup && !viaAddressGroup) {
        anyOf("no remote: any address");
    }
    return sources;
}

/**
 * The sources of one address or prefix as a firewall enforces it. A prefix of the other family
 * than the rule's still counts in its own (Neutron refuses the mix); an IPv4-mapped prefix counts
 * for IPv4 as well, whatever the driver does.
 */
function prefixSources(
    text: string,
    admits: (cidr: string) => string,
    what: string,
    sources: RuleSource[],
    problems: string[],
): void {
    let read: ReturnType<typeof enforcedRanges>;
    try {
        read = enforcedRanges(text);
    } catch (err) {
        problems.push(`${what} ${show(text)} (${err instanceof Error ? err.message : err})`);
        return;
    }
    const { prefix, mappedIpv4 } = read;
    sources.push({ ethertype: prefix.ethertype, range: prefix, admits: admits(prefix.cidr) });
    if (mappedIpv4) {
        sources.push({ ethertype: "IPv4", range: mappedIpv4, admits: admits(mappedIpv4.cidr) });
    }
}

// Many rules name the same remote group: its members are read once per list of addresses.
const membersMemo = new WeakMap<
    string[],
    Map<string, { sources: RuleSource[]; problems: string[] }>
>();

function membersOf(kind: string, id: string, addresses: string[]) {
    const byRemote = membersMemo.get(addresses) ?? new Map();
    membersMemo.set(addresses, byRemote);
    const key = `${kind}|${id}`;
    let found = byRemote.get(key);
    if (!found) {
        found = { sources: [] as RuleSource[], problems: [] as string[] };
        for (const address of addresses) {
            prefixSources(
                address,
                (cidr) => `${cidr} (in ${kind} ${id})`,
                `${kind} ${id} address`,
                found.sources,
                found.problems,
            );
        }
        byRemote.set(key, found);
    }
    return found;
}

function show(value: unknown): string {
    return value === undefined ? "(absent)" : JSON.stringify(value);
}
