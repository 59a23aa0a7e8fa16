// The ways out a refusal offers for each responsible rule are only those that can work for it
// (a `retire` selector only where the classification would retire the rule with it, an
// acceptance only where never wide lets it apply), and an acceptance never wide voids is shown
// as not applying wherever the review and the audit speak of it, its drift still a finding.
import * as assert from "node:assert/strict";
import { planIngress } from "../../components/plan/plan";
import type { NeutronRule } from "../../components/model/rules";
import { renderReview } from "../../components/review/markdown";
import { driftAcceptance, unacceptedDrift } from "../../components/review/verdict";
import { foundExposure, staticConductorConfig, staticConductorFound } from "../support/exposure";
import { portRule } from "../support/rules";

const MANAGED = { id: "managed", name: "nc-sg" };
const OTHER = { id: "other", name: "lb-extra" };
const SENTINEL = "s3cr3t-sentinel-ways";

type Accepted = { group?: string; rule?: string; reason: string };

function plan(accepted: Accepted[], extra: NeutronRule[], more: Record<string, unknown> = {}) {
    const config = staticConductorConfig({ id: MANAGED.id }, accepted, more);
    const managed = [
        portRule("c", MANAGED.id, 6443, "10.12.4.154/32"),
        portRule("wide-api", MANAGED.id, 6443, "0.0.0.0/0"),
        ...extra.filter((r) => r.security_group_id === MANAGED.id),
    ];
    const all = [...managed, ...extra.filter((r) => r.security_group_id === OTHER.id)];
    const found = staticConductorFound(MANAGED, managed, foundExposure([MANAGED, OTHER], all));
    return { config, plan: planIngress(config, found) };
}

/** The lines of the refusal about one rule: its own line and the indented ways below it. */
function waysOf(refusal: string, rule: string): string[] {
    const lines = refusal.split("\n");
    const at = lines.findIndex((l) => l.startsWith(`  - rule ${rule} `));
    assert.ok(at >= 0, `no line for rule ${rule} in:\n${refusal}`);
    const rest = lines.slice(at + 1);
    const end = rest.findIndex((l) => !l.startsWith("      "));
    return rest.slice(0, end < 0 ? undefined : end);
}

// Protocol 0 from anywhere, every port: drift, never retired, wide on every protected port.
const any0 = portRule("any0", MANAGED.id, 6443, "0.0.0.0/0", {
    protocol: "0",
    port_range_min: null,
    port_range_max: null,
});
const narrow = portRule("narrow", MANAGED.id, 6443, "198.51.100.0/24");
const lab = portRule("lab", OTHER.id, 22, "203.0.113.0/24");
const range = portRule("range", MANAGED.id, 6000, "192.0.2.0/24", { port_range_max: 7000 });

describe("exposure: ways out per responsible rule", () => {
    it("a protocol-0 rule from 0.0.0.0/0: only removal, with why retire and accept cannot work", () => {
        const reason = `the old operator said so, password=${SENTINEL}`;
        const { plan: p } = plan([{ rule: "any0", reason }], [any0]);
        const ways = waysOf(p.exposure.refusal ?? "", "any0");
        // Only any0 admits the operator on 22 now: removing it first would lock them out.
        assert.deepEqual(ways.slice(0, 1), [
            "      ways out: remove it by hand (openstack security group rule delete any0), but " +
                "only once another rule admits what it alone admits of the allow-set now (the " +
                "allow-set's rules, created by `pulumi up` or by hand and then adopted): " +
                "10.12.4.1/32 on 22 (operator config operator.cidrs[0]); deleted before, these " +
                "lose access",
        ]);
        assert.ok(ways.some((l) => /^ {6}not: retire: .*this rule is protocol 0/.test(l)));
        assert.ok(
            ways.some((l) =>
                /^ {6}not: accept: .*22\/tcp IPv4, 6443\/tcp IPv4.*never wide/.test(l),
            ),
        );
        assert.doesNotMatch(ways.join("\n"), /retire it:|accept it/);
        assert.doesNotMatch(p.exposure.refusal ?? "", /^Ways out, for each rule/m);
    });

    it("a narrow tcp rule of the managed group: a retire selector that does retire it, or by id", () => {
        const { plan: p } = plan([], [narrow]);
        const ways = waysOf(p.exposure.refusal ?? "", "narrow").join("\n");
        assert.match(
            ways,
            /retire it: add \{ remote: 198\.51\.100\.0\/24, ports: \[6443\] \} to `retire`/,
        );
        assert.match(
            ways,
            /accept it by id: acceptedExposure: \[\{ rule: narrow, .*not the managed group nc-sg as a whole/,
        );
        assert.doesNotMatch(ways, /not: /);
        // The selector offered is one the plan takes: the rule becomes a retire target.
        const retire = [{ remote: "0.0.0.0/0" }, { remote: "198.51.100.0/24", ports: [6443] }];
        const { plan: q } = plan([], [narrow], { retire });
        assert.deepEqual(q.retireTargets.map((t) => t.id).sort(), ["narrow", "wide-api"]);
        assert.equal(q.exposure.refusal, undefined);
    });

    it("another group's rule and a port-range rule: no retire, each says why", () => {
        const { plan: p } = plan([], [lab, range]);
        const refusal = p.exposure.refusal ?? "";
        const labWays = waysOf(refusal, "lab").join("\n");
        assert.match(
            labWays,
            /not: retire: .*managed group \(nc-sg\) .*; this rule is in another group/,
        );
        assert.match(labWays, /or its whole group: \[\{ group: "lb-extra"/);
        const rangeWays = waysOf(refusal, "range").join("\n");
        assert.match(rangeWays, /not: retire: .*this rule is tcp 6000-7000/);
        assert.match(rangeWays, /accept it by id: acceptedExposure: \[\{ rule: range/);
        assert.doesNotMatch(`${labWays}\n${rangeWays}`, /retire it:/);
    });
});

describe("review: an acceptance never wide voids does not apply", () => {
    const reason = `the old operator said so, password=${SENTINEL}`;

    it("counts the drift, says why in the Drift and exposure tables, masks the reason", () => {
        const { config, plan: p } = plan([{ rule: "any0", reason }], [any0]);
        assert.ok(p.exposure.refusal, "the preview refuses");
        assert.deepEqual(driftAcceptance(config, p, "any0"), {
            applies: false,
            reason,
            wide: ["22/tcp IPv4", "6443/tcp IPv4"],
        });
        assert.deepEqual(
            unacceptedDrift(config, p).map((c) => c.rule.id),
            ["any0"],
        );
        const md = renderReview({
            stack: "test",
            config,
            live: { plan: p, group: MANAGED.name, api: "10.12.7.222:6443", warnings: [] },
        });
        assert.doesNotMatch(md, /accepted \(acceptedExposure\)/);
        assert.match(
            md,
            /^\| any0 \| .*acceptedExposure names it but does not apply: .*never wide.*; the reason given: .*password=\*\*\*\*/m,
        );
        assert.match(
            md,
            /^\| nc-sg \| any0 \| .* \| does not apply \(never wide on 22\/tcp IPv4, 6443\/tcp IPv4\): /m,
        );
        assert.match(md, /^- rule any0: remove it by hand/m);
        assert.ok(!md.includes(SENTINEL));
    });

    it("an acceptance that applies is still shown as accepted and is no finding", () => {
        const { config, plan: p } = plan([{ rule: "narrow", reason }], [narrow]);
        assert.equal(p.exposure.refusal, undefined);
        assert.deepEqual(driftAcceptance(config, p, "narrow"), { applies: true, reason });
        assert.deepEqual(unacceptedDrift(config, p), []);
    });
});
