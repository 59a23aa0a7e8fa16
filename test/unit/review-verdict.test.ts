// The review's verdict: the preview refuses exposure left beyond the allow-set after the plan and
// retire targets the stack does not approve (components/program.ts refuses on both); the verdict
// lists each, and goes ahead only when neither holds.
import * as assert from "node:assert/strict";
import { parseStackConfig } from "../../components/config/schema";
import { Discovered, planIngress } from "../../components/plan/plan";
import { retirementDigest } from "../../components/plan/approval";
import { NeutronRule } from "../../components/model/rules";
import { previewRefusals, reviewWarnings, verdictLines } from "../../components/review/verdict";
import { foundExposure } from "../support/exposure";

const GROUP = { id: "6c1f0c2e-0000-4000-8000-000000000001", name: "capi-mgmt-sg" };

function rule(id: string, port: number | null, prefix: string): NeutronRule {
    return {
        id,
        security_group_id: GROUP.id,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: prefix,
        remote_group_id: null,
    };
}

/** The verdict on `rules`; with `approve`, the stack approves the retire targets measured. */
function verdict(rules: NeutronRule[], approve: boolean | object | string = false): string[] {
    const found: Discovered = {
        group: GROUP,
        api: { address: "10.12.7.222", port: 6443, provenance: "config api.address" },
        apiPorts: [],
        conductors: [{ source: "10.12.4.154", provenance: "config" }],
        hairpin: [],
        rules,
        exposure: foundExposure([GROUP], rules),
        warnings: [],
    };
    const raw: Record<string, unknown> = {
        securityGroup: { name: GROUP.name },
        api: { address: "10.12.7.222" },
        conductors: { static: { addresses: ["10.12.4.154"], reason: "the test's unit" } },
        operator: { cidrs: ["10.12.4.1/32"], reason: "the test's operator" },
        verify: { conductors: { enabled: false } },
    };
    const measured = planIngress(parseStackConfig(raw), found);
    const config = parseStackConfig(
        approve === true
            ? { ...raw, approvedRetirement: retirementDigest(GROUP.id, measured.retireTargets) }
            : approve
              ? { ...raw, approvedRetirement: approve }
              : raw,
    );
    return previewRefusals(config, planIngress(config, found));
}

describe("review verdict", () => {
    const wide = [rule("r-wide-6443", 6443, "0.0.0.0/0"), rule("r-wide-22", 22, "0.0.0.0/0")];

    it("retire targets not approved: the preview refuses", () => {
        const reasons = verdict(wide);
        assert.equal(reasons.length, 1);
        assert.match(reasons[0], /^Refusing to retire: 2 retire target\(s\) measured in group /);
    });

    it("approved with their digest: the preview goes ahead", () => {
        assert.deepEqual(verdict(wide, true), []);
    });

    it("a digest that does not match names the targets added and removed, or every target measured", () => {
        const other = "sha256:" + "0".repeat(64);
        const [listed] = verdict(wide, { digest: other, targets: ["r-wide-6443", "r-gone"] });
        assert.match(listed, /not the approved sha256:0{64}/);
        // The whole refusal, as the preview prints it: the targets, what differs, what to set.
        assert.match(
            listed,
            /\nRetire targets measured now:\n {2}- r-wide-6443: 0\.0\.0\.0\/0 on tcp 6443\n/,
        );
        assert.match(
            listed,
            /\n {2}\+ r-wide-22: 0\.0\.0\.0\/0 on tcp 22 \(measured now, not approved\)\n/,
        );
        assert.match(listed, /\n {2}- r-gone \(approved, not a retire target now\)\n/);
        assert.doesNotMatch(listed, /\+ r-wide-6443/);
        assert.match(listed, /\n {4}targets: \[r-wide-22, r-wide-6443\]$/);
        const [bare] = verdict(wide, other);
        assert.match(
            bare,
            /\nThe approval names no target ids, so which targets differ cannot be listed\./,
        );
        assert.match(bare, /\n {2}- r-wide-22: 0\.0\.0\.0\/0 on tcp 22\n/);
    });

    it("a source outside the allow-set left after the plan: the preview refuses, naming exposure", () => {
        const reasons = verdict([rule("r-range", null, "198.51.100.0/24")]);
        assert.equal(reasons.length, 1);
        assert.match(reasons[0], /^exposure: after this update the API's port would still admit/);
    });

    it("nothing to retire, nothing beyond the allow-set: it goes ahead", () => {
        assert.deepEqual(verdict([rule("r-op", 22, "10.12.4.1/32")]), []);
    });

    it("the Markdown verdict says which, with the exit code", () => {
        assert.deepEqual(verdictLines("prod", []), [
            "",
            "**Verdict (`prod`):** the preview would go ahead and the group has no drift (exit 0).",
        ]);
        // Drift alone is a finding: the line gives the exit code the command returns.
        assert.deepEqual(verdictLines("prod", [], [{ id: "d1", reason: "admits 10.99.0.6/32" }]), [
            "",
            "**Verdict (`prod`):** the preview would go ahead, but the group has drift, a finding (exit 1):",
            "",
            "- drift: rule d1: admits 10.99.0.6/32",
        ]);
        assert.deepEqual(verdictLines("prod", ["exposure: x", "Refusing to retire: y"]), [
            "",
            "**Verdict (`prod`):** the preview would refuse (exit 1):",
            "",
            "- exposure: x",
            "- Refusing to retire: y",
        ]);
    });

    it("warns of a spent approval and of an acceptedExposure entry naming a rule no group holds", () => {
        const raw: Record<string, unknown> = {
            securityGroup: { name: GROUP.name },
            api: { address: "10.12.7.222" },
            conductors: { static: { addresses: ["10.12.4.154"], reason: "the test's unit" } },
            operator: { cidrs: ["10.12.4.1/32"], reason: "the test's operator" },
            verify: { conductors: { enabled: false } },
            approvedRetirement: "sha256:" + "1".repeat(64),
            acceptedExposure: [
                { rule: "r-range", reason: "the lab's jump host range" },
                { rule: "r-gone", reason: "removed by hand last week" },
            ],
        };
        const rules = [rule("r-range", null, "198.51.100.0/24")];
        const found: Discovered = {
            group: GROUP,
            api: { address: "10.12.7.222", port: 6443, provenance: "config api.address" },
            apiPorts: [],
            conductors: [{ source: "10.12.4.154", provenance: "config" }],
            hairpin: [],
            rules,
            exposure: foundExposure([GROUP], rules),
            warnings: [],
        };
        const config = parseStackConfig(raw);
        const warnings = reviewWarnings(config, planIngress(config, found));
        assert.equal(warnings.length, 2, warnings.join("\n"));
        assert.match(warnings[0], /approvedRetirement sha256:1{64} is spent/);
        assert.match(
            warnings[1],
            /^acceptedExposure\[1\] names rule r-gone, which no security group/,
        );
        assert.doesNotMatch(warnings.join("\n"), /r-range/);
    });
});
