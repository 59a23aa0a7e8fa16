// Security group names on the local Neutron that hold a credential-like value: the audit, verify
// and the live review (text, Markdown and --json) and their errors mask it, the rest of the names
// and of discovery's warning quoting them still shown (safety invariant 5).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { networkRequest, openSession, Session } from "../../components/openstack/keystone";
import { createRule } from "../../components/openstack/networking";
import { createSecurityGroup, deleteSecurityGroup } from "../../tools/localcloud/admin";
import { seedBefore } from "../../tools/localcloud/seed";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
import { createGuardedGroup, GuardedGroup } from "../support/guarded-group";
import { launch } from "../support/launcher";
import { writeLocalStack } from "../support/local-stack";

const API = "10.20.0.62";
const SENTINEL = "s3cr3t-sentinel-group-name";

describe("cloud free text masked in the audit, verify and the live review (local OpenStack)", function () {
    this.timeout(300000);
    let s: Session;
    let env: NodeJS.ProcessEnv;
    let guarded: GuardedGroup;
    let otherId: string;
    let spareId: string;
    let peerId: string;
    let dir: string;
    let managedName: string;
    let masked: { managed: string; other: string; spare: string };

    before(async function () {
        const cloud = await cloudOrSkip(this);
        env = { ...process.env, ...cloud.env };
        const seed = await seedBefore(cloud);
        s = await openSession({ cloud: cloud.cloudName, env });
        const suffix = Date.now().toString(36);
        // Named as Cluster API Provider OpenStack names its groups: discovery warns, quoting it.
        managedName = `k8s-cluster-m${suffix}-secgroup-password=${SENTINEL}`;
        guarded = await createGuardedGroup(s, seed, managedName, API);
        otherId = (await createSecurityGroup(s, { name: `lab ${suffix}, token: ${SENTINEL}` })).id;
        spareId = (await createSecurityGroup(s, { name: `spare ${suffix} secret=${SENTINEL}` })).id;
        masked = {
            managed: `k8s-cluster-m${suffix}-secgroup-password=****`,
            other: `lab ${suffix}, token: ****`,
            spare: `spare ${suffix} secret=****`,
        };
        await networkRequest(
            s,
            "PUT",
            `/v2.0/ports/${guarded.portId}`,
            { port: { security_groups: [guarded.groupId, otherId] } },
            [200],
        );
        // Beyond the allow-set, and the only rule admitting the operator on 22.
        peerId = (
            await createRule(s, {
                security_group_id: otherId,
                direction: "ingress",
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: 22,
                port_range_max: 22,
                remote_ip_prefix: "203.0.113.0/24",
            })
        ).id;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-text-"));
    });

    after(async () => {
        if (!s) {
            return;
        }
        await guarded.remove();
        await deleteSecurityGroup(s, otherId);
        await deleteSecurityGroup(s, spareId);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function stackFile(name: string, groupId: string): string {
        return writeLocalStack(dir, name, {
            cloud: env.OS_CLOUD,
            groupId,
            api: API,
            conductor: "10.20.0.42",
            operator: "203.0.113.1/32",
            whose: "the masking test's",
            custom: [{ name: "api-reachable", command: "true" }],
        });
    }

    /** The command's exit status and everything it printed, which must not hold the sentinel. */
    function run(args: string[]): { status: number | null; out: string } {
        const r = launch(args, env);
        const out = `${r.stdout}\n${r.stderr}`;
        assert.ok(!out.includes(SENTINEL), `${args.join(" ")} printed the secret:\n${out}`);
        return { status: r.status, out };
    }

    it("the audit, text and --json: the group, the groups read, the rule beyond the allow-set", () => {
        const file = stackFile("audit", guarded.groupId);
        const text = run(["audit", "--stack", file]);
        assert.equal(text.status, 1, text.out);
        assert.ok(text.out.includes(`group ${masked.managed} (${guarded.groupId})`), text.out);
        assert.ok(text.out.includes(`EXPOSED: rule ${peerId} in ${masked.other} (${otherId})`));
        const { status, out } = run(["audit", "--stack", file, "--json"]);
        assert.equal(status, 1, out);
        const json = JSON.parse(out) as {
            group: string;
            missing: { admittedBy: string[] }[];
            exposure: { groups: { name: string }[]; beyondAllowSet: { group: string }[] };
        };
        assert.equal(json.group, `${masked.managed} (${guarded.groupId})`);
        assert.deepEqual(json.exposure.groups.map((g) => g.name).sort(), [
            masked.managed,
            masked.other,
        ]);
        assert.deepEqual(
            json.exposure.beyondAllowSet.map((r) => r.group),
            [`${masked.other} (${otherId})`],
        );
        assert.ok(
            json.missing.some((m) =>
                m.admittedBy.includes(`rule ${peerId} in ${masked.other} (${otherId})`),
            ),
            JSON.stringify(json.missing),
        );
    });

    it("verify, text and --json: the group and the exposing rule's group", () => {
        const file = stackFile("verify", guarded.groupId);
        const text = run(["verify", "--stack", file]);
        assert.equal(text.status, 1, text.out);
        assert.ok(text.out.includes(`group ${masked.managed} (${guarded.groupId})`), text.out);
        const { status, out } = run(["verify", "--stack", file, "--json"]);
        assert.equal(status, 1, out);
        const json = JSON.parse(out) as { group: string; results: { detail: string }[] };
        assert.equal(json.group, `${masked.managed} (${guarded.groupId})`);
        assert.ok(
            json.results.some((r) =>
                r.detail.startsWith(`rule ${peerId} in group ${masked.other} (${otherId}) admits`),
            ),
            out,
        );
    });

    it("the live review, Markdown and --json: the group and discovery's warning", () => {
        const file = stackFile("review", guarded.groupId);
        const warning = `security group ${masked.managed} looks managed by Cluster API Provider OpenStack`;
        const md = run(["review", "--stack", file, "--live"]);
        // Exit 1: the preview would refuse, as the rule beyond the allow-set is not accepted.
        assert.equal(md.status, 1, md.out);
        assert.ok(md.out.includes(`Security group: ${masked.managed} (${guarded.groupId})`));
        assert.ok(md.out.includes(`> **Warning:** ${warning}`), md.out);
        assert.ok(md.out.includes(`${masked.other} (${otherId})`));
        const { status, out } = run(["review", "--stack", file, "--live", "--json"]);
        assert.equal(status, 1, out);
        const json = JSON.parse(out) as {
            stacks: { live: { group: string; warnings: string[] } }[];
        };
        const live = json.stacks[0].live;
        assert.equal(live.group, `${masked.managed} (${guarded.groupId})`);
        assert.ok(
            live.warnings.some((w) => w.startsWith(warning)),
            JSON.stringify(live.warnings),
        );
    });

    it("the error of a group that does not guard the API, as the audit reports it", () => {
        const { status, out } = run(["audit", "--stack", stackFile("spare", spareId), "--json"]);
        assert.equal(status, 2, out);
        assert.ok(out.includes(`not by ${masked.spare} (${spareId}); refusing`), out);
    });
});
