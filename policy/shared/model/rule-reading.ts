// Copied from components/model/rule-reading.ts by `npm run policy:shared`: edit the original.
// How the exposure model reads one security-group rule in every form Neutron stores: which
// protected TCP ports it reaches and from which addresses. Reads fields as unknown: a rule that
// cannot be read is described, never thrown, and counts as admitting everything (fail closed).
import { ANY_ADDRESS, rangeOf } from "./addressset";
import { Ethertype } from "./cidr";
import type { RemoteAddresses } from "./exposure";
import type { NeutronRule } from "./rules";
import { protocolNumber } from "./protocols";
import { NO_SOURCES, readSources, RuleSource, show } from "./rule-sources";

export type { RuleSource } from "./rule-sources";

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

/** What a rule's protocol means for a TCP port: every protocol, TCP on its ports or on all, other. */
type Protocol = "all" | "tcp" | "tcpEveryPort" | "other";
const FAMILY: Record<Ethertype, Ethertype[]> = { IPv4: ["IPv4"], IPv6: ["IPv6"] };
const BOTH_FAMILIES: Ethertype[] = ["IPv4", "IPv6"];
// Shared empty lists, never added to: most rules reach no protected port.
const NO_PORTS: number[] = [];
const NO_UNRESOLVED: string[] = [];

/**
 * One rule read. `why` is a method, not a closure per rule: a preview reads 10,000s of rules
 * once, in a cold process, where every allocation and every distinct shape costs. The fields are
 * declared, not parameter properties: compiled for ES2022 those define each field, then assign it.
 */
class Reading implements RuleReading {
    declare readonly ruleId: string;
    declare readonly unreadable: string | undefined;
    declare readonly unresolved: string[];
    declare readonly ports: number[];
    declare readonly sources: RuleSource[];
    declare private readonly reason: string | undefined;
    /** The TCP port range read (0-0 when the reason says why, or nothing is reached). */
    declare private readonly min: number;
    declare private readonly max: number;

    constructor(
        ruleId: string,
        unreadable: string | undefined,
        unresolved: string[],
        ports: number[],
        sources: RuleSource[],
        reason: string | undefined,
        min = 0,
        max = 0,
    ) {
        this.ruleId = ruleId;
        this.unreadable = unreadable;
        this.unresolved = unresolved;
        this.ports = ports;
        this.sources = sources;
        this.reason = reason;
        this.min = min;
        this.max = max;
    }

    why(port: number): string {
        if (this.reason !== undefined) return this.reason;
        const { min, max } = this;
        if (max === 0) return "";
        return min === 1 && max === 65535 ? "tcp, all ports" : `tcp ${min}-${max} includes ${port}`;
    }
}

/**
 * What the readings of one computation make once, not once per rule: the protocol of each
 * spelling, and the reasons per spelling and per port. A preview reads 10,000s of rules in a cold
 * process, where each string and each lookup costs.
 */
export interface ReadingMemo {
    everyPort: Map<unknown, string>;
    singlePort: Map<number, string>;
    protocols: Map<unknown, Protocol | undefined>;
}

export function readingMemo(): ReadingMemo {
    return { everyPort: new Map(), singlePort: new Map(), protocols: new Map() };
}

/** `memo`: shared by the readings of one computation (computeExposure makes one per call). */
export function readRule(
    rule: NeutronRule,
    remotes: RemoteAddresses,
    protectedPorts: number[],
    memo: ReadingMemo = readingMemo(),
): RuleReading {
    const raw = rule as unknown as Record<string, unknown>;
    // Each field read once: until V8 optimizes this function, each read is a call of its own.
    const { id, direction, ethertype, protocol: written } = raw;
    const { port_range_min: minWritten, port_range_max: maxWritten } = raw;
    const parsed = rule.unreadable;
    const problems: string[] = [];
    const ruleId = typeof id === "string" && id !== "" ? id : "(no id)";
    if (ruleId === "(no id)") problems.push(`id ${show(id)}`);
    if (parsed) problems.push(parsed);

    if (direction === "egress") {
        return new Reading(ruleId, undefined, NO_UNRESOLVED, NO_PORTS, NO_SOURCES, undefined);
    }
    if (direction !== "ingress") problems.push(`direction ${show(direction)}`);
    // The parser keeps an unreadable ethertype as "IPv4" and names it in `unreadable`.
    const families: Ethertype[] =
        (ethertype === "IPv4" || ethertype === "IPv6") &&
        !(parsed && /(^|; )ethertype /.test(parsed))
            ? FAMILY[ethertype]
            : [];
    if (families.length === 0 && !parsed) {
        problems.push(`ethertype ${show(ethertype)}`);
    }
    const protocols = memo.protocols;
    let protocol = protocols.get(written);
    if (protocol === undefined && !protocols.has(written)) {
        protocol = readProtocol(written);
        protocols.set(written, protocol);
    }
    if (!protocol) problems.push(`protocol ${show(written)}`);
    const min = readPort(minWritten, 1);
    const max = readPort(maxWritten, 65535);
    // NaN (a port that is no integer) fails every comparison. Another protocol's port fields
    // are not TCP ports, nor always ports: ICMP's are its type and code (echo request: 8 and 0).
    const portsRead = protocol === "other" || (min >= 0 && max <= 65535 && min <= max);
    if (!portsRead) {
        problems.push(`port range ${show(minWritten)}-${show(maxWritten)}`);
    } else if (protocol === "tcp" && absent(minWritten) !== absent(maxWritten)) {
        // One bound alone: neutron/db/securitygroups_db.py `_validate_port_range` refuses it
        // (SecurityGroupInvalidPortRange), and the drivers differ on a stored one: the iptables
        // driver (neutron/agent/linux/iptables_firewall.py `_port_arg`) matches every port when
        // the min is null and writes `6443:None` when the max is, OVN (neutron/common/ovn/acl.py
        // `acl_protocol_and_ports`) leaves the other side open. No reading is certain.
        problems.push(`port range ${show(minWritten)}-${show(maxWritten)} (one bound alone)`);
    }
    const lowest = Math.max(min, 1);
    const ports = portsWithin(protectedPorts, lowest, max);
    // A readable rule of another protocol, or of TCP on no protected port, admits nothing here
    // whatever its remote: its remote is not read (as an egress rule's is not).
    if (
        problems.length === 0 &&
        (protocol === "other" || (protocol === "tcp" && ports.length === 0))
    ) {
        return new Reading(ruleId, undefined, NO_UNRESOLVED, NO_PORTS, NO_SOURCES, undefined);
    }
    const unresolved: string[] = [];
    const sources = readSources(raw, remotes, families, problems, unresolved);

    if (problems.length > 0) {
        const what = problems.join("; ");
        return new Reading(
            ruleId,
            what,
            unresolved,
            protectedPorts,
            (families.length > 0 ? families : BOTH_FAMILIES).map((ethertype) => ({
                ethertype,
                range: rangeOf(ANY_ADDRESS[ethertype]),
                admits: `every ${ethertype} address (unreadable rule)`,
            })),
            `cannot read its ${what}: counted as admitting everything`,
        );
    }
    if (protocol === "tcpEveryPort" || protocol === "all") {
        const reason = everyPortReason(memo, protocol, written);
        return new Reading(ruleId, undefined, unresolved, protectedPorts, sources, reason);
    }
    if (lowest === max) {
        return new Reading(ruleId, undefined, unresolved, ports, sources, portReason(memo, max));
    }
    return new Reading(ruleId, undefined, unresolved, ports, sources, undefined, lowest, max);
}

/**
 * Why a rule of every protocol, or of TCP spelled otherwise, reaches every protected port.
 * Neutron refuses ports on a rule of every protocol; if one has them, the driver's reading is
 * unknown, so they are not trusted to narrow it.
 */
function everyPortReason(
    memo: ReadingMemo,
    protocol: "all" | "tcpEveryPort",
    value: unknown,
): string {
    let reason = memo.everyPort.get(value);
    if (reason === undefined) {
        reason =
            protocol === "all"
                ? `every protocol (protocol ${show(value)}), so every port`
                : `tcp spelled ${show(value)}, to which the iptables driver gives no ports, so every port`;
        memo.everyPort.set(value, reason);
    }
    return reason;
}

/** Why a single-port TCP rule reaches its port. */
function portReason(memo: ReadingMemo, port: number): string {
    let reason = memo.singlePort.get(port);
    if (reason === undefined) {
        reason = `tcp ${port}`;
        memo.singlePort.set(port, reason);
    }
    return reason;
}

/**
 * The protected ports from `min` to `max`: the list itself when all are, else a list of just
 * those (an empty list grown by push takes room for 17).
 */
function portsWithin(protectedPorts: number[], min: number, max: number): number[] {
    let count = 0;
    for (let i = 0; i < protectedPorts.length; i++) {
        if (min <= protectedPorts[i] && protectedPorts[i] <= max) count++;
    }
    if (count === protectedPorts.length) return protectedPorts;
    return count === 0 ? NO_PORTS : protectedPorts.filter((port) => min <= port && port <= max);
}

/**
 * null, "", "any", "0", names mapping to 0, and "0" in any spelling: every protocol ("" is
 * refused, but every protocol is the iptables driver's reading, no `-p`, and the widest). Blanks
 * around a value are not read: neutron/extensions/securitygroup.py `convert_protocol` refuses
 * "tcp ", neutron_lib's `IpProtocolEnum` (objects/common_types.py) " 6 "; stored, the iptables
 * driver matches it on every port (`_port_arg` knows exact names only), OVN reads " 6 " as 6 and
 * refuses "tcp " (acl.py `_get_protocol_number`). TCP spelled otherwise than "tcp" or "6", as
 * Neutron stores it (`convert_protocol` lower-cases names), is TCP on every port: the iptables
 * driver gives ports only to the names it knows (`_port_arg`), so `-p TCP` or `-p 006` matches
 * every TCP port; OVN reads "006" as 6 with its ports and refuses "TCP" (no ACL), both narrower.
 */
function readProtocol(value: unknown): Protocol | undefined {
    if (value === null || value === undefined) return "all";
    const text = typeof value === "number" ? String(value) : value;
    if (typeof text !== "string") return undefined;
    const name = text.toLowerCase();
    if (name === "" || name === "any") return "all";
    const number = protocolNumber(name);
    if (number === undefined || number > 255) return undefined;
    if (number !== 6) return number === 0 ? "all" : "other";
    return text === "tcp" || text === "6" ? "tcp" : "tcpEveryPort";
}

function absent(value: unknown): boolean {
    return value === null || value === undefined;
}

/** A port bound: null or absent is open on that side; anything but an integer is NaN. */
function readPort(value: unknown, open: number): number {
    return absent(value) ? open : Number.isInteger(value) ? (value as number) : NaN;
}
