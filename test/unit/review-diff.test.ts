// Base against head: the pure diff, one live measurement shared by both sides, custom checks by
// name only (the command-line tool on a fresh copy of the repository: review-repo.test.ts).
import * as assert from "node:assert/strict";
import { diffSettings, diffStack } from "../../components/review/diff";
import { renderDiffReport } from "../../components/review/diff-markdown";
import { measureBoth } from "../../components/review/live";
import { renderReview, settingsRows } from "../../components/review/markdown";
import { parseStackConfig } from "../../components/config/schema";
import { retirementDigest } from "../../components/plan/approval";
import type { OpenStackLookups } from "../../components/discover/discovery";
import type { NeutronRule } from "../../components/model/rules";
import { portRule } from "../support/rules";

const SENTINEL = "s3cr3t-sentinel-review";
const GROUP = "6c1f0c2e-0000-4000-8000-0000000000bb";

function staticStack(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        securityGroup: { name: "capi-mgmt-sg" },
        api: { address: "10.12.7.222" },
        conductors: { static: { addresses: ["10.12.4.154"], reason: "conductors outside Juju" } },
        operator: { cidrs: ["10.12.4.1/32"], reason: "operator behind the VR0 masquerade" },
        hairpin: { subnets: ["capi-mgmt-subnet"] },
        verify: {
            mode: "never",
            custom: [
                { name: "api-auth", command: `curl -u admin:${SENTINEL} https://10.12.7.222` },
            ],
        },
        ...overrides,
    };
}

const wide = (id: string, port: number): NeutronRule =>
    portRule(id, GROUP, port, "0.0.0.0/0", { description: "" });

/** Lookups that count their calls, and whose rules change on every listing. */
function countingLookups() {
    const calls: string[] = [];
    let listings = 0;
    const lookups: OpenStackLookups = {
        securityGroup: async () => (
            calls.push("securityGroup"),
            { id: GROUP, name: "capi-mgmt-sg" }
        ),
        subnet: async (ref) => (
            calls.push(`subnet ${ref}`),
            { id: "subnet-1", name: ref, cidr: "10.20.0.0/24" }
        ),
        routerGatewayIps: async (ref) => {
            throw new Error(`no router expected (${ref})`);
        },
        apiPorts: async () => (
            calls.push("apiPorts"),
            [{ id: "p", via: "fixed-ip", portSecurityEnabled: true, securityGroupIds: [GROUP] }]
        ),
        groupNames: async (ids) => new Map(ids.map((id) => [id, "capi-mgmt-sg"])),
        remoteGroupAddresses: async (id) => {
            throw new Error(`no remote group expected (${id})`);
        },
        addressGroupAddresses: async (id) => {
            throw new Error(`no address group expected (${id})`);
        },
        rulesOfGroups: async () => {
            calls.push("listRules");
            listings += 1;
            // A second listing would see a new wide rule: the review must not take one.
            return listings === 1
                ? [wide("w-6443", 6443)]
                : [wide("w-6443", 6443), wide("w-22", 22)];
        },
    };
    return { lookups, calls };
}

describe("review: base against head", () => {
    it("shows an operator CIDR change as the old rows lost and the new rows gained", () => {
        const head = staticStack({
            operator: { cidrs: ["10.12.4.9/32"], reason: "operator behind the VR0 masquerade" },
        });
        const diff = diffStack("prod", { raw: staticStack() }, { raw: head }, false);
        assert.equal(diff.status, "modified");
        assert.deepEqual(diff.settings, [
            {
                key: "operator.cidrs",
                change: "changed",
                base: "10.12.4.1/32",
                head: "10.12.4.9/32",
            },
        ]);
        assert.deepEqual(
            diff.allowSet.map((r) => `${r.change} ${r.role} ${r.port} ${r.source}`),
            [
                "lost operator 22 10.12.4.1/32",
                "lost operator 6443 10.12.4.1/32",
                "gained operator 22 10.12.4.9/32",
                "gained operator 6443 10.12.4.9/32",
            ],
        );
        assert.match(diff.allowSet[0].provenance, /config operator\.cidrs\[0\]/);
    });

    it("shows a stack added or deleted as such, and a config that does not validate as a problem", () => {
        const added = diffStack("new", {}, { raw: staticStack() }, false);
        assert.equal(added.status, "added");
        assert.ok(added.settings.every((s) => s.change === "added"));
        assert.ok(added.allowSet.length > 0 && added.allowSet.every((r) => r.change === "gained"));
        const deleted = diffStack("old", { raw: staticStack() }, {}, false);
        assert.equal(deleted.status, "deleted");
        assert.ok(deleted.allowSet.every((r) => r.change === "lost"));
        assert.match(
            renderDiffReport({ base: "main", head: "HEAD", stacks: [added, deleted] }),
            /`new` \(added by this change\)[\s\S]*`old` \(deleted by this change\)/,
        );
        const broken = diffStack(
            "x",
            { raw: staticStack() },
            { raw: staticStack({ minPrefixLength: 99 }) },
            false,
        );
        assert.match(
            broken.problems.join("\n"),
            /^head: [\s\S]*capi-mgmt-ingress:minPrefixLength: Too big/,
        );
    });

    it("lists retire selectors gained and lost", () => {
        const head = staticStack({ retire: [{ remote: "0.0.0.0/0", ports: [6443] }] });
        const diff = diffStack("prod", { raw: staticStack() }, { raw: head }, false);
        assert.deepEqual(
            diff.retireSelectors.map((s) => `${s.change} ${s.remote} ${s.ports.join(",")}`),
            ["lost 0.0.0.0/0 6443,22", "lost ::/0 6443,22", "gained 0.0.0.0/0 6443"],
        );
    });

    it("shows custom checks by name, never their command lines, in Markdown and JSON", () => {
        const base = staticStack();
        const head = staticStack({
            verify: {
                mode: "never",
                custom: [{ name: "api-auth", command: `curl -u admin:${SENTINEL}-2 x` }],
            },
        });
        const changes = diffSettings(base, head);
        assert.deepEqual(changes, [
            {
                key: "verify.custom[api-auth].command",
                change: "changed",
                base: "(not shown)",
                head: "(not shown)",
            },
        ]);
        const diff = diffStack("prod", { raw: base }, { raw: head }, false);
        const report = { base: "main", head: "HEAD", stacks: [diff] };
        const config = parseStackConfig(head);
        for (const text of [
            renderDiffReport(report),
            JSON.stringify(report),
            renderReview({ stack: "prod", config }),
            JSON.stringify(settingsRows(config)),
        ]) {
            assert.ok(text.includes("api-auth"), "the check is named");
            assert.ok(!text.includes(SENTINEL), "the command line is not shown");
            assert.ok(!text.includes("curl"), "the command line is not shown");
        }
    });

    it("reviews a stack whose API port comes from the kubeconfig by the port the stack implies", () => {
        const onPort = (protectedPorts: number[], hairpin?: number[]) =>
            staticStack({
                api: { fromKubeconfig: { path: "/etc/kubernetes/admin.conf" } },
                protectedPorts,
                operator: {
                    cidrs: ["10.12.4.1/32"],
                    reason: "operator behind the VR0 masquerade",
                    ports: protectedPorts,
                },
                hairpin: { subnets: ["capi-mgmt-subnet"], ...(hairpin ? { ports: hairpin } : {}) },
            });
        const conductorPorts = (raw: Record<string, unknown>) => {
            // A stack this change adds: every row of its allow-set is gained.
            const diff = diffStack("prod", {}, { raw }, false);
            assert.deepEqual(diff.problems, []);
            const config = parseStackConfig(raw);
            assert.ok(!renderReview({ stack: "prod", config }).includes("Problem"));
            return [
                ...new Set(
                    diff.allowSet
                        .filter((r) => r.change === "gained" && r.role === "conductor")
                        .map((r) => r.port),
                ),
            ];
        };
        // The API on 443: protected, and the hairpin (the API's port alone) says so.
        assert.deepEqual(conductorPorts(onPort([443, 22], [443])), [443]);
        assert.deepEqual(conductorPorts(onPort([443, 22])), [443]);
        assert.deepEqual(conductorPorts(onPort([443, 6443, 22], [443])), [443]);
        assert.deepEqual(conductorPorts(onPort([443, 6443, 22])), [6443]);
    });

    it("counts every group on the API's port in each side's exposure, not only the managed one", async () => {
        const other = "7d3e0c2e-0000-4000-8000-0000000000cc";
        const { lookups } = countingLookups();
        lookups.apiPorts = async () => [
            {
                id: "p",
                via: "fixed-ip",
                portSecurityEnabled: true,
                securityGroupIds: [GROUP, other],
            },
        ];
        lookups.groupNames = async (ids) =>
            new Map(ids.map((id) => [id, id === other ? "lb-health-sg" : "capi-mgmt-sg"]));
        lookups.rulesOfGroups = async (ids) => {
            assert.deepEqual([...ids].sort(), [GROUP, other].sort());
            return [wide("w-6443", 6443), { ...wide("o-6443", 6443), security_group_id: other }];
        };
        const head = staticStack({
            hairpin: {
                subnets: ["capi-mgmt-subnet"],
                cidrs: [{ cidr: "10.30.0.0/24", reason: "second management subnet" }],
            },
        });
        const measured = await measureBoth(
            parseStackConfig(staticStack()),
            parseStackConfig(head),
            lookups,
        );
        const diff = diffStack(
            "prod",
            { raw: staticStack(), found: measured.base },
            { raw: head, found: measured.head },
            true,
        );
        // The managed group's w-6443 is retired on both sides; lb-health-sg's o-6443 is not, so
        // 6443 stays open to every address whatever the change: no exposure row differs.
        assert.deepEqual(
            diff.retirement!.head!.targets.map((t) => t.id),
            ["w-6443"],
        );
        assert.deepEqual(diff.exposure, []);
        const report = renderDiffReport({ base: "main", head: "the working tree", stacks: [diff] });
        assert.match(report, /No change\./);
        // Without the other group, the same change shows: the port's exposure decides.
        const { lookups: alone } = countingLookups();
        const single = await measureBoth(
            parseStackConfig(staticStack()),
            parseStackConfig(head),
            alone,
        );
        const narrowed = diffStack(
            "prod",
            { raw: staticStack(), found: single.base },
            { raw: head, found: single.head },
            true,
        );
        assert.equal(narrowed.exposure!.length, 1);
        assert.doesNotMatch(narrowed.exposure![0].head, /every IPv4 address/);
    });

    it("says without --live that no group on the port was read", () => {
        const diff = diffStack("prod", { raw: staticStack() }, { raw: staticStack() }, false);
        assert.equal(diff.exposure, null);
        const text = renderDiffReport({ base: "main", head: "the working tree", stacks: [diff] });
        assert.equal(text.split("every other security group on the API's port").length, 2, text);
    });

    it("derives both sides from one measurement, so only the config's effect shows", async () => {
        const { lookups, calls } = countingLookups();
        const base = parseStackConfig(staticStack());
        const head = parseStackConfig(
            staticStack({
                hairpin: {
                    subnets: ["capi-mgmt-subnet"],
                    cidrs: [{ cidr: "10.30.0.0/24", reason: "second management subnet" }],
                },
            }),
        );
        const measured = await measureBoth(base, head, lookups);
        assert.deepEqual(
            calls.filter((c) => c === "listRules"),
            ["listRules"],
        );
        assert.deepEqual(
            calls.filter((c) => c.startsWith("subnet")),
            ["subnet capi-mgmt-subnet"],
        );
        const diff = diffStack(
            "prod",
            { raw: staticStack(), found: measured.base },
            {
                raw: staticStack({
                    hairpin: {
                        subnets: ["capi-mgmt-subnet"],
                        cidrs: [{ cidr: "10.30.0.0/24", reason: "second management subnet" }],
                    },
                }),
                found: measured.head,
            },
            true,
        );
        assert.deepEqual(
            diff.allowSet.map((r) => `${r.change} ${r.role} ${r.port} ${r.source}`),
            ["gained hairpin 6443 10.30.0.0/24"],
        );
        assert.deepEqual(
            diff.exposure!.map((e) => `${e.port} ${e.ethertype}`),
            ["6443 IPv4"],
        );
        assert.ok(diff.exposure![0].head.includes("10.30.0.0/24"));
        assert.ok(!diff.exposure![0].base.includes("10.30.0.0/24"));
        assert.doesNotMatch(diff.exposure![0].head, /every IPv4 address/);
        const { base: b, head: h } = diff.retirement!;
        assert.deepEqual(b!.targets, h!.targets);
        assert.equal(
            h!.digest,
            retirementDigest(GROUP, [
                {
                    id: "w-6443",
                    shape: {
                        direction: "ingress",
                        ethertype: "IPv4",
                        protocol: "tcp",
                        portRangeMin: 6443,
                        portRangeMax: 6443,
                        remoteIpPrefix: "0.0.0.0/0",
                        remoteGroupId: null,
                    },
                },
            ]),
        );
        assert.equal(h!.approval, "not approved");
        assert.ok(
            renderDiffReport({ base: "main", head: "HEAD", stacks: [diff] }).includes(
                `digest: ${h!.digest}`,
            ),
        );
    });

    it("measures each side on its own when the change moves the API, and says so", async () => {
        const { lookups, calls } = countingLookups();
        const base = parseStackConfig(staticStack());
        const head = parseStackConfig(staticStack({ api: { address: "10.12.7.223" } }));
        const measured = await measureBoth(base, head, lookups);
        assert.equal(calls.filter((c) => c === "apiPorts").length, 2);
        assert.match(measured.notes.join(), /touches api: each side was measured on its own/);
    });
});
