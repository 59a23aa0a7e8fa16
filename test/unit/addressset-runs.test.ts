// The union of runs of adjacent CIDRs (addressset.ts unionRanges, its neighbouring halves joined)
// against fast-cidr-tools' merge, anywhere in either family, and the joins that cascade up to a
// whole family. The brute-force check of the union in a small space is addressset-parse.test.ts.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { merge } from "fast-cidr-tools";
import { enforcedRanges, rangeOf, unionRanges } from "../../components/model/addressset";
import { partsOf } from "../support/union-parts";

const union = (cidrs: string[]) =>
    partsOf(unionRanges(cidrs.map(rangeOf), cidrs)).map((p) => ({
        cidr: p.range.cidr,
        from: p.items,
    }));

/** fast-cidr-tools' minimal list, in the model's canonical text. */
const merged = (cidrs: string[]) => merge(cidrs, true).map((c) => enforcedRanges(c).prefix.cidr);

const FAMILIES = {
    IPv4: {
        bits: 32,
        text: (n: bigint) => [24n, 16n, 8n, 0n].map((s) => (n >> s) & 255n).join("."),
    },
    IPv6: {
        bits: 128,
        text: (n: bigint) =>
            Array.from({ length: 8 }, (_, i) =>
                ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16),
            ).join(":"),
    },
};

/**
 * CIDRs that follow each other with no gap, from an address aligned to the first one: each next
 * length is drawn from those whose CIDR starts where the last ended. Lengths near the family's
 * end, so that halves and their wholes meet often.
 */
const adjacent = (family: "IPv4" | "IPv6") =>
    fc
        .tuple(
            fc.bigInt({ min: 0n, max: (1n << BigInt(FAMILIES[family].bits)) - 1n }),
            fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 2, maxLength: 24 }),
        )
        .map(([seed, draws]) => {
            const { bits, text } = FAMILIES[family];
            const top = 1n << BigInt(bits);
            const cidrs: string[] = [];
            // Room for 24 CIDRs of 2^10 addresses after the start: the run never passes the family's end.
            let at = (seed >> 15n) << 15n;
            if (at + (1n << 15n) > top) at = top - (1n << 15n);
            for (const draw of draws) {
                // The largest CIDR starting at `at` has as many host bits as `at` has zero low bits.
                let free = 0;
                while (free < 10 && ((at >> BigInt(free)) & 1n) === 0n) free++;
                const hostBits = Math.min(draw, free);
                cidrs.push(`${text(at)}/${bits - hostBits}`);
                at += 1n << BigInt(hostBits);
            }
            return cidrs.map((c) => enforcedRanges(c).prefix.cidr);
        });

describe("address sets: runs of adjacent CIDRs", () => {
    for (const family of ["IPv4", "IPv6"] as const) {
        it(`joins adjacent ${family} CIDRs as fast-cidr-tools' merge does, each part naming its own`, () => {
            fc.assert(
                fc.property(adjacent(family), (cidrs) => {
                    const parts = union(cidrs);
                    assert.deepEqual(
                        parts.map((p) => p.cidr),
                        merged(cidrs),
                    );
                    // Each input lies in exactly one part: the one that holds its first address.
                    assert.deepEqual(
                        parts.flatMap((p) => p.from),
                        cidrs,
                    );
                    for (const part of parts) {
                        const range = rangeOf(part.cidr);
                        for (const cidr of part.from) {
                            const r = rangeOf(cidr);
                            assert.ok(
                                range.start <= r.start && r.end <= range.end,
                                `${cidr} in ${part.cidr}`,
                            );
                        }
                    }
                }),
                { numRuns: 400 },
            );
        });
    }

    it("joins halves again as long as the whole meets its own other half, up to a whole family", () => {
        const quarters = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"];
        assert.deepEqual(union(quarters), [{ cidr: "0.0.0.0/0", from: quarters }]);
        assert.deepEqual(union(["::/1", "8000::/1"]), [
            { cidr: "::/0", from: ["::/1", "8000::/1"] },
        ]);
        const hosts = Array.from({ length: 256 }, (_, i) => `10.0.0.${i}/32`);
        assert.deepEqual(union(hosts), [{ cidr: "10.0.0.0/24", from: hosts }]);
        // Neighbours of one length that are not one CIDR's halves stay apart.
        assert.deepEqual(
            union(["10.0.1.0/24", "10.0.2.0/24"]).map((p) => p.cidr),
            ["10.0.1.0/24", "10.0.2.0/24"],
        );
        // A half joined with a smaller neighbour's whole: /25 + /26 + /26 is one /24.
        assert.deepEqual(
            union(["10.0.0.0/25", "10.0.0.128/26", "10.0.0.192/26"]).map((p) => p.cidr),
            ["10.0.0.0/24"],
        );
        // Halves out of alignment: 10.0.0.1/32 and 10.0.0.2/32 are not 10.0.0.0/31's.
        assert.deepEqual(
            union(["10.0.0.1/32", "10.0.0.2/32"]).map((p) => p.cidr),
            ["10.0.0.1/32", "10.0.0.2/32"],
        );
        assert.deepEqual(
            union(["2001:db8::/64", "2001:db8:0:1::/64", "2001:db8:0:2::/63"]).map((p) => p.cidr),
            ["2001:db8::/62"],
        );
    });
});
