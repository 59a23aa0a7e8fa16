import * as assert from "node:assert/strict";
import {
    DifferentialResult,
    disagreements,
    expectedOutcome,
    rowGaps,
    sampleSources,
} from "../../tools/rehearsal/differential";
import { parseScenario } from "../../tools/rehearsal/scenario-names";
import { OPERATOR_V6, scenarioValues, SECOND_GROUP } from "../../tools/rehearsal/scenarios";
import type { PortExposure } from "../../components/model/exposure";

const exposure = (cidrs: string[], ethertype: "IPv4" | "IPv6" = "IPv4"): PortExposure => ({
    port: 6443,
    ethertype,
    parts: cidrs.map((cidr) => ({ cidr, admittedBy: [] })),
});

describe("rehearsal scenarios", () => {
    it("judges a probe source inside the computed exposure as connecting, outside as timing out", () => {
        const set = exposure(["203.0.113.0/28", "198.51.100.77/32"]);
        assert.equal(expectedOutcome("203.0.113.15", set), "connected");
        assert.equal(expectedOutcome("203.0.113.16", set), "timeout");
        assert.equal(expectedOutcome("198.51.100.77", set), "connected");
        assert.equal(expectedOutcome("198.51.100.78", set), "timeout");
        assert.equal(expectedOutcome("192.0.2.1", exposure(["0.0.0.0/0"])), "connected");
        assert.equal(expectedOutcome("192.0.2.1", undefined), "timeout");
        assert.equal(expectedOutcome("192.0.2.1", exposure(["::/0"])), "timeout");
    });

    it("samples each part's ends and the addresses just past them, inside and outside", () => {
        const set = exposure(["10.20.0.0/24", "198.51.100.128/25", "203.0.113.11/32"]);
        const sources = sampleSources(set, ["203.0.113.11"]);
        // Just past each end of each part; the part's own ends (a reserved one left out).
        for (const address of ["198.51.100.127", "198.51.100.128", "198.51.100.255"]) {
            assert.ok(sources.includes(address), address);
        }
        for (const address of ["203.0.113.10", "203.0.113.12"]) {
            assert.ok(sources.includes(address), address);
        }
        assert.ok(!sources.includes("203.0.113.11"), "a stand-in's address is never a source");
        // The complement's pieces: 192.0.2.0/24 lies wholly outside.
        for (const address of ["192.0.2.0", "192.0.2.127", "192.0.2.255"]) {
            assert.ok(sources.includes(address), address);
        }
        // Never a real address: 10.20.0.0/24's ends and neighbours are not documentation ones.
        assert.ok(sources.every((a) => /^(192\.0\.2|198\.51\.100|203\.0\.113)\./.test(a)));
        const expected = sources.map((a) => expectedOutcome(a, set));
        assert.ok(expected.includes("connected") && expected.includes("timeout"));
        assert.deepEqual(sources, [...new Set(sources)]);
    });

    it("samples inside only when the set holds every documentation address, outside when empty", () => {
        const all = sampleSources(exposure(["0.0.0.0/0"]), []);
        assert.deepEqual(all.slice(0, 3), ["192.0.2.0", "192.0.2.127", "192.0.2.255"]);
        assert.ok(all.every((a) => expectedOutcome(a, exposure(["0.0.0.0/0"])) === "connected"));
        const none = sampleSources(undefined, []);
        assert.equal(none.length, 9);
        assert.ok(none.every((a) => expectedOutcome(a, undefined) === "timeout"));
    });

    it("samples IPv6 sources in 2001:db8::/32 around each part, a few per side", () => {
        const set = exposure(["2001:db8:0:a::1/128", "2001:db8:ba5::/48"], "IPv6");
        const sources = sampleSources(set, ["2001:db8:0:2::222"], "IPv6");
        for (const address of ["2001:db8:0:a::", "2001:db8:0:a::1", "2001:db8:0:a::2"]) {
            assert.ok(sources.includes(address), address);
        }
        for (const address of ["2001:db8:ba4:ffff:ffff:ffff:ffff:ffff", "2001:db8:ba5::"]) {
            assert.ok(sources.includes(address), address);
        }
        assert.ok(sources.every((a) => a.startsWith("2001:db8:")));
        assert.ok(sources.length < 40, `${sources.length} sources`);
        const expected = sources.map((a) => expectedOutcome(a, set));
        assert.ok(expected.includes("connected") && expected.includes("timeout"));
        // No IPv4 source for an IPv6 row, and no IPv6 one for an IPv4 row.
        assert.ok(sampleSources(set, [], "IPv4").every((a) => !a.includes(":")));
        assert.equal(sampleSources(exposure(["::/0"], "IPv6"), [], "IPv6").length, 3);
    });

    it("names a row side that could be probed but has no probe, and not one out of reach", () => {
        const row = (ethertype: "IPv4" | "IPv6", inside: number, outside: number) => ({
            against: "after" as const,
            port: 22,
            ethertype,
            samples: [],
            inside,
            outside,
            agreements: 0,
            total: inside + outside,
        });
        const v4 = exposure(["203.0.113.1/32"]);
        assert.deepEqual(rowGaps(row("IPv4", 1, 26), v4), []);
        assert.deepEqual(rowGaps(row("IPv4", 0, 26), v4), [
            "row after 22/tcp IPv4: sources lie inside the computed set, yet no probe was sent from one",
        ]);
        // Only 10.20.0.0/24 (no documentation address): out of reach.
        assert.deepEqual(rowGaps(row("IPv4", 0, 9), exposure(["10.20.0.0/24"])), []);
        // Every address: nothing outside to probe (each documentation range excluded in turn).
        assert.deepEqual(rowGaps(row("IPv4", 10, 0), exposure(["0.0.0.0/0"])), []);
        assert.match(rowGaps(row("IPv4", 0, 0), exposure(["0.0.0.0/0"]))[0], /inside the computed/);
        const v6 = exposure(["2001:db8:0:a::1/128"], "IPv6");
        assert.deepEqual(rowGaps(row("IPv6", 0, 12), v6), [
            "row after 22/tcp IPv6: sources lie inside the computed set, yet no probe was sent from one",
        ]);
        assert.match(rowGaps(row("IPv6", 3, 0), v6)[0], /outside the computed set/);
        assert.deepEqual(rowGaps(row("IPv6", 3, 0), exposure(["::/0"], "IPv6")), []);
        assert.deepEqual(rowGaps(row("IPv6", 0, 12), undefined), []);
    });

    it("names each probe that disagrees with the model, and only those", () => {
        const result: DifferentialResult = {
            against: "after",
            port: 6443,
            ethertype: "IPv4",
            samples: [
                { source: "192.0.2.5", expected: "timeout", outcome: "connected", agrees: false },
                { source: "192.0.2.6", expected: "timeout", outcome: "timeout", agrees: true },
                {
                    source: "198.51.100.200",
                    expected: "connected",
                    outcome: "timeout",
                    agrees: false,
                },
            ],
            inside: 1,
            outside: 2,
            agreements: 1,
            total: 3,
        };
        assert.deepEqual(disagreements(result), [
            "probe from 192.0.2.5 to port 6443 (IPv4): expected timeout, got connected",
            "probe from 198.51.100.200 to port 6443 (IPv4): expected connected, got timeout",
        ]);
    });

    it("refuses an unknown scenario, naming the known ones", () => {
        assert.equal(parseScenario("protocol-zero"), "protocol-zero");
        assert.throws(() => parseScenario("open"), /unknown scenario "open".*second-group/);
    });

    it("accepts the second group with a reason only in the accepted scenario", () => {
        const raw = {
            cloud: "rehearsal",
            operator: { cidrs: ["203.0.113.1/32"], ports: [6443, 22] },
            verify: { mode: "always", tenant: { pod: "p" } },
        };
        assert.equal(scenarioValues(raw, undefined), raw);
        const refused = scenarioValues(raw, "second-group");
        assert.ok(!("acceptedExposure" in refused));
        // Every scenario adds the operator's IPv6 source, so IPv6 "after" has an inside.
        assert.deepEqual(refused.operator, {
            ...raw.operator,
            cidrs: ["203.0.113.1/32", OPERATOR_V6],
        });
        assert.deepEqual(raw.operator.cidrs, ["203.0.113.1/32"]);
        const accepted = scenarioValues(raw, "accepted");
        assert.deepEqual((accepted.acceptedExposure as { group: string }[])[0].group, SECOND_GROUP);
        // The bastion network leaves the tenant outside: its check still runs.
        assert.deepEqual(accepted.verify, raw.verify);
        assert.ok(!("acceptedExposure" in raw));
    });
});
