// The address set against independent oracles: its own reading of stored prefixes against cidr.ts'
// enforcedPrefix (ipaddr.js), for every text the same ranges, canonical text, or error; union and
// difference against brute-force membership over a 256-address space of each family.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import * as ipaddr from "ipaddr.js";
import {
    enforcedRanges,
    rangeOf,
    subtractRanges,
    unionRanges,
} from "../../components/model/addressset";
import { partsOf } from "../support/union-parts";
import { enforcedPrefix } from "../../components/model/cidr";

/** What cidr.ts makes of a text, as ranges worked out with ipaddr.js, or its error message. */
function oracle(text: string): object {
    let read: ReturnType<typeof enforcedPrefix>;
    try {
        read = enforcedPrefix(text);
    } catch (err) {
        return { error: (err as Error).message };
    }
    const asRange = (cidr: string) => {
        const [address, length] = ipaddr.parseCIDR(cidr);
        const bits = address.kind() === "ipv4" ? 32 : 128;
        const start = address.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
        return {
            cidr,
            ethertype: address.kind() === "ipv4" ? "IPv4" : "IPv6",
            start,
            end: start + (1n << BigInt(bits - length)) - 1n,
            length,
        };
    };
    return read.mappedIpv4
        ? { prefix: asRange(read.prefix.cidr), mappedIpv4: asRange(read.mappedIpv4.cidr) }
        : { prefix: asRange(read.prefix.cidr) };
}

function reading(text: string): object {
    try {
        const { prefix, mappedIpv4 } = enforcedRanges(text);
        return mappedIpv4 ? { prefix, mappedIpv4 } : { prefix };
    } catch (err) {
        return { error: (err as Error).message };
    }
}

/** Mostly well-formed texts, each piece sometimes broken, so both readings and errors show. */
const hexGroup = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)) },
    { weight: 3, arbitrary: fc.constantFrom("0", "0", "00", "0000", "FFFF", "dB8", "ffff") },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-fA-Fg]{0,5}$/) },
);
const ipv6Text = fc
    .tuple(
        fc.oneof(
            { weight: 4, arbitrary: fc.array(hexGroup, { minLength: 8, maxLength: 8 }) },
            { weight: 1, arbitrary: fc.array(hexGroup, { minLength: 0, maxLength: 9 }) },
        ),
        fc.integer({ min: -3, max: 8 }),
    )
    .map(([groups, gap]) => {
        if (gap < 0) return groups.join(":");
        // A "::" standing for at least one group, sometimes for none.
        const kept = groups.slice(0, Math.max(0, groups.length - 1 - (gap % 3)));
        const at = Math.min(gap, kept.length);
        return `${kept.slice(0, at).join(":")}::${kept.slice(at).join(":")}`;
    });
const octet = fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0, max: 255 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom("00", "01", "010", "256", "999", "1000", "", "x") },
);
const ipv4Text = fc
    .oneof(
        { weight: 6, arbitrary: fc.array(octet, { minLength: 4, maxLength: 4 }) },
        { weight: 1, arbitrary: fc.array(octet, { minLength: 3, maxLength: 5 }) },
    )
    .map((octets) => octets.join("."));
const mappedText = fc
    .tuple(fc.constantFrom("::ffff:", "::FFFF:", "0:0:0:0:0:ffff:", "::"), ipv4Text)
    .map(([head, v4]) => head + v4);
const lengthText = fc.oneof(
    { weight: 2, arbitrary: fc.constant("") },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 33 }).map((n) => `/${n}`) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 130 }).map((n) => `/${n}`) },
    {
        weight: 1,
        arbitrary: fc.constantFrom("/", "/00", "/08", "/032", "/0128", "/-1", "/x", "/ 24", "/1/2"),
    },
);
const text = fc
    .tuple(
        fc.oneof(
            { weight: 4, arbitrary: ipv4Text },
            { weight: 4, arbitrary: ipv6Text },
            { weight: 1, arbitrary: mappedText },
            { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
        ),
        lengthText,
        fc.constantFrom("", "", "", "", "", "", " ", "%eth0"),
    )
    .map(([address, length, tail]) =>
        tail === "%eth0" ? address + tail + length : address + length + tail,
    );

describe("address sets: reading stored prefixes", () => {
    it("reads every text as cidr.ts does: the same network, canonical text, or error", () => {
        fc.assert(
            fc.property(text, (t) => {
                assert.deepEqual(reading(t), oracle(t), t);
            }),
            { numRuns: 4000 },
        );
    });

    it("reads the plain forms to their network, and mapped ones in both families", () => {
        assert.deepEqual(enforcedRanges("198.51.100.9/24").prefix, {
            cidr: "198.51.100.0/24",
            ethertype: "IPv4",
            start: 0xc6336400n,
            end: 0xc63364ffn,
            length: 24,
        });
        assert.deepEqual(enforcedRanges("2001:DB8:0:0:1:0:0:1/127").prefix, {
            cidr: "2001:db8:0:0:1::/127",
            ethertype: "IPv6",
            start: 0x20010db8000000000001000000000000n,
            end: 0x20010db8000000000001000000000001n,
            length: 127,
        });
        assert.equal(enforcedRanges("1:0:0:2:0:0:0:3").prefix.cidr, "1:0:0:2::3/128");
        assert.equal(enforcedRanges("1:2:3:4:5:6:7::").prefix.cidr, "1:2:3:4:5:6:7:0/128");
        assert.equal(enforcedRanges("0.0.0.0/0").prefix.end, 0xffffffffn);
        const mapped = enforcedRanges("::ffff:c000:201/120");
        assert.equal(mapped.prefix.cidr, "::ffff:c000:200/120");
        assert.equal(mapped.mappedIpv4?.cidr, "192.0.2.0/24");
        assert.throws(() => enforcedRanges("10.0.0.01/32"), /not a dotted-quad IPv4 address/);
        assert.throws(() => enforcedRanges("2001:db8::/129"), /prefix length above \/128/);
    });

    it("reads the edges of each form as cidr.ts does", () => {
        const edges = [
            ...["10.0.0.0/08", "10.0.0.0/032", "10.0.0.0/010", "10.0.0.0/8", "10.0.0.0/10"],
            ...["10..0.1", "01.1.1.1", "1.2.3.4.", "1.2.3", "256.1.1.1", "1.2.3.4/", "1.2.3.4/33"],
            ...["1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8", "12345::", "1:", ":1", "1:::2", "::"],
            ...["1::", "::1", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:0:0:2:0:0:3:4"],
            ...["1:0:2:0:0:0:3:4", "1:2:0:0:0:0:0:0", "0:0:1:0:0:0:0:0/64", "::ffff:1.2.3.4"],
            ...["::ffff:1.2.3.4/95", "::1.2.3.4", "1::ffff:1.2.3.4", "::ffff:1.2.3/128"],
            ...["1x2.3.4", "1.2.3:4", "1.2.3.4x", "10.0.0.1/x"],
            // Where the expression could split one group across the `::` it does not have.
            ...["1:2:3:4:5:6:7:89abc", "1:2345f", "12345", "1:2:3:4:5:6:7:8::", "::ffff:001.2.3.4"],
            // The longest text read by expression, and one character longer (read by cidr.ts).
            ...[
                "0000:0000:0000:0000:0000:0000:0000:0000/128",
                "0000:0000:0000:0000:0:0:0:FFFF/0128",
            ],
        ];
        for (const text of edges) assert.deepEqual(reading(text), oracle(text), text);
        assert.equal(enforcedRanges("10.0.0.0/08").prefix.cidr, "10.0.0.0/8");
        assert.equal(enforcedRanges("1:0:2:0:0:0:3:4").prefix.cidr, "1:0:2::3:4/128");
        assert.equal(enforcedRanges("1:0:0:2:0:0:3:4").prefix.cidr, "1::2:0:0:3:4/128");
    });

    it("names in each part a single address at the part's last address", () => {
        const ranges = ["10.0.0.1/32", "10.0.0.2/31", "2001:db8::1/128", "2001:db8::2/127"].map(
            rangeOf,
        );
        assert.deepEqual(
            partsOf(unionRanges(ranges, ranges)).map((p) => [
                p.range.cidr,
                p.items.map((i) => i.cidr),
            ]),
            [
                ["10.0.0.1/32", ["10.0.0.1/32"]],
                ["10.0.0.2/31", ["10.0.0.2/31"]],
                ["2001:db8::1/128", ["2001:db8::1/128"]],
                ["2001:db8::2/127", ["2001:db8::2/127"]],
            ],
        );
    });

    it("takes only canonical CIDRs as ranges", () => {
        assert.equal(rangeOf("::ffff:a00:0/104").start, 0xffff0a000000n);
        for (const bad of ["10.0.0.1/24", "2001:DB8::/32", "10.0.0.0", "::0/0", "x"]) {
            assert.throws(() => rangeOf(bad), new RegExp(`"${bad}" is not a canonical CIDR`));
        }
    });
});

/** The i-th address of a 256-address space, in each family. */
const SPACES = {
    IPv4: { base: 0x0a000000n, text: (i: number) => `10.0.0.${i}` },
    IPv6: {
        base: 0x20010db8000000000000000000000000n,
        text: (i: number) => `2001:db8::${i.toString(16)}`,
    },
};

/** The minimal CIDR list of a set of offsets (greedy largest aligned block), as canonical text. */
function minimalCidrs(set: Set<number>, family: "IPv4" | "IPv6"): string[] {
    const bits = family === "IPv4" ? 32 : 128;
    const out: string[] = [];
    for (let a = 0; a < 256;) {
        if (!set.has(a)) {
            a++;
            continue;
        }
        let size = 1;
        while (a % (size * 2) === 0 && size * 2 <= 256) {
            const next = size * 2;
            let all = true;
            for (let k = a; k < a + next; k++) all &&= set.has(k);
            if (!all) break;
            size = next;
        }
        out.push(`${SPACES[family].text(a)}/${bits - Math.log2(size)}`);
        a += size;
    }
    return out.map((c) => enforcedRanges(c).prefix.cidr);
}

const block = (family: "IPv4" | "IPv6") =>
    fc
        .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 8 }))
        .map(([at, hostBits]) => {
            const first = at - (at % 2 ** hostBits);
            const bits = family === "IPv4" ? 32 : 128;
            const range = enforcedRanges(`${SPACES[family].text(first)}/${bits - hostBits}`).prefix;
            return { range, first, last: first + 2 ** hostBits - 1 };
        });

describe("address sets: union and difference against brute force", () => {
    for (const family of ["IPv4", "IPv6"] as const) {
        it(`unions ${family} CIDRs minimally, each part naming the items that overlap it, in order`, () => {
            fc.assert(
                fc.property(fc.array(block(family), { maxLength: 12 }), (blocks) => {
                    const set = new Set<number>();
                    for (const b of blocks) for (let k = b.first; k <= b.last; k++) set.add(k);
                    const parts = partsOf(
                        unionRanges(
                            blocks.map((b) => b.range),
                            blocks,
                        ),
                    );
                    assert.deepEqual(
                        parts.map((p) => p.range.cidr),
                        minimalCidrs(set, family),
                    );
                    for (const part of parts) {
                        const lo = Number(part.range.start - SPACES[family].base);
                        const hi = Number(part.range.end - SPACES[family].base);
                        const expected = blocks
                            .map((b, index) => ({ b, index }))
                            .filter(({ b }) => b.first <= hi && b.last >= lo)
                            .sort(
                                (x, y) =>
                                    x.b.first - y.b.first ||
                                    y.b.last - x.b.last ||
                                    x.index - y.index,
                            )
                            .map(({ b }) => b);
                        assert.deepEqual(part.items, expected);
                    }
                }),
                { numRuns: 300 },
            );
        });

        it(`subtracts ${family} CIDRs exactly, as a minimal list`, () => {
            fc.assert(
                fc.property(
                    block(family),
                    fc.array(block(family), { maxLength: 6 }),
                    (from, removed) => {
                        const set = new Set<number>();
                        for (let k = from.first; k <= from.last; k++) set.add(k);
                        for (const r of removed)
                            for (let k = r.first; k <= r.last; k++) set.delete(k);
                        assert.deepEqual(
                            subtractRanges(
                                from.range,
                                removed.map((r) => r.range),
                            ).map((r) => r.cidr),
                            minimalCidrs(set, family),
                        );
                    },
                ),
                { numRuns: 300 },
            );
        });
    }
});
