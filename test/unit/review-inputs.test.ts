// Stack files the base-against-head review must survive. Secrets never reach it in plaintext:
// not under keys the schema refuses (the review renders the file before it validates), not in
// free text, not from a stack file that does not parse or holds a `secure:` value; and a file
// that cannot be read on one side is a problem in a changed stack, never an added or deleted one.
import * as assert from "node:assert/strict";
import { diffStack, SideInput, StackDiff } from "../../components/review/diff";
import { renderStackDiff } from "../../components/review/diff-markdown";
import { renderDiffReport } from "../../components/review/diff-markdown";
import { parseStackFileText } from "../../components/config/stackfile";
import { parseStackConfig } from "../../components/config/schema";
import { renderReview } from "../../components/review/markdown";
import { Discovered, planIngress } from "../../components/plan/plan";
import { nothingMeasured } from "../../components/discover/exposure";
import type { NeutronRule } from "../../components/model/rules";
import { foundExposure } from "../support/exposure";

const SENTINEL = "s3cr3t-sentinel-settings";

const stack = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    securityGroup: { name: "capi-mgmt-sg" },
    api: { address: "10.12.7.222" },
    conductors: { static: { addresses: ["10.12.4.154"], reason: "conductors outside Juju" } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator behind the VR0 masquerade" },
    verify: { mode: "never" },
    ...extra,
});

/** The review of one stack as Markdown and as JSON, the two forms it is published in. */
function published(base: SideInput, head: SideInput): { text: string; keys: string[] } {
    const diff = diffStack("prod", base, head, false);
    const report = { base: "main", head: "the working tree", stacks: [diff] };
    return {
        text: `${renderDiffReport(report)}\n${JSON.stringify(report)}`,
        keys: diff.settings.map((s) => `${s.key} ${s.change}`),
    };
}

/** The value the YAML would give a key, as a side whose file could not be read. */
function sideOf(text: string): SideInput {
    try {
        return { raw: parseStackFileText(text, "main:stacks/Pulumi.prod.yaml") };
    } catch (err) {
        return { error: (err as Error).message };
    }
}

describe("review: stack files nobody expected", () => {
    it("hides values under keys named like credentials, still showing that they changed", () => {
        const secrets = (suffix: string) => ({
            password: `${SENTINEL}-pw-${suffix}`,
            osCredentials: { applicationCredentialSecret: `${SENTINEL}-ac-${suffix}` },
            apiToken: `${SENTINEL}-tok-${suffix}`,
            api_key: [`${SENTINEL}-key-${suffix}`],
            privateKey: { pem: `${SENTINEL}-pem-${suffix}` },
        });
        const { text, keys } = published(
            { raw: stack(secrets("base")) },
            { raw: stack(secrets("head")) },
        );
        assert.ok(!text.includes(SENTINEL), text);
        assert.deepEqual(keys, [
            "apiToken changed",
            "api_key changed",
            "osCredentials changed",
            "password changed",
            "privateKey changed",
        ]);
        assert.match(text, /\| password \| changed \| \(not shown\) \| \(not shown\) \|/);
        // Unchanged secrets are compared, not only hidden: no row.
        assert.deepEqual(
            published({ raw: stack(secrets("same")) }, { raw: stack(secrets("same")) }).keys,
            [],
        );
    });

    it("masks credentials in free text, in the settings and in the rows' provenance", () => {
        const reason = `see https://admin:${SENTINEL}@wiki.example/x, password: ${SENTINEL}2`;
        for (const cidrs of [["10.12.4.1/32"], ["10.12.4.2/32"]]) {
            const { text } = published(
                { raw: stack() },
                { raw: stack({ operator: { cidrs, reason } }) },
            );
            assert.ok(text.includes("operator.reason"));
            assert.ok(!text.includes(SENTINEL), text);
        }
        const config = parseStackConfig(stack({ operator: { cidrs: ["10.12.4.2/32"], reason } }));
        const found: Discovered = {
            group: { id: "g", name: "capi-mgmt-sg" },
            api: { address: "10.12.7.222", port: 6443, provenance: "config api.address" },
            apiPorts: [],
            conductors: [{ source: "10.12.4.154", provenance: "config conductors.static" }],
            hairpin: [],
            rules: [],
            exposure: nothingMeasured(),
            warnings: [],
        };
        const plan = planIngress(config, found);
        const live = { plan, group: "capi-mgmt-sg (g)", api: "10.12.7.222:6443", warnings: [] };
        const text = renderReview({ stack: "prod", config, live });
        assert.ok(text.includes("https://admin:****@wiki.example/x"), text);
        assert.ok(!text.includes(SENTINEL), text);
    });

    it("masks credentials in an accepted exposure's reason", () => {
        const other = { id: "g-other", name: "lb-health-sg" };
        const reason = `the LB's health check, token=${SENTINEL}`;
        const config = parseStackConfig(
            stack({ acceptedExposure: [{ group: "lb-health-sg", reason }] }),
        );
        const wideOther: NeutronRule = {
            id: "r-other",
            security_group_id: other.id,
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            port_range_min: 6443,
            port_range_max: 6443,
            remote_ip_prefix: "198.51.100.0/24",
            remote_group_id: null,
            description: "",
        };
        const found: Discovered = {
            group: { id: "g", name: "capi-mgmt-sg" },
            api: { address: "10.12.7.222", port: 6443, provenance: "config api.address" },
            apiPorts: [],
            conductors: [{ source: "10.12.4.154", provenance: "config conductors.static" }],
            hairpin: [],
            rules: [],
            exposure: foundExposure([{ id: "g", name: "capi-mgmt-sg" }, other], [wideOther]),
            warnings: [],
        };
        const live = { plan: planIngress(config, found), group: "g", api: "a", warnings: [] };
        const text = renderReview({ stack: "prod", config, live });
        assert.match(text, /\| lb-health-sg \| r-other \|.*token=\*\*\*\* \|/);
        assert.ok(!text.includes(SENTINEL), text);
    });

    it("names a base that does not parse or holds a secure value, never its text", () => {
        const broken = sideOf(
            `config:\n  capi-mgmt-ingress:token: ${SENTINEL}\n  capi-mgmt-ingress:token: again\n`,
        );
        const secure = sideOf(`config:\n  capi-mgmt-ingress:password:\n    secure: ${SENTINEL}\n`);
        for (const base of [broken, secure]) {
            assert.ok(base.error, "the side is unreadable");
            const { text } = published(base, { raw: stack() });
            assert.equal(diffStack("prod", base, { raw: stack() }, false).status, "modified");
            assert.equal(diffStack("prod", { raw: stack() }, base, false).status, "modified");
            assert.match(text, /\*\*Problem:\*\* base: [^]*?main:stacks\/Pulumi\.prod\.yaml/);
            assert.ok(!text.includes(SENTINEL), text);
        }
    });
});

describe("review: an approval with nothing to retire", () => {
    it("reports a spent approval at head, not an approval to give", () => {
        const spent: StackDiff = {
            ...diffStack("prod", { raw: stack() }, { raw: stack() }, false),
            retirement: {
                base: {
                    targets: [{ id: "w-6443", admits: "0.0.0.0/0 on tcp 6443" }],
                    digest: "sha256:1",
                    approval: "approved",
                },
                head: { targets: [], approval: "spent" },
            },
        };
        const text = renderStackDiff(spent).join("\n");
        assert.match(text, /Head: nothing to retire; its approvedRetirement is spent/);
        assert.ok(!text.includes("To approve"), text);
    });
});
