// The derivation's safety checks at their boundaries: the prefix floor, protected ports, merged
// sources, and the floor the plan passes in.
import * as assert from "node:assert/strict";
import { DerivationError, deriveAllowSet, DerivationInput } from "../../components/model/allowset";

const input = (change: Partial<DerivationInput>): DerivationInput => ({
    protectedPorts: [6443, 22],
    apiPort: 6443,
    minPrefixLength: { IPv4: 16, IPv6: 48 },
    waivers: [],
    conductors: [{ source: "10.30.0.11", provenance: "magnum/0" }],
    operator: { sources: [], ports: [6443, 22] },
    hairpin: { sources: [], ports: [6443] },
    ...change,
});

function problems(change: Partial<DerivationInput>): string[] {
    try {
        deriveAllowSet(input(change));
    } catch (err) {
        assert.ok(err instanceof DerivationError, String(err));
        assert.equal(err.name, "DerivationError");
        assert.equal(
            err.message,
            `The allow-set cannot be derived:\n${err.problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        return err.problems;
    }
    return [];
}

describe("allow-set: safety checks at their boundaries", () => {
    it("a prefix exactly at the floor is allowed, one bit wider is not", () => {
        const hairpin = (source: string) => ({
            hairpin: { sources: [{ source, provenance: "subnet" }], ports: [6443] },
        });
        assert.deepEqual(problems(hairpin("10.20.0.0/16")), []);
        assert.deepEqual(problems(hairpin("10.20.0.0/15")), [
            "hairpin source 10.20.0.0/15 (subnet) is wider than /16; add a waiver with a reason for 10.20.0.0/15 if it is intended",
        ]);
        assert.deepEqual(problems(hairpin("0.0.0.0/0")), [
            "hairpin source 0.0.0.0/0 (subnet) admits every address; it can never be allowed on a protected port",
        ]);
    });

    it("refuses a port that is not protected, once per role and port", () => {
        assert.deepEqual(
            problems({
                operator: {
                    sources: [{ source: "198.51.100.7", provenance: "config" }],
                    ports: [80],
                },
            }),
            ["operator port 80 is not one of the protected ports"],
        );
    });

    it("merges a source several roles share: first role names it, provenance kept once each", () => {
        const entries = deriveAllowSet(
            input({
                conductors: [
                    { source: "10.30.0.11", provenance: "magnum/0" },
                    { source: "10.30.0.11", provenance: "magnum/0" },
                ],
                operator: {
                    sources: [{ source: "10.30.0.11/32", provenance: "config" }],
                    ports: [6443],
                },
            }),
        );
        assert.deepEqual(
            entries.map((e) => [e.role, e.protocol, e.remoteIpPrefix, e.provenance]),
            [["conductor", "tcp", "10.30.0.11/32", ["config", "magnum/0"]]],
        );
    });

    it("orders addresses numerically", () => {
        const entries = deriveAllowSet(
            input({
                conductors: ["10.30.0.10", "10.30.0.9", "10.30.0.100"].map((source) => ({
                    source,
                    provenance: source,
                })),
            }),
        );
        assert.deepEqual(
            entries.map((e) => e.remoteIpPrefix),
            ["10.30.0.9/32", "10.30.0.10/32", "10.30.0.100/32"],
        );
    });
});
