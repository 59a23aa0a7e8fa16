// Copied from components/model/addressset.ts by `npm run policy:shared`: edit the original.
// Sets of addresses as minimal, sorted CIDR lists: union, difference and coverage over IPv4 and
// IPv6, exact to the address. The CIDR arithmetic is fast-cidr-tools'; what is here only groups
// the inputs so that each of its calls stays small (see unionRanges). Pure: no Pulumi, no I/O.
import * as ipaddr from "ipaddr.js";
import { exclude, merge } from "fast-cidr-tools";
import { enforcedPrefix, Ethertype } from "./cidr";

/** A CIDR with its first and last address as integers; `cidr` is canonical (RFC 5952 for IPv6). */
export interface AddressRange {
    cidr: string;
    ethertype: Ethertype;
    start: bigint;
    end: bigint;
}

export const ANY_ADDRESS: Record<Ethertype, string> = { IPv4: "0.0.0.0/0", IPv6: "::/0" };

const FAMILY_SIZE: Record<Ethertype, bigint> = { IPv4: 1n << 32n, IPv6: 1n << 128n };

/**
 * A canonical CIDR's range (the CIDR must come from cidr.ts or from this module: RFC 5952, so an
 * IPv4 one is four decimal octets). Not fast-cidr-tools' parse, which builds the integer digit by
 * digit and was most of the model's CPU time at 10,000 rules.
 */
export function rangeOf(cidr: string): AddressRange {
    const slash = cidr.indexOf("/");
    const address = cidr.slice(0, slash);
    const length = Number(cidr.slice(slash + 1));
    if (!address.includes(":")) {
        const [a, b, c, d] = address.split(".").map(Number);
        const start = BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d);
        return { cidr, ethertype: "IPv4", start, end: start + (1n << BigInt(32 - length)) - 1n };
    }
    const parts = (ipaddr.parse(address) as ipaddr.IPv6).parts;
    let start = 0n;
    for (let i = 0; i < 8; i += 2) {
        start = (start << 32n) | BigInt(parts[i] * 65536 + parts[i + 1]);
    }
    return { cidr, ethertype: "IPv6", start, end: start + (1n << BigInt(128 - length)) - 1n };
}

/**
 * The minimal sorted CIDR list covering exactly the union of `items`, and for each part the
 * items that overlap it. All items must be of one family.
 *
 * fast-cidr-tools' merge keys a Map by BigInt, which V8 hashes so poorly for IPv6 networks
 * (zero low bits) that 5,000 /64s take seconds; so the items are first cut into runs of
 * overlapping or adjacent ranges (a sort and one pass), and merge sees one run at a time, with
 * only the items no other item of the run contains.
 */
export function unionRanges<T extends { range: AddressRange }>(
    items: T[],
): { range: AddressRange; items: T[] }[] {
    const sorted = [...items].sort(
        (a, b) => compare(a.range.start, b.range.start) || compare(b.range.end, a.range.end),
    );
    const parts: { range: AddressRange; items: T[] }[] = [];
    let i = 0;
    while (i < sorted.length) {
        const run: T[] = [sorted[i]];
        const outer: string[] = [sorted[i].range.cidr];
        let runEnd = sorted[i].range.end;
        i++;
        while (i < sorted.length && sorted[i].range.start <= runEnd + 1n) {
            if (sorted[i].range.end > runEnd) {
                outer.push(sorted[i].range.cidr);
                runEnd = sorted[i].range.end;
            }
            run.push(sorted[i]);
            i++;
        }
        const runParts = (outer.length === 1 ? outer : merge(outer, true)).map((cidr) => ({
            range: canonicalRange(cidr),
            items: [] as T[],
        }));
        for (const item of run) {
            // Parts are disjoint and sorted: the first one ending at or after the item's start.
            let lo = 0;
            let hi = runParts.length - 1;
            while (lo < hi) {
                const mid = (lo + hi) >> 1;
                if (runParts[mid].range.end < item.range.start) lo = mid + 1;
                else hi = mid;
            }
            for (
                let p = lo;
                p < runParts.length && runParts[p].range.start <= item.range.end;
                p++
            ) {
                runParts[p].items.push(item);
            }
        }
        parts.push(...runParts);
    }
    return parts;
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
    const ranges: { range: AddressRange }[] = [];
    for (const text of cidrs) {
        const { prefix, mappedIpv4 } = enforcedPrefix(text);
        for (const p of [prefix, mappedIpv4]) {
            if (p && p.ethertype === ethertype) {
                ranges.push({ range: rangeOf(p.cidr) });
            }
        }
    }
    const parts = unionRanges(ranges);
    return parts.length === 1 && parts[0].range.cidr === ANY_ADDRESS[ethertype];
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
    const [address, length] = cidr.split("/");
    return rangeOf(`${ipaddr.parse(address).toString()}/${length}`);
}

function compare(a: bigint, b: bigint): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
