// The effective exposure of the API's port: per protected port and ethertype, the set of source
// addresses admitted by the union of every group's ingress rules, as minimal CIDRs, each naming
// the rules that admit it. Pure: no Pulumi, no I/O. Range arithmetic on BigInt address ranges.
import * as ipaddr from "ipaddr.js";
import type { AllowEntry } from "./allowset";
import type { NeutronRule } from "./rules";

export type Ethertype = "IPv4" | "IPv6";
export interface GroupRule {
    group: { id: string; name: string };
    rule: NeutronRule;
}
/** Remote group id / address group id → its addresses; null = unresolvable → counts as any. */
export interface RemoteAddresses {
    groups: Map<string, string[] | null>;
    addressGroups: Map<string, string[] | null>;
}
export interface Admitter {
    groupId: string;
    groupName: string;
    ruleId: string;
    admits: string;
    why: string;
}
export interface ExposurePart {
    cidr: string;
    admittedBy: Admitter[];
}
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

type Range = [bigint, bigint];
const FAMILIES: Ethertype[] = ["IPv4", "IPv6"];
const BITS: Record<Ethertype, number> = { IPv4: 32, IPv6: 128 };
const ANY: Record<Ethertype, string> = { IPv4: "0.0.0.0/0", IPv6: "::/0" };

/** Admitted sources per protected port and family (Neutron: the union of all ingress rules). */
export function computeExposure(input: {
    rules: GroupRule[];
    remotes: RemoteAddresses;
    protectedPorts: number[];
    portSecurity: boolean;
}): Exposure {
    const unreadable: UnreadableRule[] = [];
    const unresolved: UnresolvedRemote[] = [];
    const grants: { port: number; ethertype: Ethertype; ranges: Range[]; by: Admitter }[] = [];
    if (!input.portSecurity) {
        const by = {
            groupId: "",
            groupName: "(port security disabled)",
            ruleId: "",
            admits: "everything",
            why: "Neutron filters nothing on a port with port_security_enabled false",
        };
        for (const port of input.protectedPorts) {
            for (const ethertype of FAMILIES) {
                grants.push({ port, ethertype, ranges: [familyRange(ethertype)], by });
            }
        }
    }
    for (const { group, rule } of input.portSecurity ? input.rules : []) {
        const read = readRule(rule, input.remotes);
        if (read.unreadable !== undefined) {
            unreadable.push({ groupId: group.id, ruleId: String(rule.id), what: read.unreadable });
        }
        if (read.unresolved !== undefined) {
            unresolved.push({
                groupId: group.id,
                ruleId: String(rule.id),
                remote: read.unresolved,
            });
        }
        if (read.skip) {
            continue;
        }
        for (const port of input.protectedPorts) {
            if (port < read.ports[0] || port > read.ports[1]) {
                continue;
            }
            for (const ethertype of read.families) {
                const ranges = read.ranges.get(ethertype) ?? [];
                if (ranges.length > 0) {
                    grants.push({
                        port,
                        ethertype,
                        ranges,
                        by: {
                            groupId: group.id,
                            groupName: group.name,
                            ruleId: String(rule.id),
                            admits: read.admits,
                            why: read.why,
                        },
                    });
                }
            }
        }
    }
    const ports: PortExposure[] = [];
    for (const port of input.protectedPorts) {
        for (const ethertype of FAMILIES) {
            const mine = grants.filter((g) => g.port === port && g.ethertype === ethertype);
            ports.push({ port, ethertype, parts: partition(mine, ethertype) });
        }
    }
    return { portSecurity: input.portSecurity, ports, unreadable, unresolved };
}

/**
 * Sweeps the grants' ranges into runs admitted by the same rules, each run as minimal CIDRs:
 * every part names exactly the rules that admit all of it.
 */
function partition(grants: { ranges: Range[]; by: Admitter }[], f: Ethertype): ExposurePart[] {
    const events: { at: bigint; start: boolean; index: number }[] = [];
    grants.forEach((g, index) => {
        for (const [lo, hi] of merge(g.ranges)) {
            events.push({ at: lo, start: true, index }, { at: hi + 1n, start: false, index });
        }
    });
    events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const active = new Map<number, number>();
    const parts: ExposurePart[] = [];
    let i = 0;
    while (i < events.length) {
        const at = events[i].at;
        for (; i < events.length && events[i].at === at; i++) {
            const e = events[i];
            const n = (active.get(e.index) ?? 0) + (e.start ? 1 : -1);
            if (n === 0) {
                active.delete(e.index);
            } else {
                active.set(e.index, n);
            }
        }
        if (active.size === 0 || i === events.length) {
            continue;
        }
        const by = [...active.keys()].sort((a, b) => a - b).map((k) => grants[k].by);
        for (const cidr of rangeToCidrs([at, events[i].at - 1n], f)) {
            parts.push({ cidr, admittedBy: by });
        }
    }
    return parts;
}

/** The parts of the exposure outside `allowed` (same port and family), split to minimal CIDRs. */
export function exposureBeyond(
    exposure: Exposure,
    allowed: { port: number; ethertype: Ethertype; cidr: string }[],
): PortExposure[] {
    const beyond: PortExposure[] = [];
    for (const pe of exposure.ports) {
        const allow = merge(
            allowed
                .filter((a) => a.port === pe.port && a.ethertype === pe.ethertype)
                .map((a) => cidrRange(a.cidr)),
        );
        const parts = pe.parts.flatMap((part) =>
            subtract([cidrRange(part.cidr)], allow)
                .flatMap((r) => rangeToCidrs(r, pe.ethertype))
                .map((cidr) => ({ cidr, admittedBy: part.admittedBy })),
        );
        if (parts.length > 0) {
            beyond.push({ port: pe.port, ethertype: pe.ethertype, parts });
        }
    }
    return beyond;
}

/** The rules as they will be once the plan ran: allow-set added to `managed`, retired ones gone. */
export function rulesAfterPlan(
    before: GroupRule[],
    managed: { id: string; name: string },
    allowSet: AllowEntry[],
    retireIds: string[],
): GroupRule[] {
    const kept = before.filter((r) => !retireIds.includes(r.rule.id));
    const planned = allowSet.map((e) => ({
        group: managed,
        rule: {
            id: `planned ${e.port}/tcp ${e.remoteIpPrefix}`,
            security_group_id: managed.id,
            direction: "ingress" as const,
            ethertype: e.ethertype,
            protocol: "tcp",
            port_range_min: e.port,
            port_range_max: e.port,
            remote_ip_prefix: e.remoteIpPrefix,
            remote_group_id: null,
        },
    }));
    return [...kept, ...planned];
}

/** True when the CIDRs of `ethertype` together cover every address of the family. */
export function coversWholeFamily(cidrs: string[], ethertype: Ethertype): boolean {
    const union = merge(
        cidrs.flatMap((c) => {
            const r = tryCidr(c);
            return r && r.ethertype === ethertype ? [r.range] : [];
        }),
    );
    const all = familyRange(ethertype);
    return union.length === 1 && union[0][0] === all[0] && union[0][1] === all[1];
}

/** In words: "no address", "every IPv4 address", "every IPv4 address except these 7 prefixes: …". */
export function describeExposure(parts: ExposurePart[], ethertype: Ethertype): string {
    if (parts.length === 0) {
        return "no address";
    }
    const ranges = merge(parts.map((p) => cidrRange(p.cidr)));
    const missing = subtract([familyRange(ethertype)], ranges).flatMap((r) =>
        rangeToCidrs(r, ethertype),
    );
    if (missing.length === 0) {
        return `every ${ethertype} address`;
    }
    if (missing.length < parts.length) {
        const n = missing.length;
        return `every ${ethertype} address except ${n === 1 ? "this prefix" : `these ${n} prefixes`}: ${missing.join(", ")}`;
    }
    return parts.length === 1
        ? parts[0].cidr
        : `${parts.length} prefixes: ${parts.map((p) => p.cidr).join(", ")}`;
}

// ---------------------------------------------------------------------------------------------

type Read = {
    skip: boolean;
    families: Ethertype[];
    ports: [number, number];
    ranges: Map<Ethertype, Range[]>;
    admits: string;
    why: string;
    unreadable?: string;
    unresolved?: string;
};

const OTHER_PROTOCOLS = new Set([
    "ah",
    "dccp",
    "egp",
    "esp",
    "gre",
    "hopopt",
    "icmp",
    "igmp",
    "ipip",
    "ipv6-encap",
    "ipv6-frag",
    "ipv6-icmp",
    "icmpv6",
    "ipv6-nonxt",
    "ipv6-opts",
    "ipv6-route",
    "ospf",
    "pgm",
    "rsvp",
    "sctp",
    "udp",
    "udplite",
    "vrrp",
]);

/** One rule's reach; anything it cannot read counts as every address on every port. */
function readRule(rule: NeutronRule, remotes: RemoteAddresses): Read {
    const everything = (what: string): Read => ({
        skip: false,
        families: FAMILIES,
        ports: [0, 65535],
        ranges: new Map(FAMILIES.map((f) => [f, [familyRange(f)]])),
        admits: "everything (unreadable rule)",
        why: `unreadable: ${what}; counted as admitting every address`,
        unreadable: what,
    });
    if (rule.direction !== "ingress") {
        return rule.direction === "egress"
            ? skipped()
            : everything(`direction ${String(rule.direction)}`);
    }
    if (rule.ethertype !== "IPv4" && rule.ethertype !== "IPv6") {
        return everything(`ethertype ${String(rule.ethertype)}`);
    }
    const protocol = rule.protocol === null ? null : String(rule.protocol).trim().toLowerCase();
    let allProtocols = false;
    if (protocol === null || protocol === "" || protocol === "any" || protocol === "0") {
        allProtocols = true;
    } else if (protocol !== "tcp" && protocol !== "6") {
        if (/^\d+$/.test(protocol) || OTHER_PROTOCOLS.has(protocol)) {
            return skipped();
        }
        return everything(`protocol ${JSON.stringify(rule.protocol)}`);
    }
    const min = rule.port_range_min;
    const max = rule.port_range_max;
    let ports: [number, number];
    if (allProtocols || (min === null && max === null)) {
        ports = [0, 65535];
    } else if (Number.isInteger(min) && (max === null || Number.isInteger(max))) {
        ports = [min as number, (max ?? min) as number];
    } else {
        return everything(`port range ${String(min)}-${String(max)}`);
    }
    const family = rule.ethertype;
    const protoWords =
        protocol === "0"
            ? 'protocol "0" (counted as every protocol: the firewall driver decides)'
            : allProtocols
              ? "any protocol"
              : ports[0] === ports[1]
                ? `tcp ${ports[0]}`
                : ports[0] === 0 && ports[1] === 65535
                  ? "tcp, all ports"
                  : `tcp ${ports[0]}-${ports[1]} (a range)`;
    let remote: string;
    let addresses: Range[];
    let unresolved: string | undefined;
    if (rule.remote_group_id || rule.remote_address_group_id) {
        const isGroup = Boolean(rule.remote_group_id);
        const id = (rule.remote_group_id ?? rule.remote_address_group_id) as string;
        const found = (isGroup ? remotes.groups : remotes.addressGroups).get(id);
        const kind = isGroup ? "remote group" : "remote address group";
        if (found === null || found === undefined) {
            unresolved = `${kind} ${id}`;
            remote = `${kind} ${id} (unresolvable: counted as any address)`;
            addresses = [familyRange(family)];
        } else {
            addresses = merge(
                found.flatMap((a) => {
                    const r = tryCidr(a, true);
                    return r && r.ethertype === family ? [r.range] : [];
                }),
            );
            remote = `${kind} ${id} (${addresses.length === 0 ? "no member" : found.length + " address(es)"})`;
        }
    } else {
        const text =
            (rule as NeutronRule & { normalized_cidr?: string | null }).normalized_cidr ??
            rule.remote_ip_prefix;
        if (text === null || text === undefined) {
            remote = "any address";
            addresses = [familyRange(family)];
        } else {
            const r = tryCidr(String(text), true);
            if (!r || r.ethertype !== family) {
                return everything(`remote_ip_prefix ${JSON.stringify(rule.remote_ip_prefix)}`);
            }
            remote =
                r.range[0] === familyRange(family)[0] && r.range[1] === familyRange(family)[1]
                    ? `${ANY[family]} (any address)`
                    : String(rule.remote_ip_prefix);
            addresses = [r.range];
        }
    }
    return {
        skip: false,
        families: [family],
        ports,
        ranges: new Map([[family, addresses]]),
        admits: `${remote} on ${protoWords}`,
        why: `${protoWords} reaches the port from ${remote}`,
        unresolved,
    };
}

function skipped(): Read {
    return { skip: true, families: [], ports: [1, 0], ranges: new Map(), admits: "", why: "" };
}

function familyRange(f: Ethertype): Range {
    return [0n, (1n << BigInt(BITS[f])) - 1n];
}

/** A CIDR (host bits masked when `lenient`) or a bare address; IPv4-mapped IPv6 becomes IPv4. */
function tryCidr(text: string, lenient = false): { ethertype: Ethertype; range: Range } | null {
    try {
        const [addr, len] = text.includes("/") ? text.split("/") : [text, undefined];
        let ip = ipaddr.parse(addr);
        let length = len === undefined ? (ip.kind() === "ipv4" ? 32 : 128) : Number(len);
        if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
            ip = (ip as ipaddr.IPv6).toIPv4Address();
            length = len === undefined ? 32 : length - 96;
        }
        const f: Ethertype = ip.kind() === "ipv4" ? "IPv4" : "IPv6";
        if (
            !Number.isInteger(length) ||
            length < 0 ||
            length > BITS[f] ||
            !/^\d+$/.test(len ?? "0")
        ) {
            return null;
        }
        const value = BigInt(
            "0x" +
                ip
                    .toByteArray()
                    .map((b) => b.toString(16).padStart(2, "0"))
                    .join(""),
        );
        const host = (1n << BigInt(BITS[f] - length)) - 1n;
        if (!lenient && (value & host) !== 0n) {
            return null;
        }
        const start = value & ~host;
        return { ethertype: f, range: [start, start | host] };
    } catch {
        return null;
    }
}

function cidrRange(cidr: string): Range {
    const r = tryCidr(cidr);
    if (!r) {
        throw new Error(`not a CIDR: ${cidr}`);
    }
    return r.range;
}

function merge(ranges: Range[]): Range[] {
    const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: Range[] = [];
    for (const r of sorted) {
        const last = out[out.length - 1];
        if (last && r[0] <= last[1] + 1n) {
            if (r[1] > last[1]) {
                last[1] = r[1];
            }
        } else {
            out.push([r[0], r[1]]);
        }
    }
    return out;
}

function subtract(from: Range[], minus: Range[]): Range[] {
    let out = merge(from);
    for (const m of minus) {
        out = out.flatMap((r): Range[] => {
            if (m[1] < r[0] || m[0] > r[1]) {
                return [r];
            }
            const pieces: Range[] = [];
            if (m[0] > r[0]) {
                pieces.push([r[0], m[0] - 1n]);
            }
            if (m[1] < r[1]) {
                pieces.push([m[1] + 1n, r[1]]);
            }
            return pieces;
        });
    }
    return out;
}

function rangeToCidrs([start, end]: Range, f: Ethertype): string[] {
    const bits = BITS[f];
    const out: string[] = [];
    let cur = start;
    while (cur <= end) {
        let size = 0;
        while (
            size < bits &&
            (cur & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
            cur + (1n << BigInt(size + 1)) - 1n <= end
        ) {
            size++;
        }
        out.push(`${formatAddress(cur, f)}/${bits - size}`);
        cur += 1n << BigInt(size);
    }
    return out;
}

function formatAddress(value: bigint, f: Ethertype): string {
    const bytes: number[] = [];
    for (let i = BITS[f] / 8 - 1; i >= 0; i--) {
        bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
    }
    return ipaddr.fromByteArray(bytes).toString();
}
