// The verdict shows each refusal whole, as the preview prints it: every responsible rule, every
// retire target and the approval to paste, in Markdown (a list item with a code block) and in
// JSON, credentials in free text masked; a review cut for GitHub closes the block it cut into.
import * as assert from "node:assert/strict";
import { parseStackConfig } from "../../components/config/schema";
import { Discovered, planIngress } from "../../components/plan/plan";
import { diffStack } from "../../components/review/diff";
import { renderDiffReport } from "../../components/review/diff-markdown";
import { renderReview } from "../../components/review/markdown";
import { cutReview, COMMENT_LIMIT, HEADROOM } from "../../components/review/cut";
import { previewRefusals, verdictLines } from "../../components/review/verdict";
import { foundExposure } from "../support/exposure";
import { portRule } from "../support/rules";

const SENTINEL = "s3cr3t-sentinel-refusal";
const GROUP = { id: "6c1f0c2e-0000-4000-8000-0000000000ee", name: "capi-mgmt-sg" };
// Another group on the API's port, its name (Neutron free text) holding a credential.
const OTHER = { id: "9a2b7d41-0000-4000-8000-0000000000ee", name: `lb password=${SENTINEL}` };

const RAW: Record<string, unknown> = {
    securityGroup: { name: GROUP.name },
    api: { address: "10.12.7.222" },
    conductors: { static: { addresses: ["10.12.4.154"], reason: "conductors outside Juju" } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator behind the VR0 masquerade" },
    verify: { mode: "never" },
};

const rule = (id: string, group: string, port: number, prefix: string) =>
    portRule(id, group, port, prefix, { description: "" });

// Two wide rules to retire (not approved) and two rules of the other group beyond the allow-set:
// the preview refuses twice, each over several lines.
const RULES = [
    rule("r-wide-6443", GROUP.id, 6443, "0.0.0.0/0"),
    rule("r-wide-22", GROUP.id, 22, "0.0.0.0/0"),
    rule("r-lb-6443", OTHER.id, 6443, "198.51.100.0/24"),
    rule("r-lb-22", OTHER.id, 22, "203.0.113.0/24"),
];

function found(): Discovered {
    return {
        group: GROUP,
        api: { address: "10.12.7.222", port: 6443, provenance: "config api.address" },
        apiPorts: [],
        conductors: [{ source: "10.12.4.154", provenance: "config conductors.static" }],
        hairpin: [],
        rules: RULES.filter((r) => r.security_group_id === GROUP.id),
        exposure: foundExposure([GROUP, OTHER], RULES),
        warnings: [],
    };
}

function refusals(): string[] {
    const config = parseStackConfig(RAW);
    return previewRefusals(config, planIngress(config, found()));
}

describe("review: refusals shown whole", () => {
    it("keeps every line of each refusal, masking credentials line by line", () => {
        const [exposure, retire] = refusals();
        assert.match(exposure, /^exposure: after this update the API's port would still admit/);
        for (const line of [
            /\n {2}6443\/tcp IPv4: .*198\.51\.100\.0\/24.* beyond the allow-set\n/,
            /\n {2}22\/tcp IPv4: .*203\.0\.113\.0\/24.* beyond the allow-set\n/,
            /\n {2}- rule r-lb-6443 in group lb password=\*\*\*\* \(9a2b7d41-[^)]*\): admits /,
            /\n {2}- rule r-lb-22 in group lb password=\*\*\*\* /,
            /\n {6}ways out: remove it by hand \(openstack security group rule delete r-lb-6443\); or accept it: /,
            /\n {6}not: retire: .* this rule is in another group(\n|$)/,
        ]) {
            assert.match(exposure, line);
        }
        assert.match(retire, /^Refusing to retire: 2 retire target\(s\) measured in group /);
        assert.match(retire, /\n {2}- r-wide-6443: 0\.0\.0\.0\/0 on tcp 6443\n {2}- r-wide-22: /);
        assert.match(retire, /\n {2}capi-mgmt-ingress:approvedRetirement:\n {4}digest: sha256:/);
        assert.ok(!`${exposure}${retire}`.includes(SENTINEL));
    });

    it("Markdown: the first line as the item, the rest verbatim in a code block inside it", () => {
        const all = refusals();
        const lines = verdictLines("prod", all);
        assert.equal(lines[1], "**Verdict (`prod`):** the preview would refuse (exit 1):");
        const items = lines.filter((l) => l.startsWith("- "));
        assert.deepEqual(
            items,
            all.map((r) => `- ${r.split("\n")[0]}`),
        );
        for (const refusal of all) {
            const rest = refusal.split("\n").slice(1);
            const at = lines.indexOf(`- ${refusal.split("\n")[0]}`);
            assert.deepEqual(lines.slice(at + 1, at + 4 + rest.length), [
                "",
                "  ```text",
                ...rest.map((l) => `  ${l}`),
                "  ```",
            ]);
        }
        // A one-line refusal stays one item; a fence outruns the backticks the text holds.
        assert.deepEqual(verdictLines("p", ["exposure: x"]).slice(3), ["- exposure: x"]);
        const ticks = verdictLines("p", [["first", "a ``` b", "```` c"].join("\n")]);
        assert.deepEqual(ticks.slice(3), [
            "- first",
            "",
            "  `````text",
            "  a ``` b",
            "  ```` c",
            "  `````",
        ]);
    });

    it("review --base --live: the head's refusals whole in Markdown and JSON, no credential", () => {
        const diff = diffStack(
            "prod",
            { raw: RAW, found: found() },
            { raw: RAW, found: found() },
            true,
        );
        assert.deepEqual(diff.verdict!.refusals, refusals());
        const report = { base: "main", head: "the working tree", stacks: [diff] };
        const markdown = renderDiffReport(report);
        const json = JSON.stringify(report);
        for (const text of [markdown, json]) {
            assert.ok(!text.includes(SENTINEL), text);
        }
        assert.match(markdown, /\n {4}- rule r-lb-22 in group lb password=\*\*\*\* /);
        assert.match(markdown, /\n {6}targets: \[r-wide-22, r-wide-6443\]\n {2}```\n/);
        assert.match(json, /\\n {2}- rule r-lb-22 in group lb password=\*\*\*\* /);
    });

    it("the review around the verdict masks the group names the refusals quote", () => {
        const config = parseStackConfig(RAW);
        const plan = planIngress(config, found());
        const group = `${OTHER.name} (${OTHER.id})`;
        const text = renderReview({
            stack: "prod",
            config,
            live: { plan, group, api: "10.12.7.222:6443", warnings: [] },
        });
        assert.match(text, /\| lb password=\*\*\*\* \| r-lb-22 \|/);
        assert.match(text, /Security groups read on the API's port: .*lb password=\*\*\*\* \(/);
        assert.match(text, /Security group: lb password=\*\*\*\* \(/);
        assert.ok(!text.includes(SENTINEL), text);
    });

    it("a review cut inside a refusal's block closes it as indented, so the cut note stays outside", () => {
        const head = "## capi-mgmt-ingress: stack `prod`\n\n" + "| r | x |\n".repeat(5000);
        const verdict = verdictLines("prod", refusals()).join("\n");
        // Cut at the limit a few lines into the first refusal's block.
        const start = head.length + verdict.indexOf("  ```text");
        const limit = start + 200 + HEADROOM + 400;
        const cut = cutReview(`${head}${verdict}\n`, { limit, fullReviewAt: "the job summary" });
        assert.ok(Buffer.byteLength(cut) <= limit - HEADROOM);
        const lines = cut.trimEnd().split("\n");
        assert.match(lines.at(-1)!, /^> \*\*This review was cut\*\*/);
        assert.equal(lines.at(-3), "  ```", "the block closed at the item's indentation");
        assert.equal(lines.filter((l) => /^ {0,3}```/.test(l)).length, 2);
        assert.ok(COMMENT_LIMIT > limit);
    });
});
