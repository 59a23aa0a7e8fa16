// The allow entry schema the dynamic providers check their inputs with, and the text of a
// derivation failure: what an entry must hold, and how each problem is listed.
import * as assert from "node:assert/strict";
import { z } from "zod";
import { AllowEntry, allowEntrySchema, DerivationError } from "../../components/model/allowset";

function entry(): AllowEntry {
    return {
        role: "conductor",
        ethertype: "IPv4",
        protocol: "tcp",
        port: 6443,
        remoteIpPrefix: "10.12.4.154/32",
        provenance: ["juju magnum/0"],
    };
}

describe("allow entry schema", () => {
    it("accepts an entry of each role and family", () => {
        for (const role of ["conductor", "operator", "hairpin"] as const) {
            for (const ethertype of ["IPv4", "IPv6"] as const) {
                const e = { ...entry(), role, ethertype };
                assert.deepEqual(allowEntrySchema(z).parse(e), e);
            }
        }
        assert.deepEqual(allowEntrySchema(z).parse({ ...entry(), provenance: [] }).provenance, []);
    });

    it("refuses each field out of its shape, naming it", () => {
        const bad: [string, unknown][] = [
            ["role", "tenant"],
            ["ethertype", "IPv5"],
            ["protocol", "udp"],
            ["port", 6443.5],
            ["port", "6443"],
            ["remoteIpPrefix", ""],
            ["remoteIpPrefix", 10],
            ["provenance", "juju"],
            ["provenance", [1]],
        ];
        for (const [field, value] of bad) {
            const result = allowEntrySchema(z).safeParse({ ...entry(), [field]: value });
            assert.equal(result.success, false, `${field}=${JSON.stringify(value)}`);
            assert.deepEqual(
                result.error?.issues.map((i) => i.path[0]),
                [field],
                `${field}=${JSON.stringify(value)}`,
            );
        }
        for (const field of Object.keys(entry())) {
            const e: Record<string, unknown> = { ...entry() };
            delete e[field];
            assert.equal(allowEntrySchema(z).safeParse(e).success, false, `without ${field}`);
        }
    });
});

describe("DerivationError", () => {
    it("lists every problem on its own line", () => {
        const err = new DerivationError(["no conductor source", "operator: bad prefix"]);
        assert.equal(
            err.message,
            "The allow-set cannot be derived:\n  - no conductor source\n  - operator: bad prefix",
        );
        assert.equal(err.name, "DerivationError");
        assert.deepEqual(err.problems, ["no conductor source", "operator: bad prefix"]);
    });
});
