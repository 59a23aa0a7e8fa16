// The effective exposure against the real local Neutron: every rule form on the API's port (a
// second group, a remote group with members, an address group, protocol "0", host bits, a range,
// any protocol, IPv6), through the audit and the preview. setMocks before each preview.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { createRule, deleteRule, getRule, RuleCreate } from "../../components/openstack/networking";
import { createSecurityGroup, deleteSecurityGroup } from "../../tools/localcloud/admin";
import { networkRequest, openSession, Session } from "../../components/openstack/keystone";
import { seedBefore } from "../../tools/localcloud/seed";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
import { createGuardedGroup, GuardedGroup } from "../support/guarded-group";
import { loadStackConfig } from "../../components/config/stackfile";
import type { StackConfig } from "../../components/config/schema";
import { approvalFor } from "../../components/plan/approval";

const declared: string[] = [];
// Set when this file's tests start, not when it loads: in a run of several files another file's
// mocks (the engine-less apply's, which run the providers) may have replaced them by then.
const previewMocks = () =>
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                declared.push(`${args.type} ${args.name}`);
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call(args) {
                throw new Error(`unmocked invoke ${args.token}`);
            },
        },
        "capi-mgmt-ingress",
        "exposure",
        true,
    );

const ROOT = path.resolve(__dirname, "..", "..");
const API = "10.20.0.60";
const MEMBER = "10.20.0.61";
// Three members, one of them IPv6: a rule through the group names each of them.
const AG_MEMBERS = ["192.0.2.0/28", "198.18.0.0/15", "2001:db8:1::/48"];

describe("effective exposure (local OpenStack)", function () {
    this.timeout(300000);
    let s: Session;
    let env: NodeJS.ProcessEnv;
    let guarded: GuardedGroup;
    let secondId: string;
    let secondName: string;
    let remoteId: string;
    let memberPortId: string;
    let addressGroupId: string;
    let wide: string[];
    let stackDir: string;
    let cloudName: string;

    const tcp = (group: string, port: number, remote: string | null): RuleCreate => ({
        security_group_id: group,
        direction: "ingress",
        ethertype: remote?.includes(":") ? "IPv6" : "IPv4",
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: remote,
    });

    before(async function () {
        const cloud = await cloudOrSkip(this);
        cloudName = cloud.cloudName;
        env = { ...process.env, ...cloud.env };
        const seed = await seedBefore(cloud);
        s = await openSession({ cloud: cloud.cloudName, env });
        const suffix = Date.now().toString(36);
        guarded = await createGuardedGroup(s, seed, `exposure-${suffix}`, API);
        secondName = `exposure-second-${suffix}`;
        secondId = (await createSecurityGroup(s, { name: secondName })).id;
        await networkRequest(
            s,
            "PUT",
            `/v2.0/ports/${guarded.portId}`,
            { port: { security_groups: [guarded.groupId, secondId] } },
            [200],
        );
        // A remote group with one member port, which also carries an allowed-address-pair.
        remoteId = (await createSecurityGroup(s, { name: `exposure-remote-${suffix}` })).id;
        memberPortId = (
            (await networkRequest(
                s,
                "POST",
                "/v2.0/ports",
                {
                    port: {
                        name: `exposure-member-${suffix}`,
                        network_id: seed.networkId,
                        fixed_ips: [{ subnet_id: seed.subnetId, ip_address: MEMBER }],
                        security_groups: [remoteId],
                        allowed_address_pairs: [{ ip_address: "10.99.0.0/30" }],
                    },
                },
                [201],
            )) as { port: { id: string } }
        ).port.id;
        addressGroupId = (
            (await networkRequest(
                s,
                "POST",
                "/v2.0/address-groups",
                {
                    address_group: {
                        name: `exposure-ag-${suffix}`,
                        addresses: AG_MEMBERS,
                    },
                },
                [201],
            )) as { address_group: { id: string } }
        ).address_group.id;
        // The ruling's wide rules: retire targets, which the plan removes.
        wide = [
            (await createRule(s, tcp(guarded.groupId, 6443, "0.0.0.0/0"))).id,
            (await createRule(s, tcp(guarded.groupId, 22, "0.0.0.0/0"))).id,
        ];
        stackDir = fs.mkdtempSync(path.join(os.tmpdir(), "exposure-"));
    });

    after(async () => {
        if (!s) {
            return;
        }
        await guarded.remove();
        await networkRequest(s, "DELETE", `/v2.0/ports/${memberPortId}`, undefined, [204, 404]);
        await deleteSecurityGroup(s, secondId);
        await deleteSecurityGroup(s, remoteId);
        await networkRequest(
            s,
            "DELETE",
            `/v2.0/address-groups/${addressGroupId}`,
            undefined,
            [204, 404],
        );
        fs.rmSync(stackDir, { recursive: true, force: true });
    });

    function stackFile(extra: Record<string, unknown> = {}): string {
        const file = path.join(stackDir, `Pulumi.exposure-${Date.now()}.yaml`);
        const config: Record<string, unknown> = {
            "capi-mgmt-ingress:cloud": cloudName,
            "capi-mgmt-ingress:securityGroup": { id: guarded.groupId },
            "capi-mgmt-ingress:api": { address: API },
            "capi-mgmt-ingress:conductors": {
                static: { addresses: ["10.20.0.31"], reason: "the exposure test's unit" },
            },
            "capi-mgmt-ingress:operator": {
                cidrs: ["203.0.113.1/32"],
                reason: "the exposure test's operator",
            },
            "capi-mgmt-ingress:verify": { mode: "never", conductors: { enabled: false } },
        };
        for (const [key, value] of Object.entries(extra)) {
            config[`capi-mgmt-ingress:${key}`] = value;
        }
        fs.writeFileSync(file, stringify({ config }));
        return file;
    }

    interface AuditJson {
        rules: { id: string; class: string }[];
        exposure: {
            ports: { port: number; ethertype: string; cidrs: string[]; beyondAllowSet: string }[];
            beyondAllowSet: {
                rule: string;
                group: string;
                admits: string;
                reaches: string[];
                accepted?: string;
            }[];
            unreadable: { ruleId: string }[];
        };
    }

    function audit(file: string): { status: number | null; json: AuditJson } {
        const run = spawnSync(
            path.join(ROOT, "tools", "cli", "capi-mgmt-ingress.js"),
            ["audit", "--stack", file, "--json"],
            { cwd: ROOT, encoding: "utf8", env },
        );
        assert.ok(run.stdout.trim().startsWith("{"), `${run.stdout}\n${run.stderr}`);
        return { status: run.status, json: JSON.parse(run.stdout) };
    }

    /** The program's preview against the local Neutron; its error, or undefined if it declared. */
    async function preview(file: string): Promise<string | undefined> {
        const config: StackConfig = loadStackConfig(file);
        const session = await openSession({ cloud: cloudName, env });
        const { liveReview, restLookups } = await import("../../components/discover/rest-lookups");
        const { runProgram } = await import("../../components/program");
        // The operator approves the retire targets the review showed; only the exposure refuses.
        const { plan } = await liveReview(config, session);
        const approved = {
            ...config,
            approvedRetirement: approvalFor(plan.groupId, plan.retireTargets),
        };
        declared.length = 0;
        previewMocks();
        try {
            await runProgram("capi-mgmt", approved, restLookups(session));
            return undefined;
        } catch (err) {
            assert.deepEqual(declared, [], "a refused preview declares nothing");
            return (err as Error).message;
        } finally {
            // Nothing was deleted: the retire targets are still there.
            for (const id of wide) {
                assert.ok(await getRule(s, id), `retire target ${id} still exists`);
            }
        }
    }

    it("passes the preview when only the managed group's retire targets are wide", async () => {
        assert.equal(await preview(stackFile()), undefined);
        const { status, json } = audit(stackFile());
        assert.equal(status, 1, "the live rules are still wide");
        assert.deepEqual(json.exposure.beyondAllowSet.map((r) => r.rule).sort(), [...wide].sort());
    });

    it("counts an ICMP echo request from anywhere on no protected port: its type and code are no ports", async () => {
        // As `openstack security group rule create --protocol icmp --icmp-type 8 --icmp-code 0`.
        const ping = await createRule(s, {
            ...tcp(guarded.groupId, 8, "0.0.0.0/0"),
            protocol: "icmp",
            port_range_max: 0,
        });
        try {
            assert.deepEqual([ping.port_range_min, ping.port_range_max], [8, 0]);
            const { json } = audit(stackFile());
            assert.deepEqual(
                json.exposure.unreadable.filter((u) => u.ruleId === ping.id),
                [],
                "not unreadable",
            );
            assert.ok(!json.exposure.beyondAllowSet.some((r) => r.rule === ping.id));
            assert.equal(json.rules.find((r) => r.id === ping.id)?.class, "unrelated");
            assert.equal(await preview(stackFile()), undefined);
        } finally {
            await deleteRule(s, ping.id);
        }
    });

    const dangerous: [string, (ids: { group: string; second: string }) => RuleCreate][] = [
        [
            "a second group on the port, tcp 6443 from anywhere",
            (g) => tcp(g.second, 6443, "0.0.0.0/0"),
        ],
        [
            'protocol "0" from anywhere',
            (g) => ({
                ...tcp(g.group, 0, "0.0.0.0/0"),
                protocol: "0",
                port_range_min: null,
                port_range_max: null,
            }),
        ],
        [
            "a range 6000-7000 from anywhere",
            (g) => ({ ...tcp(g.group, 6000, "0.0.0.0/0"), port_range_max: 7000 }),
        ],
    ];
    for (const [name, body] of dangerous) {
        it(`${name}: the audit exits 1 naming the rule, the preview refuses before any deletion`, async () => {
            const rule = await createRule(s, body({ group: guarded.groupId, second: secondId }));
            try {
                const { status, json } = audit(stackFile());
                assert.equal(status, 1);
                const named = json.exposure.beyondAllowSet.find((r) => r.rule === rule.id);
                assert.ok(named, `audit names ${rule.id}: ${JSON.stringify(json.exposure)}`);
                assert.equal(named.accepted, undefined);
                const refusal = await preview(stackFile());
                assert.ok(refusal, "the preview must refuse");
                assert.match(refusal, new RegExp(`rule ${rule.id} in group `));
                // Wide and no exact single-port tcp rule of the managed group: removal only.
                assert.match(
                    refusal,
                    new RegExp(
                        `\\n {6}ways out: remove it by hand \\(openstack security group rule delete ${rule.id}\\)\\n {6}not: retire: .*\\n {6}not: accept: .*\\(never wide\\)`,
                    ),
                );
                // Accepted with a reason, it still refuses: with it the port admits every IPv4
                // address, which no acceptance covers (never wide); the audit shows it unaccepted.
                const accepted = stackFile({
                    acceptedExposure: [{ rule: rule.id, reason: "accepted by the test" }],
                });
                const still = await preview(accepted);
                assert.ok(still, "an accepted rule admitting every address must still refuse");
                assert.match(still, /never wide/);
                assert.match(still, new RegExp(`rule ${rule.id} in group `));
                const again = audit(accepted);
                assert.equal(again.status, 1);
                assert.equal(
                    again.json.exposure.beyondAllowSet.find((r) => r.rule === rule.id)?.accepted,
                    undefined,
                );
            } finally {
                await deleteRule(s, rule.id);
            }
        });
    }

    it("reads every rule form: remote group members and pairs, address group, host bits, any protocol, IPv6", async () => {
        const g = guarded.groupId;
        const made = await Promise.all(
            [
                { ...tcp(g, 6443, null), remote_group_id: remoteId },
                { ...tcp(g, 22, null), remote_address_group_id: addressGroupId },
                tcp(g, 6443, "198.51.100.9/24"),
                {
                    ...tcp(g, 0, "203.0.113.64/26"),
                    protocol: null,
                    port_range_min: null,
                    port_range_max: null,
                },
                tcp(secondId, 6443, "2001:db8::/64"),
            ].map((body) => createRule(s, body as RuleCreate)),
        );
        try {
            const { status, json } = audit(stackFile());
            assert.equal(status, 1, "the audit ran to the end and found the exposure");
            const cidrs = (port: number, ethertype: string) =>
                json.exposure.ports.find((p) => p.port === port && p.ethertype === ethertype)!
                    .cidrs;
            // Wide rules are still live: look at what is beyond the allow-set, rule by rule.
            const admits = new Map(json.exposure.beyondAllowSet.map((r) => [r.rule, r.admits]));
            for (const rule of made) {
                assert.ok(admits.has(rule.id), `rule ${rule.id} reported`);
            }
            assert.equal(
                admits.get(made[1].id),
                `192.0.2.0/28, 198.18.0.0/15 and 2001:db8:1::/48 (in remote address group ${addressGroupId})`,
            );
            assert.deepEqual(
                json.exposure.beyondAllowSet.find((r) => r.rule === made[1].id)!.reaches,
                ["22/tcp IPv4", "22/tcp IPv6"],
            );
            assert.equal(
                admits.get(made[0].id),
                `${MEMBER}/32 and 10.99.0.0/30 (in remote group ${remoteId})`,
            );
            assert.ok(cidrs(6443, "IPv6").includes("2001:db8::/64"));
            // Every rule is still classified: one odd rule does not stop the audit.
            for (const rule of made) {
                assert.ok(
                    json.rules.some((r) => r.id === rule.id) || rule.security_group_id === secondId,
                );
            }
            // With the wide rules retired, "after" holds exactly what these rules add.
            const { liveReview } = await import("../../components/discover/rest-lookups");
            const session = await openSession({ cloud: cloudName, env });
            const before = { ...session.requests };
            const live = await liveReview(loadStackConfig(stackFile()), session);
            const after = live.plan.exposure.after.ports;
            const parts = (port: number, ethertype: string) =>
                after
                    .find((p) => p.port === port && p.ethertype === ethertype)!
                    .parts.map((p) => p.cidr);
            for (const cidr of [
                `${MEMBER}/32`,
                "10.99.0.0/30",
                "198.51.100.0/24",
                "203.0.113.64/26",
            ]) {
                assert.ok(
                    parts(6443, "IPv4").includes(cidr),
                    `${cidr} on 6443: ${parts(6443, "IPv4")}`,
                );
            }
            for (const cidr of ["192.0.2.0/28", "203.0.113.64/26"]) {
                assert.ok(parts(22, "IPv4").includes(cidr), `${cidr} on 22: ${parts(22, "IPv4")}`);
            }
            assert.deepEqual(parts(6443, "IPv6"), ["2001:db8::/64"]);
            assert.ok(live.plan.exposure.refusal);
            // The preview's refusal (and review --live's) names the rule with all its members.
            const line = live.plan.exposure.refusal
                .split("\n")
                .find((l) => l.startsWith(`  - rule ${made[1].id} in group `));
            assert.ok(
                line?.includes(
                    `(${guarded.groupId}): admits 192.0.2.0/28, 198.18.0.0/15 and ` +
                        `2001:db8:1::/48 (in remote address group ${addressGroupId}); counts`,
                ),
                live.plan.exposure.refusal,
            );
            assert.ok(session.requests.GET - before.GET > 0);
        } finally {
            await Promise.all(made.map((r) => deleteRule(s, r.id)));
        }
    });
});
