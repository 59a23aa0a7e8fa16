import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStackConfig } from "../../components/config/schema";
import { Discovered, planIngress } from "../../components/plan/plan";
import { renderComparison, renderReview, ReviewInput } from "../../components/review/markdown";
import { roleDescription } from "../../components/model/rules";
import { maskSecrets } from "../../components/mask";
import { loadStackConfig } from "../../components/config/stackfile";
import { foundExposure } from "../support/exposure";

const GOLDEN = path.join(__dirname, "..", "fixtures", "review");

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it (then read the diff before committing). */
function golden(name: string, actual: string): void {
    const file = path.join(GOLDEN, name);
    if (process.env.UPDATE_GOLDEN === "1") {
        fs.writeFileSync(file, actual);
    }
    assert.equal(actual, fs.readFileSync(file, "utf8"));
}

const OTHER = { id: "9a2b7d41-0000-4000-8000-000000000002", name: "lb-health-sg" };

function livePlan(stack: string): ReviewInput {
    const config = loadStackConfig(stack);
    const group = { id: "6c1f0c2e-0000-4000-8000-000000000001", name: "capi-mgmt-sg" };
    const found: Discovered = {
        group,
        api: { address: "10.12.7.222", port: 6443, provenance: "config api.address" },
        apiPorts: [
            {
                id: "port-api",
                via: "floating-ip",
                portSecurityEnabled: true,
                // A second group on the API's port: its rules count, and are never changed.
                securityGroupIds: ["6c1f0c2e-0000-4000-8000-000000000001", OTHER.id],
            },
        ],
        conductors: ["10.12.4.154", "10.12.4.155", "10.12.4.156"].map((source, i) => ({
            source,
            provenance: `juju magnum/${i}: ip -j route get 10.12.7.222 → prefsrc ${source}`,
        })),
        hairpin: [{ source: "10.20.0.0/24", provenance: "subnet capi-mgmt-subnet cidr" }],
        rules: [
            rule("r-wide-6443", 6443, "0.0.0.0/0"),
            rule("r-wide-22", 22, "0.0.0.0/0"),
            { ...rule("r-hand", 6443, "10.12.4.154/32"), description: "by hand (D-063)" },
            { ...rule("r-own", 22, "10.12.4.1/32"), description: roleDescription("operator") },
            {
                ...rule("r-range", 6443, "192.0.2.0/24"),
                port_range_min: 6000,
                port_range_max: 7000,
            },
        ],
        exposure: foundExposure([group], []),
        warnings: [],
    };
    found.exposure = foundExposure(
        [group, OTHER],
        [
            ...found.rules,
            { ...rule("r-other-wide", 6443, "0.0.0.0/0"), security_group_id: OTHER.id },
            { ...rule("r-other-ssh", 22, "203.0.113.0/24"), security_group_id: OTHER.id },
        ],
    );
    return {
        stack,
        config,
        live: {
            plan: planIngress(config, found),
            group: "capi-mgmt-sg (6c1f…)",
            api: "10.12.7.222:6443",
            warnings: [],
        },
    };
}

function rule(id: string, port: number, prefix: string) {
    return {
        id,
        security_group_id: "6c1f0c2e-0000-4000-8000-000000000001",
        direction: "ingress" as const,
        ethertype: "IPv4" as const,
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: prefix,
        remote_group_id: null,
        description: null,
    };
}

describe("review", () => {
    it("renders each committed stack's effective settings", () => {
        for (const stack of ["example", "rehearsal"]) {
            golden(`${stack}.md`, renderReview({ stack, config: loadStackConfig(stack) }));
        }
    });

    it("renders the live allow-set, the adopted rules, the retire targets and the drift", () => {
        golden("example-live.md", renderReview(livePlan("example")));
    });

    it("counts every group on the API's port: another group's wide rule stays in the exposure after", () => {
        const text = renderReview(livePlan("example"));
        const exposure = text.slice(text.indexOf("### Effective exposure"));
        const row = exposure.split("\n").find((l) => l.startsWith("| 6443/tcp IPv4 |"))!;
        // Before and after alike: the managed group's wide rule goes, the other group's stays.
        assert.equal(row.split(" | ")[2], "every IPv4 address");
        assert.match(exposure, /\| lb-health-sg \| r-other-wide \| 0\.0\.0\.0\/0 \|/);
        assert.match(exposure, /\| lb-health-sg \| r-other-ssh \| 203\.0\.113\.0\/24 \|/);
        assert.doesNotMatch(exposure, /\| capi-mgmt-sg \| r-wide-6443 \|/);
        assert.match(exposure, /The preview refuses/);
    });

    it("says offline that no group on the port was read", () => {
        const text = renderReview({ stack: "example", config: loadStackConfig("example") });
        assert.match(text, /every other security group on the API's port .* are unknown here/);
        assert.doesNotMatch(text, /\| port \| before \| after/);
    });

    it("shows what differs between two environments", () => {
        const staging = parseStackConfig({
            ...JSON.parse(JSON.stringify(loadStackConfig("example"))),
            cloud: "staging",
            operator: {
                cidrs: ["10.30.4.1/32"],
                ports: [6443, 22],
                reason: "staging operator NAT",
            },
        });
        const a = livePlan("example");
        const b: ReviewInput = { ...livePlan("example"), stack: "staging", config: staging };
        b.live!.plan.allowSet = b.live!.plan.allowSet.filter(
            (e) => !e.remoteIpPrefix.startsWith("10.12.4.156"),
        );
        golden("example-against-staging.md", renderComparison(a, b));
    });

    it("masks what looks like a credential", () => {
        assert.equal(
            maskSecrets('curl -H "Authorization: Bearer abc.def" --password s3cret token=xyz'),
            'curl -H "Authorization: Bearer ****" --password **** token=****',
        );
    });
});
