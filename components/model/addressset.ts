// Sets of addresses as minimal, sorted CIDR lists: union, difference and coverage over IPv4 and
// IPv6, exact to the address. Difference is fast-cidr-tools'; the union sorts and joins CIDRs
// itself (see unionRanges), checked against fast-cidr-tools' merge. Pure: no Pulumi, no I/O.
import { exclude, merge } from "fast-cidr-tools";
import { enforcedPrefix, Ethertype } from "./cidr";
import { sortedByRange } from "./range-order";

/**
 * A CIDR with its first and last address as integers and its prefix length; `cidr` is canonical
 * (RFC 5952 for IPv6).
 */
export interface AddressRange {
    cidr: string;
    ethertype: Ethertype;
    start: bigint;
    end: bigint;
    length: number;
}

export const ANY_ADDRESS: Record<Ethertype, string> = { IPv4: "0.0.0.0/0", IPv6: "::/0" };

const FAMILY_SIZE: Record<Ethertype, bigint> = { IPv4: 1n << 32n, IPv6: 1n << 128n };

/**
 * A canonical CIDR's range (the CIDR must come from cidr.ts or from this module: RFC 5952, so an
 * IPv4 one is four decimal octets). Not fast-cidr-tools' parse, which builds the integer digit by
 * digit and was most of the model's CPU time at 10,000 rules.
 */
export function rangeOf(cidr: string): AddressRange {
    const read = fastRange(cidr);
    if (read?.prefix.cidr !== cidr) {
        throw new Error(`"${cidr}" is not a canonical CIDR`);
    }
    return read.prefix;
}

/**
 * The network a firewall enforces for a stored remote prefix, as ranges: cidr.ts'
 * enforcedPrefix (host bits cleared, an absent length a host route, an IPv4-mapped prefix also
 * as IPv4), read directly for the plain forms that make up almost every rule (dotted quads,
 * hexadecimal IPv6), through enforcedPrefix for the rest. Throws as enforcedPrefix does.
 */
export function enforcedRanges(text: string): { prefix: AddressRange; mappedIpv4?: AddressRange } {
    const read = fastRange(text);
    if (read) return read;
    const { prefix, mappedIpv4 } = enforcedPrefix(text);
    return {
        prefix: rangeOf(prefix.cidr),
        mappedIpv4: mappedIpv4 ? rangeOf(mappedIpv4.cidr) : undefined,
    };
}

/**
 * The union's parts, as parallel lists: `ranges[i]` is a part's CIDR, `items[i]` the values whose
 * range overlaps it.
 */
export interface UnionParts<T> {
    ranges: AddressRange[];
    items: T[][];
}

/**
 * The minimal sorted CIDR list covering exactly the union of `ranges` (all of one family), and
 * for each part the values (`values[i]` goes with `ranges[i]`) whose range overlaps it, ordered
 * by first address, widest first, equal ranges in their order. Parallel lists, not one object
 * per range or per part: a preview unions 10,000s of ranges once, in a cold process, where every
 * object that outlives a scavenge is copied.
 *
 * The ranges are cut into runs of overlapping or adjacent ranges (a sort and one pass); a run's
 * union is its outer ranges (those no other range of the run contains), joined where two are
 * one CIDR's halves (joinedSiblings). Not fast-cidr-tools' merge: it keys a Map by BigInt, which
 * V8 hashes so poorly for IPv6 networks (zero low bits) that 5,000 /64s take seconds.
 */
export function unionRanges<T>(ranges: AddressRange[], values: T[]): UnionParts<T> {
    const sorted = sortedByRange(ranges, values);
    const byStart = sorted.ranges;
    // Read once: until V8 optimizes this loop, each field read is a call of its own.
    const count = byStart.length;
    const parts: UnionParts<T> = { ranges: [], items: [] };
    let i = 0;
    while (i < count) {
        const first = i;
        const firstRange = byStart[i];
        // Set only when the run has several outer ranges (adjacent CIDRs), to be merged.
        let outer: AddressRange[] | undefined;
        // The first address after the run (a BigInt sum allocates: made once per extension).
        let after = firstRange.end + 1n;
        i++;
        while (i < count) {
            const range = byStart[i];
            if (range.start > after) break;
            const end = range.end;
            if (end >= after) {
                outer ??= [firstRange];
                outer.push(range);
                after = end + 1n;
            }
            i++;
        }
        if (outer === undefined) {
            // One outer range (most runs, in a fragmented exposure): the part, holding the run.
            parts.ranges.push(firstRange);
            parts.items.push(sorted.values.slice(first, i));
        } else {
            mergedRunParts(outer, sorted, first, i, parts);
        }
    }
    return parts;
}

/**
 * The parts of a run of several outer ranges (adjacent CIDRs, `sorted[first..end)`): their
 * minimal CIDR list, each with the run's values whose range overlaps it. Apart from
 * unionRanges' loop, which this rare case would otherwise deoptimize, each time compiled again.
 */
function mergedRunParts<T>(
    outer: AddressRange[],
    sorted: { ranges: AddressRange[]; values: T[] },
    first: number,
    end: number,
    parts: UnionParts<T>,
): void {
    const merged = joinedSiblings(outer);
    const items: T[][] = merged.map(() => []);
    for (let r = first; r < end; r++) {
        const range = sorted.ranges[r];
        // Parts are disjoint and sorted: the first one ending at or after the range's start.
        let lo = 0;
        let hi = merged.length - 1;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (merged[mid].end < range.start) lo = mid + 1;
            else hi = mid;
        }
        for (let p = lo; p < merged.length && merged[p].start <= range.end; p++) {
            items[p].push(sorted.values[r]);
        }
    }
    for (let p = 0; p < merged.length; p++) {
        parts.ranges.push(merged[p]);
        parts.items.push(items[p]);
    }
}

/**
 * The minimal CIDR list of a run's outer ranges. They are CIDRs that follow each other with no
 * gap or overlap (CIDRs nest or are apart, and each outer range starts where the run ended), and
 * such a list is minimal when no two neighbours are the halves of one CIDR: in a CIDR the list
 * splits, its smallest piece's other half is one piece of the list, next to it. So neighbouring
 * halves are joined while any are. Not fast-cidr-tools' merge (a tenth of the model's first
 * call, reading each CIDR from text again), which is its reference in addressset-runs.test.ts.
 */
function joinedSiblings(outer: AddressRange[]): AddressRange[] {
    const joined: AddressRange[] = [];
    for (let o = 0; o < outer.length; o++) {
        let range = outer[o];
        while (joined.length > 0 && halves(joined[joined.length - 1], range)) {
            const lower = joined.pop()!;
            // The lower half's address, aligned to the whole: the same text, one bit shorter.
            const slash = lower.cidr.lastIndexOf("/");
            range = rangeOf(`${lower.cidr.slice(0, slash)}/${lower.length - 1}`);
        }
        joined.push(range);
    }
    return joined;
}

/**
 * True when `lower` and `upper`, which follows it with no gap, are the two halves of one CIDR:
 * of one length, and `lower` starts where a CIDR twice its size does.
 */
function halves(lower: AddressRange, upper: AddressRange): boolean {
    return (
        lower.length === upper.length && lower.start % ((lower.end - lower.start + 1n) * 2n) === 0n
    );
}

/** `range` minus `removed` (any CIDRs of its family), as a minimal sorted CIDR list. */
export function subtractRanges(range: AddressRange, removed: AddressRange[]): AddressRange[] {
    const relevant = removed.filter((r) => r.start <= range.end && r.end >= range.start);
    if (relevant.some((r) => r.start <= range.start && r.end >= range.end)) {
        return [];
    }
    if (relevant.length === 0) {
        return [range];
    }
    // Every relevant CIDR lies inside `range` (CIDRs nest or are disjoint).
    const rest = exclude(
        [range.cidr],
        relevant.map((r) => r.cidr),
        true,
    );
    const pieces = rest.map(canonicalRange);
    return pieces.length <= 1
        ? pieces
        : merge(
              pieces.map((r) => r.cidr),
              true,
          ).map(canonicalRange);
}

/**
 * True when the CIDRs of `ethertype` among `cidrs` together cover every address of that family
 * (0.0.0.0/1 + 128.0.0.0/1 does). Host bits are cleared as a firewall does; an IPv4-mapped IPv6
 * prefix counts as IPv4 too. Throws naming the first text that is no address or CIDR.
 */
export function coversWholeFamily(cidrs: string[], ethertype: Ethertype): boolean {
    const ranges: AddressRange[] = [];
    for (const text of cidrs) {
        const { prefix, mappedIpv4 } = enforcedRanges(text);
        ranges.push(prefix);
        if (mappedIpv4) ranges.push(mappedIpv4);
    }
    return rangesCoverFamily(ranges, ethertype);
}

/** coversWholeFamily for ranges already read; those of the other family are left out. */
export function rangesCoverFamily(ranges: AddressRange[], ethertype: Ethertype): boolean {
    const own = ranges.filter((range) => range.ethertype === ethertype);
    const parts = unionRanges(own, own).ranges;
    return parts.length === 1 && parts[0].cidr === ANY_ADDRESS[ethertype];
}

/** The share of the family the ranges cover (0 to 1); the ranges must be disjoint. */
export function familyShare(ranges: AddressRange[], ethertype: Ethertype): number {
    const total = ranges.reduce((sum, r) => sum + (r.end - r.start + 1n), 0n);
    // Scaled down first: Number() of a 128-bit BigInt loses only precision, never range.
    return Number((total * 1_000_000n) / FAMILY_SIZE[ethertype]) / 1_000_000;
}

/**
 * fast-cidr-tools prints IPv6 its own way, and reads back wrongly some of what it prints
 * (`1:2:3:4:5:6:7::`, a single zero group compressed): its output is rewritten in RFC 5952, as
 * ipaddr.js writes it, before anything reads it again.
 */
function canonicalRange(cidr: string): AddressRange {
    const read = fastRange(cidr);
    if (!read) throw new Error(`fast-cidr-tools printed "${cidr}", which is no CIDR`);
    return read.prefix;
}

/**
 * A dotted quad, a hexadecimal IPv6 address (at most one `::`, no zone) or `::ffff:` and a
 * dotted quad, with an optional length of 1 to 3 digits, read as cidr.ts' enforcedPrefix reads
 * it: the network (host bits cleared) with its canonical text, and for an IPv4-mapped prefix of
 * /96 or longer its IPv4 network too. Undefined for any other text (cidr.ts reads or refuses it).
 * Read by regular expressions, not character by character: a loop over characters run for
 * 10,000s of rules is compiled by V8's optimizing compiler, which cost more than the reading.
 */
function fastRange(text: string): { prefix: AddressRange; mappedIpv4?: AddressRange } | undefined {
    if (text.length > LONGEST) return undefined;
    const v4 = IPV4_TEXT.exec(text);
    if (v4 !== null) {
        const length = v4[5] === undefined ? 32 : Number(v4[5]);
        if (length > 32) return undefined;
        // Stored canonical (no host bits, the length as written without leading zero), as most
        // rules are: the text itself is the CIDR, and no new string is made.
        const canonical = v4[5] !== undefined && (v4[5].length === 1 || v4[5][0] !== "0");
        return { prefix: ipv4Range(octets(v4), length, canonical ? text : undefined) };
    }
    return ipv6Ranges(text);
}

/** fastRange's IPv6 forms, apart: most rules are IPv4, and V8 compiles each function alone. */
function ipv6Ranges(text: string): { prefix: AddressRange; mappedIpv4?: AddressRange } | undefined {
    let groups: number[] | undefined;
    let lengthText: string | undefined;
    const mapped = MAPPED_TEXT.exec(text);
    if (mapped !== null) {
        const address = octets(mapped);
        groups = [0, 0, 0, 0, 0, 0xffff, address >>> 16, address & 0xffff];
        lengthText = mapped[5];
    } else {
        const v6 = IPV6_TEXT.exec(text);
        if (v6 === null) return undefined;
        groups = hexGroups(v6[1], v6[2] !== undefined, v6[3]);
        lengthText = v6[4];
    }
    if (groups === undefined) return undefined;
    const length = lengthText === undefined ? 128 : Number(lengthText);
    if (length > 128) return undefined;
    const isMapped =
        groups[5] === 0xffff && (groups[0] | groups[1] | groups[2] | groups[3] | groups[4]) === 0;
    // Host bits cleared: the group the length ends in keeps its high bits, the ones after it none.
    for (let i = length >> 4; i < 8; i++) {
        groups[i] &= i === length >> 4 ? (0xffff << (16 - (length & 15))) & 0xffff : 0;
    }
    // In three Numbers of at most 48 bits (exact), so that only three BigInts are made.
    const start =
        (BigInt(groups[0] * 2 ** 32 + groups[1] * 2 ** 16 + groups[2]) << 80n) |
        (BigInt(groups[3] * 2 ** 32 + groups[4] * 2 ** 16 + groups[5]) << 32n) |
        BigInt(groups[6] * 2 ** 16 + groups[7]);
    const prefix: AddressRange = {
        cidr: rfc5952(groups, length),
        ethertype: "IPv6",
        start,
        end: start + IPV6_HOSTS[length],
        length,
    };
    if (!isMapped) return { prefix };
    return length >= 96
        ? { prefix, mappedIpv4: ipv4Range(groups[6] * 2 ** 16 + groups[7], length - 96) }
        : { prefix };
}

/** `text`: the address's own text when it is canonical, used as the CIDR if it has no host bits. */
function ipv4Range(address: number, length: number, text?: string): AddressRange {
    const size = 2 ** (32 - length);
    const network = address - (address % size);
    const cidr =
        text !== undefined && network === address
            ? text
            : `${network >>> 24}.${(network >>> 16) & 255}.${(network >>> 8) & 255}.${network & 255}/${length}`;
    return {
        cidr,
        ethertype: "IPv4",
        start: BigInt(network),
        end: BigInt(network + size - 1),
        length,
    };
}

// What cidr.ts accepts: octets without leading zero, groups of 1 to 4 hexadecimal digits, a
// length of 1 to 3 digits. ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d`: only the latter
// spelling of a mapped address is read here, the others by cidr.ts.
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const QUAD = `${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}`;
const LENGTH = "(?:\\/(\\d{1,3}))?$";
const GROUPS = "[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*";
const IPV4_TEXT = new RegExp(`^${QUAD}${LENGTH}`);
const MAPPED_TEXT = new RegExp(`^::ffff:${QUAD}${LENGTH}`, "i");
const IPV6_TEXT = new RegExp(`^(${GROUPS})?(::)?(${GROUPS})?${LENGTH}`, "i");
/** The longest text these read: 8 groups of 4 digits and a length of 3. */
const LONGEST = 43;

/** The last address of an IPv6 prefix of each length minus its first. */
const IPV6_HOSTS = Array.from({ length: 129 }, (_, l) => (1n << BigInt(128 - l)) - 1n);

/** The four octets of a match of QUAD (groups 1 to 4) as an unsigned integer. */
function octets(match: RegExpExecArray): number {
    return (
        ((Number(match[1]) * 256 + Number(match[2])) * 256 + Number(match[3])) * 256 +
        Number(match[4])
    );
}

/**
 * The eight groups of an IPv6 address from the groups before and after `::` (`gap`), or
 * undefined when they are not eight (or fewer than eight around a `::`).
 */
function hexGroups(
    head: string | undefined,
    gap: boolean,
    tail: string | undefined,
): number[] | undefined {
    const before = head === undefined ? [] : head.split(":");
    const after = tail === undefined ? [] : tail.split(":");
    // Without `::`, a "tail" is a head group cut short by the expression's backtracking.
    if (gap ? before.length + after.length > 7 : after.length > 0 || before.length !== 8) {
        return undefined;
    }
    const groups = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < before.length; i++) groups[i] = parseInt(before[i], 16);
    for (let i = 0; i < after.length; i++) groups[8 - after.length + i] = parseInt(after[i], 16);
    return groups;
}

/**
 * A prefix as ipaddr.js prints IPv6, with its length: lower-case groups, the first longest run
 * of 2+ zero groups as `::`. Joined, not concatenated: V8 makes a string built by `+` of 13 or
 * more characters a rope, a few objects per address that outlive the call.
 */
function rfc5952(groups: number[], length: number): string {
    let bestAt = -1;
    let bestLength = 1;
    for (let i = 0; i < 8;) {
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > bestLength) {
            bestAt = i;
            bestLength = j - i;
        }
        i = j === i ? i + 1 : j;
    }
    // The run becomes an empty field between its neighbours' colons (two at either end).
    const fields: string[] = [];
    for (let i = 0; i < 8; i++) {
        if (i === bestAt) {
            fields.push("");
            if (i === 0) fields.push("");
            i += bestLength - 1;
            if (i === 7) fields.push("");
        } else {
            fields.push(groups[i].toString(16));
        }
    }
    // The last field and the length are short: one flat string, not a rope.
    fields[fields.length - 1] += `/${length}`;
    return fields.join(":");
}
