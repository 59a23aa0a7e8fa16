import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
    compareEntries,
    DerivationError,
    DerivationInput,
    deriveAllowSet,
    entryName,
} from "../../components/model/allowset";
import { isAnyAddress, isHostRoute, parsePrefix } from "../../components/model/cidr";

const ruling = (): DerivationInput => ({
    protectedPorts: [6443, 22],
    apiPort: 6443,
    minPrefixLength: { IPv4: 16, IPv6: 48 },
    waivers: [],
    conductors: [
        { source: "10.12.4.156", provenance: "juju magnum/2" },
        { source: "10.12.4.154", provenance: "juju magnum/0" },
        { source: "::ffff:10.12.4.155", provenance: "juju magnum/1" },
    ],
    operator: {
        sources: [{ source: "10.12.4.1/32", provenance: "config operator" }],
        ports: [6443, 22],
    },
    hairpin: {
        sources: [{ source: "10.20.0.0/24", provenance: "subnet capi-mgmt-subnet" }],
        ports: [6443],
    },
});

describe("deriveAllowSet", () => {
    it("derives the ruling's set: a /32 per conductor, operator on 6443 and 22, hairpin on 6443", () => {
        const rows = deriveAllowSet(ruling()).map((e) => `${e.role} ${e.port} ${e.remoteIpPrefix}`);
        assert.deepEqual(rows, [
            "conductor 6443 10.12.4.154/32",
            "conductor 6443 10.12.4.155/32",
            "conductor 6443 10.12.4.156/32",
            "operator 22 10.12.4.1/32",
            "operator 6443 10.12.4.1/32",
            "hairpin 6443 10.20.0.0/24",
        ]);
    });

    it("merges duplicates, keeps every provenance, and names the merged rule by the first role", () => {
        const input = ruling();
        input.operator.sources.push({ source: "10.12.4.154", provenance: "config operator 2" });
        const merged = deriveAllowSet(input).filter((e) => e.remoteIpPrefix === "10.12.4.154/32");
        assert.deepEqual(
            merged.map((e) => [e.role, e.port, e.provenance]),
            [
                ["conductor", 6443, ["config operator 2", "juju magnum/0"]],
                ["operator", 22, ["config operator 2"]],
            ],
        );
    });

    it("is stable whatever the order of its inputs", () => {
        const a = ruling();
        const b = ruling();
        b.conductors.reverse();
        assert.deepEqual(deriveAllowSet(a), deriveAllowSet(b));
    });

    it("refuses any-address, non-host conductors, unwaived wide prefixes and no conductor at all", () => {
        const input = ruling();
        input.conductors = [];
        input.operator.sources.push({
            source: "0.0.0.0/0",
            provenance: "config operator.cidrs[1]",
        });
        input.hairpin.sources.push({ source: "10.0.0.0/8", provenance: "config hairpin.cidrs[0]" });
        input.hairpin.sources.push({ source: "::/0", provenance: "config hairpin.cidrs[1]" });
        assert.throws(
            () => deriveAllowSet(input),
            (e: unknown) => {
                const problems = (e as DerivationError).problems.join("\n");
                assert.match(
                    problems,
                    /0\.0\.0\.0\/0 \(config operator\.cidrs\[1\]\) admits every address/,
                );
                assert.match(
                    problems,
                    /10\.0\.0\.0\/8 \(config hairpin\.cidrs\[0\]\) is wider than \/16/,
                );
                assert.match(problems, /::\/0 .* admits every address/);
                assert.match(problems, /no conductor source/);
                return e instanceof DerivationError;
            },
        );
        const conductorRange = ruling();
        conductorRange.conductors = [{ source: "10.12.4.0/24", provenance: "juju magnum/0" }];
        assert.throws(() => deriveAllowSet(conductorRange), /conductor source "10\.12\.4\.0\/24"/);
        const nowhere = ruling();
        nowhere.conductors = [{ source: "0.0.0.0", provenance: "config conductors.static" }];
        assert.throws(
            () => deriveAllowSet(nowhere),
            /conductor source "0\.0\.0\.0" \(config conductors\.static\): 0\.0\.0\.0 is a unspecified address/,
        );
    });

    it("admits a wide prefix only with a waiver, and never any-address even with one", () => {
        const input = ruling();
        input.hairpin.sources = [{ source: "10.0.0.0/8", provenance: "config hairpin" }];
        input.waivers = [{ cidr: "10.0.0.0/8", reason: "flat provider network" }];
        assert.ok(deriveAllowSet(input).some((e) => e.remoteIpPrefix === "10.0.0.0/8"));
        input.hairpin.sources = [{ source: "0.0.0.0/0", provenance: "config hairpin" }];
        input.waivers = [{ cidr: "0.0.0.0/0", reason: "would be a window" }];
        assert.throws(() => deriveAllowSet(input), /admits every address/);
    });

    it("never lets entries together admit a whole family, waivers or not, naming them", () => {
        const input = ruling();
        input.minPrefixLength = { IPv4: 0, IPv6: 0 };
        input.operator.sources = ["0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"].map((source) => ({
            source,
            provenance: "config operator",
        }));
        input.waivers = input.operator.sources.map((s) => ({
            cidr: s.source,
            reason: "generated",
        }));
        let problems: string[] = [];
        try {
            deriveAllowSet(input);
        } catch (err) {
            assert.ok(err instanceof DerivationError);
            problems = err.problems;
        }
        assert.equal(problems.length, 4, problems.join("\n"));
        assert.match(
            problems.join("\n"),
            /IPv4 entries on 22\/tcp together admit every IPv4 address: 0\.0\.0\.0\/1 \(operator: config operator\), 128\.0\.0\.0\/1/,
        );
        assert.match(
            problems.join("\n"),
            /IPv6 entries on 6443\/tcp together admit every IPv6 address/,
        );
        // One half alone, waived, is allowed: the union rule is about the set.
        input.operator.sources = input.operator.sources.slice(0, 1);
        assert.ok(deriveAllowSet(input).some((e) => e.remoteIpPrefix === "0.0.0.0/1"));
    });

    it("keeps /8 and /32 as the lowest floors whatever the input says", () => {
        const input = ruling();
        input.minPrefixLength = { IPv4: 0, IPv6: 0 };
        input.operator.sources = [{ source: "10.0.0.0/7", provenance: "config operator" }];
        assert.throws(() => deriveAllowSet(input), /10\.0\.0\.0\/7 .* is wider than \/8/);
        input.operator.sources = [{ source: "2001:db8::/31", provenance: "config operator" }];
        assert.throws(() => deriveAllowSet(input), /is wider than \/32/);
        input.waivers = [{ cidr: "2001:db8::/31", reason: "documented range" }];
        assert.ok(deriveAllowSet(input).some((e) => e.remoteIpPrefix === "2001:db8::/31"));
    });

    it("names rules one-to-one from port and CIDR, without the URN separator", () => {
        const names = new Set<string>();
        for (const cidr of ["2001:db8::1/128", "2001:db8:1::/128", "10.1.2.0/24"]) {
            const name = entryName({
                role: "hairpin",
                ethertype: cidr.includes(":") ? "IPv6" : "IPv4",
                protocol: "tcp",
                port: 6443,
                remoteIpPrefix: cidr,
                provenance: [],
            });
            assert.ok(!name.includes("::"), name);
            names.add(name);
        }
        assert.equal(names.size, 3);
        assert.ok(names.has("6443-10.1.2.0-24"));
    });

    describe("properties", () => {
        const v4 = fc
            .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
            .map((o) => o.join("."));
        const v6 = fc.ipV6();
        const source = fc.oneof(
            v4,
            v6,
            v4.map((a) => `::ffff:${a}`),
            fc.constantFrom("0.0.0.0/0", "::/0", "::ffff:0.0.0.0/96", "0.0.0.0", "::"),
            fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`),
            fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, l]) => `${a}/${l}`),
            fc.string(),
        );
        const sources = fc.array(
            source.map((s) => ({ source: s, provenance: "generated" })),
            { maxLength: 6 },
        );
        const ports = fc.subarray([6443, 22, 80]);
        const input = fc.record({
            conductors: sources,
            operator: fc.record({ sources, ports }),
            hairpin: fc.record({ sources, ports }),
            waivers: fc.array(
                source.map((cidr) => ({ cidr, reason: "generated" })),
                { maxLength: 3 },
            ),
        });

        it("never yields a wide rule, a non-host conductor or an unwaived wide prefix", () => {
            fc.assert(
                fc.property(input, (generated) => {
                    let entries;
                    try {
                        entries = deriveAllowSet({
                            ...generated,
                            protectedPorts: [6443, 22],
                            apiPort: 6443,
                            minPrefixLength: { IPv4: 16, IPv6: 48 },
                        });
                    } catch (err) {
                        return err instanceof DerivationError;
                    }
                    const waived = new Set(
                        generated.waivers.flatMap((w) => {
                            try {
                                return [parsePrefix(w.cidr).cidr];
                            } catch {
                                return [];
                            }
                        }),
                    );
                    return entries.every((e) => {
                        const prefix = parsePrefix(e.remoteIpPrefix);
                        const floor = prefix.ethertype === "IPv4" ? 16 : 48;
                        return (
                            prefix.cidr === e.remoteIpPrefix &&
                            !isAnyAddress(prefix) &&
                            [6443, 22].includes(e.port) &&
                            (e.role !== "conductor" || isHostRoute(prefix)) &&
                            (prefix.length >= floor || waived.has(prefix.cidr))
                        );
                    });
                }),
                { numRuns: 500 },
            );
        });

        it("refuses every set of waived prefixes that tiles a family, and one short of it passes", () => {
            // A random partition of 0.0.0.0/0 into 2 to 9 prefixes: split one part in halves at a time.
            const partition = fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).map((picks) => {
                let parts: [number, number][] = [[0, 0]];
                for (const pick of picks) {
                    const [start, length] = parts[pick % parts.length];
                    if (length === 32) continue;
                    const half = 2 ** (31 - length);
                    parts = parts.filter((p) => p[0] !== start || p[1] !== length);
                    parts.push([start, length + 1], [start + half, length + 1]);
                }
                const quad = (n: number) =>
                    [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
                return parts.map(([start, length]) => `${quad(start)}/${length}`);
            });
            fc.assert(
                fc.property(partition, fc.nat(), (cidrs, drop) => {
                    const input = ruling();
                    input.minPrefixLength = { IPv4: 0, IPv6: 0 };
                    input.operator.sources = cidrs.map((source) => ({
                        source,
                        provenance: "generated",
                    }));
                    input.waivers = cidrs.map((cidr) => ({ cidr, reason: "generated" }));
                    const refused = (() => {
                        try {
                            deriveAllowSet(input);
                            return "";
                        } catch (err) {
                            return (err as DerivationError).problems.join("\n");
                        }
                    })();
                    if (!/together admit every IPv4 address/.test(refused)) return false;
                    input.operator.sources.splice(drop % cidrs.length, 1);
                    try {
                        deriveAllowSet(input);
                        return true;
                    } catch (err) {
                        return !/together admit/.test((err as DerivationError).problems.join("\n"));
                    }
                }),
                { numRuns: 200 },
            );
        });

        it("yields no duplicate Neutron keys and is sorted", () => {
            fc.assert(
                fc.property(input, (generated) => {
                    try {
                        const entries = deriveAllowSet({
                            ...generated,
                            protectedPorts: [6443, 22],
                            apiPort: 6443,
                            minPrefixLength: { IPv4: 0, IPv6: 0 },
                        });
                        const keys = entries.map((e) => `${e.port}|${e.remoteIpPrefix}`);
                        const sorted = [...entries].sort(compareEntries);
                        return (
                            new Set(keys).size === keys.length &&
                            sorted.every((e, i) => e === entries[i])
                        );
                    } catch (err) {
                        return err instanceof DerivationError;
                    }
                }),
                { numRuns: 300 },
            );
        });
    });
});
