// The union's reading order (range-order.ts) against a comparator sort: by first address, widest
// first, equal ranges in their order, values moved alike; IPv4 through packed keys up to the
// packing's limit and by grouped keys beyond it, IPv6 by grouped keys. Lists of one family, as
// unionRanges takes them.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { AddressRange, enforcedRanges, rangeOf } from "../../components/model/addressset";
import { sortedByRange } from "../../components/model/range-order";

/** The order expected, by a plain stable comparator sort of the indexes. */
function expected(ranges: AddressRange[]): number[] {
    const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    return ranges
        .map((range, index) => ({ range, index }))
        .sort(
            (x, y) =>
                compare(x.range.start, y.range.start) ||
                compare(y.range.end, x.range.end) ||
                x.index - y.index,
        )
        .map((x) => x.index);
}

function check(ranges: AddressRange[]): void {
    const indexes = ranges.map((_, i) => i);
    const sorted = sortedByRange(ranges, indexes);
    const order = expected(ranges);
    assert.deepEqual(sorted.values, order);
    assert.deepEqual(
        sorted.ranges,
        order.map((i) => ranges[i]),
    );
}

const ipv4 = fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
    .map(([address, length]) => {
        const size = 2 ** (32 - length);
        const network = address - (address % size);
        const quad = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256);
        return rangeOf(`${quad.join(".")}/${length}`);
    });
const ipv6 = fc
    .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }))
    .map(([address, length]) => {
        const network = (address >> BigInt(128 - length)) << BigInt(128 - length);
        const hex = network.toString(16).padStart(32, "0").match(/.{4}/g)!;
        const text = hex.map((g) => g.replace(/^0+(?=.)/, "")).join(":");
        return enforcedRanges(`${text}/${length}`).prefix;
    });

describe("range order: the union's reading order", () => {
    it("orders IPv4 and IPv6 lists as a stable comparator sort does", () => {
        // Few distinct ranges among many, so equal ranges and equal starts occur.
        const pick = <T>(pool: fc.Arbitrary<T>) =>
            fc
                .array(pool, { minLength: 1, maxLength: 8 })
                .chain((distinct) =>
                    fc.array(fc.constantFrom(...distinct), { minLength: 0, maxLength: 40 }),
                );
        fc.assert(
            fc.property(fc.oneof(pick(ipv4), pick(ipv6)), (ranges) => check(ranges)),
            { numRuns: 600 },
        );
    });

    it("orders IPv4 lists at and beyond the packed keys' limit (2^15 ranges) alike", () => {
        // Nested and equal ranges of a few /16s: equal starts of several lengths, repeated.
        const texts = (n: number) =>
            Array.from({ length: n }, (_, i) => {
                const length = [16, 24, 32, 24][i % 4];
                const third = length === 16 ? 0 : (i * 7) % 256;
                const fourth = length === 32 ? (i * 13) % 256 : 0;
                return `10.${i % 3}.${third}.${fourth}/${length}`;
            });
        for (const n of [2 ** 15, 2 ** 15 + 1]) {
            const ranges = texts(n).map(rangeOf);
            check(ranges);
        }
    });
});
