// A drift rule's reason quotes the acceptedExposure entry's reason, the stack's free text: the
// review (Markdown and --json, drift and accepted drift) and the audit (driftReason) mask it.
import * as assert from "node:assert/strict";
import { planIngress } from "../../components/plan/plan";
import { renderReview } from "../../components/review/markdown";
import { driftReason, driftRows } from "../../components/review/verdict";
import { foundExposure, staticConductorConfig, staticConductorFound } from "../support/exposure";
import { portRule } from "../support/rules";

const SENTINEL = "s3cr3t-sentinel-drift";
const MANAGED = { id: "managed", name: "nc-sg" };

function plan(accepted: { rule: string; reason: string }[]) {
    const config = staticConductorConfig({ id: MANAGED.id }, accepted);
    const rules = [
        portRule("c", MANAGED.id, 6443, "10.12.4.154/32"),
        portRule("o", MANAGED.id, 6443, "10.12.4.1/32"),
        portRule("o22", MANAGED.id, 22, "10.12.4.1/32"),
        // Drift: accepted by id, it applies.
        portRule("narrow", MANAGED.id, 6443, "198.51.100.0/24"),
        // Drift: a port range from anywhere; never wide (on 22) voids its acceptance.
        portRule("ssh-range", MANAGED.id, 20, "0.0.0.0/0", { port_range_max: 25 }),
    ];
    const found = staticConductorFound(MANAGED, rules, foundExposure([MANAGED], rules));
    return { config, plan: planIngress(config, found) };
}

describe("review: drift reasons are masked", () => {
    const reason = `the old operator said so, password=${SENTINEL}`;

    it("driftReason masks the acceptance's reason, applied or voided", () => {
        const applied = driftReason("198.51.100.0/24 reaches 6443/tcp", { applies: true, reason });
        assert.match(
            applied,
            /; accepted \(acceptedExposure\): the old operator said so, password=\*\*\*\*$/,
        );
        const voided = driftReason("0.0.0.0/0 reaches 6443/tcp", {
            applies: false,
            reason,
            wide: ["6443/tcp IPv4"],
        });
        assert.match(
            voided,
            /never wide.*; the reason given: the old operator said so, password=\*\*\*\*$/,
        );
        assert.equal(driftReason("token=abc reaches", undefined), "token=**** reaches");
    });

    it("the review's Markdown and --json rows never hold the reason plain", () => {
        const { config, plan: p } = plan([
            { rule: "narrow", reason },
            { rule: "ssh-range", reason },
        ]);
        const rows = driftRows(config, p);
        assert.deepEqual(
            rows.drift.map((d) => d.id),
            ["ssh-range"],
        );
        assert.match(
            rows.drift[0].reason,
            /the reason given: the old operator said so, password=\*\*\*\*$/,
        );
        assert.deepEqual(rows.acceptedDrift, [
            {
                id: "narrow",
                reason: "198.51.100.0/24 reaches 6443/tcp (tcp 6443) outside the allow-set",
                accepted: "the old operator said so, password=****",
            },
        ]);
        const md = renderReview({
            stack: "test",
            config,
            live: { plan: p, group: MANAGED.name, api: "10.12.7.222:6443", warnings: [] },
        });
        assert.match(
            md,
            /^\| narrow \| .*; accepted \(acceptedExposure\): .*password=\*\*\*\* \|$/m,
        );
        assert.ok(!JSON.stringify(rows).includes(SENTINEL));
        assert.ok(!md.includes(SENTINEL));
    });
});
