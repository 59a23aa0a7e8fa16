import * as assert from "node:assert/strict";
import { expectedOutcome } from "../../tools/rehearsal/differential";
import { parseScenario, scenarioValues, SECOND_GROUP } from "../../tools/rehearsal/scenarios";
import type { PortExposure } from "../../components/model/exposure";

const exposure = (cidrs: string[]): PortExposure => ({
    port: 6443,
    ethertype: "IPv4",
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

    it("refuses an unknown scenario, naming the known ones", () => {
        assert.equal(parseScenario("protocol-zero"), "protocol-zero");
        assert.throws(() => parseScenario("open"), /unknown scenario "open".*second-group/);
    });

    it("accepts the second group with a reason only in the accepted scenario", () => {
        const raw = { cloud: "rehearsal", verify: { mode: "always", tenant: { pod: "p" } } };
        assert.equal(scenarioValues(raw, "second-group"), raw);
        const accepted = scenarioValues(raw, "accepted");
        assert.deepEqual((accepted.acceptedExposure as { group: string }[])[0].group, SECOND_GROUP);
        assert.deepEqual(accepted.verify, { mode: "always" });
        assert.deepEqual(raw.verify.tenant, { pod: "p" });
    });
});
