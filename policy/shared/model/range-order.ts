// Copied from components/model/range-order.ts by `npm run policy:shared`: edit the original.
// The order the union of address ranges reads them in (components/model/addressset.ts
// unionRanges): by first address, widest first, equal ranges in their order, sorted by native
// keys rather than a comparator. Pure: no Pulumi, no I/O.
import type { AddressRange } from "./addressset";

/**
 * `ranges` (of one family) by first address, then widest first, equal ranges in their order,
 * with their values moved alike. A comparator sort was a quarter of the model's first call:
 * IPv4 ranges (most of them) are sorted natively by exact packed keys (sortedIpv4); otherwise
 * the ranges are grouped by a Number key that orders them (first address and length, exact for
 * IPv4; the first address rounded, never out of order, for IPv6), the distinct keys sorted
 * natively, and only an IPv6 group of several distinct ranges compared. A group is chained by
 * index, not listed: most keys have one range.
 */
export function sortedByRange<T>(
    ranges: AddressRange[],
    values: T[],
): { ranges: AddressRange[]; values: T[] } {
    const ipv4 = ranges.length <= PACKED_INDEXES ? sortedIpv4(ranges, values) : undefined;
    if (ipv4 !== undefined) return ipv4;
    const last = new Map<number, number>();
    // The index of the previous range of the same key, or -1.
    const previous = new Int32Array(ranges.length);
    for (let i = 0; i < ranges.length; i++) {
        const range = ranges[i];
        const key =
            range.ethertype === "IPv4"
                ? Number(range.start) * 64 + range.length
                : Number(range.start);
        const before = last.get(key);
        previous[i] = before === undefined ? -1 : before;
        last.set(key, i);
    }
    const keys = new Float64Array(last.size);
    let k = 0;
    // forEach, not an iterator: a cold process makes an object per iterator step.
    last.forEach((_, key) => (keys[k++] = key));
    keys.sort();
    // Of the exact size, filled in place: a list grown by push is copied as it grows.
    const sorted = { ranges: ranges.slice(), values: values.slice() };
    let at = 0;
    for (k = 0; k < keys.length; k++) {
        // The key's ranges were chained last first: counted, then written back to front.
        const tail = last.get(keys[k])!;
        let count = 0;
        for (let i = tail; i !== -1; i = previous[i]) count++;
        let to = at + count;
        for (let i = tail; i !== -1; i = previous[i]) {
            to--;
            sorted.ranges[to] = ranges[i];
            sorted.values[to] = values[i];
        }
        if (count > 1 && ranges[tail].ethertype === "IPv6") orderGroup(sorted, at, at + count);
        at += count;
    }
    return sorted;
}

/** How many IPv4 ranges sortedIpv4 can index: its keys stay below 2^53 (exact doubles). */
const PACKED_INDEXES = 2 ** 15;

/**
 * IPv4 ranges (at most PACKED_INDEXES) in one native sort, with no map: each key is exact and
 * unique, the first address, the length and the index packed in one double ((start * 33 +
 * length) * 2^15 + index < 2^53), so equal ranges keep their order. Undefined when a range is
 * IPv6 (its keys would not be exact).
 */
function sortedIpv4<T>(
    ranges: AddressRange[],
    values: T[],
): { ranges: AddressRange[]; values: T[] } | undefined {
    const keys = new Float64Array(ranges.length);
    for (let i = 0; i < ranges.length; i++) {
        const range = ranges[i];
        if (range.ethertype !== "IPv4") return undefined;
        keys[i] = (Number(range.start) * 33 + range.length) * PACKED_INDEXES + i;
    }
    keys.sort();
    const sorted = { ranges: ranges.slice(), values: values.slice() };
    for (let k = 0; k < keys.length; k++) {
        const i = keys[k] % PACKED_INDEXES;
        sorted.ranges[k] = ranges[i];
        sorted.values[k] = values[i];
    }
    return sorted;
}

/**
 * Orders `sorted[from..to)`, one rounded IPv6 key, unless its ranges are all one (as when many
 * rules name one remote group's members); equal ranges keep their order (a stable sort).
 */
function orderGroup<T>(
    sorted: { ranges: AddressRange[]; values: T[] },
    from: number,
    to: number,
): void {
    const { start, end } = sorted.ranges[from];
    let same = true;
    for (let i = from + 1; i < to && same; i++) {
        same = sorted.ranges[i].start === start && sorted.ranges[i].end === end;
    }
    if (same) return;
    const group: { range: AddressRange; value: T }[] = [];
    for (let i = from; i < to; i++)
        group.push({ range: sorted.ranges[i], value: sorted.values[i] });
    group.sort(
        (x, y) => compare(x.range.start, y.range.start) || compare(y.range.end, x.range.end),
    );
    for (let i = from; i < to; i++) {
        sorted.ranges[i] = group[i - from].range;
        sorted.values[i] = group[i - from].value;
    }
}

function compare(a: bigint, b: bigint): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
