// Base against head with --live: the head gets the verdict `review --stack <env> --live` gives
// (the preview would refuse, drift), in Markdown and in the counts the exit code comes from.
import * as assert from "node:assert/strict";
import { diffStack } from "../../components/review/diff";
import { renderDiffReport } from "../../components/review/diff-markdown";
import { renderComparison } from "../../components/review/markdown";
import { measureBoth } from "../../components/review/live";
import { baseReviewCounts } from "../../components/review/verdict";
import { parseStackConfig } from "../../components/config/schema";
import { retirementDigest } from "../../components/plan/approval";
import { planIngress } from "../../components/plan/plan";
import type { OpenStackLookups } from "../../components/discover/discovery";
import type { NeutronRule } from "../../components/model/rules";
import { portRule } from "../support/rules";

const GROUP = "6c1f0c2e-0000-4000-8000-0000000000dd";

const stack = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    securityGroup: { name: "capi-mgmt-sg" },
    api: { address: "10.12.7.222" },
    conductors: { static: { addresses: ["10.12.4.154"], reason: "conductors outside Juju" } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator behind the VR0 masquerade" },
    verify: { mode: "never" },
    ...overrides,
});

function lookups(rules: NeutronRule[]): OpenStackLookups {
    const none = async (what: unknown): Promise<never> => {
        throw new Error(`unexpected lookup ${String(what)}`);
    };
    return {
        securityGroup: async () => ({ id: GROUP, name: "capi-mgmt-sg" }),
        subnet: none,
        routerGatewayIps: none,
        apiPorts: async () => [
            { id: "p", via: "fixed-ip", portSecurityEnabled: true, securityGroupIds: [GROUP] },
        ],
        groupNames: async (ids) => new Map(ids.map((id) => [id, "capi-mgmt-sg"])),
        remoteGroupAddresses: none,
        addressGroupAddresses: none,
        rulesOfGroups: async () => rules,
    };
}

async function review(rules: NeutronRule[], head = stack()) {
    const measured = await measureBoth(
        parseStackConfig(stack()),
        parseStackConfig(head),
        lookups(rules),
    );
    const diff = diffStack(
        "nc",
        { raw: stack(), found: measured.base },
        { raw: head, found: measured.head },
        true,
    );
    const markdown = renderDiffReport({ base: "HEAD", head: "the working tree", stacks: [diff] });
    return { diff, markdown, counts: baseReviewCounts([diff]) };
}

describe("review --base --live: the head's verdict", () => {
    const wide = portRule("w-6443", GROUP, 6443, "0.0.0.0/0", { description: "" });
    const drift = portRule("d-6443", GROUP, 6443, "10.99.0.6/32", { description: "" });
    const operator = portRule("op-6443", GROUP, 6443, "10.12.4.1/32", { description: "" });

    it("an unapproved retirement: the preview would refuse, a finding", async () => {
        const { diff, markdown, counts } = await review([wide]);
        assert.equal(diff.verdict!.refusals.length, 1);
        assert.match(diff.verdict!.refusals[0], /Refusing to retire/);
        assert.match(
            markdown,
            /\*\*Verdict \(`nc \(head\)`\):\*\* the preview would refuse \(exit 1\)/,
        );
        assert.deepEqual(counts, { problems: 1, refusing: 1, drift: 0 });
    });

    it("drift on the group: listed in the verdict, a finding", async () => {
        const { diff, markdown, counts } = await review([operator, drift]);
        assert.deepEqual(
            diff.verdict!.drift.map((d) => d.id),
            ["d-6443"],
        );
        // 10.99.0.6/32 stays admitted on 6443 after the plan: the preview refuses too.
        assert.match(markdown, /the preview would refuse and the group has drift \(exit 1\)/);
        assert.match(markdown, /- drift: rule d-6443/);
        assert.deepEqual(counts, { problems: 1, refusing: 1, drift: 1 });
    });

    it("drift accepted by id with a reason is no finding; other drift still is", async () => {
        const accepted = stack({
            acceptedExposure: [{ rule: "d-6443", reason: "the lab's jump host, removed in May" }],
        });
        const ok = await review([operator, drift], accepted);
        assert.deepEqual(ok.diff.verdict, { refusals: [], drift: [] });
        assert.deepEqual(ok.counts, { problems: 0, refusing: 0, drift: 0 });
        const other = portRule("d2-22", GROUP, 22, "10.99.0.7/32", { description: "" });
        const still = await review([operator, drift, other], accepted);
        assert.deepEqual(
            still.diff.verdict!.drift.map((d) => d.id),
            ["d2-22"],
        );
        assert.equal(still.counts.problems, 1);
        // Naming another group does not accept a rule of the managed group.
        const elsewhere = await review(
            [operator, drift],
            stack({
                acceptedExposure: [
                    { group: "lb-health-sg", rule: "d-6443", reason: "the lab jump host" },
                ],
            }),
        );
        assert.deepEqual(
            elsewhere.diff.verdict!.drift.map((d) => d.id),
            ["d-6443"],
        );
    });

    it("an approved retirement and no drift: exit 0", async () => {
        const config = parseStackConfig(stack());
        const found = (await measureBoth(config, config, lookups([wide, operator]))).head!;
        const digest = retirementDigest(GROUP, planIngress(config, found).retireTargets);
        const { diff, markdown, counts } = await review(
            [wide, operator],
            stack({ approvedRetirement: digest }),
        );
        assert.deepEqual(diff.verdict, { refusals: [], drift: [] });
        assert.match(markdown, /the preview would go ahead and the group has no drift \(exit 0\)/);
        assert.deepEqual(counts, { problems: 0, refusing: 0, drift: 0 });
    });

    it("without --live there is no verdict to give", () => {
        const diff = diffStack("nc", { raw: stack() }, { raw: stack() }, false);
        assert.equal(diff.verdict, undefined);
        assert.equal(baseReviewCounts([diff]).problems, 0);
    });

    it("review --against compares effective settings: a default equal to a stated value is no difference", () => {
        const stated = parseStackConfig(
            stack({
                api: { address: "10.12.7.222", port: 6443 },
                retire: [{ remote: "0.0.0.0/0" }, { remote: "::/0", ports: [6443, 22] }],
            }),
        );
        const text = renderComparison(
            { stack: "a", config: parseStackConfig(stack()) },
            { stack: "b", config: stated },
        );
        assert.match(text, /### Settings that differ\n\nNone\./, text);
        const other = parseStackConfig(stack({ retire: [{ remote: "0.0.0.0/0", ports: [6443] }] }));
        const differs = renderComparison(
            { stack: "a", config: parseStackConfig(stack()) },
            { stack: "b", config: other },
        );
        assert.match(differs, /\| retire\[0\]\.ports \| 6443, 22 \| 6443 \|/);
        assert.match(differs, /\| retire\[1\]\.remote \| ::\/0 \| \(unset\) \|/);
    });
});
