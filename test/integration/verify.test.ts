// `capi-mgmt-ingress verify` (`npm run verify`) against a group on the local OpenStack: the same checks as the update, on demand.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deriveAllowSet } from "../../components/model/allowset";
import { openSession, Session } from "../../components/openstack/keystone";
import { createRule, entryRuleBody } from "../../components/openstack/networking";
import { seedBefore } from "../../tools/localcloud/seed";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
import { createGuardedGroup, GuardedGroup } from "../support/guarded-group";
import { interruptWhenReady, survivors } from "../support/interrupt";
import { launchJson } from "../support/launcher";
import { writeLocalStack } from "../support/local-stack";

const API = "10.20.0.60";
const CONDUCTOR = "10.20.0.41";
const OPERATOR = "203.0.113.1/32";
const FAKE_KUBECTL = path.resolve(__dirname, "..", "fixtures", "fake-kubectl", "kubectl");

interface VerifyJson {
    passed: boolean;
    results: { check: string; target: string; outcome: string; passed: boolean }[];
}

describe("capi-mgmt-ingress verify (local OpenStack)", function () {
    this.timeout(300000);
    let s: Session;
    let env: NodeJS.ProcessEnv;
    let groupId: string;
    let guarded: GuardedGroup;
    let dir: string;

    before(async function () {
        const cloud = await cloudOrSkip(this);
        env = { ...process.env, ...cloud.env };
        const seed = await seedBefore(cloud);
        s = await openSession({ cloud: cloud.cloudName, env });
        const suffix = Date.now().toString(36);
        guarded = await createGuardedGroup(s, seed, `verify-${suffix}`, API);
        groupId = guarded.groupId;
        // The group as a finished `pulumi up` leaves it: exactly the allow-set.
        const allowSet = deriveAllowSet({
            protectedPorts: [6443, 22],
            apiPort: 6443,
            minPrefixLength: { IPv4: 16, IPv6: 48 },
            waivers: [],
            conductors: [{ source: CONDUCTOR, provenance: "test" }],
            operator: { sources: [{ source: OPERATOR, provenance: "test" }], ports: [6443, 22] },
            hairpin: { sources: [], ports: [6443] },
        });
        for (const entry of allowSet) {
            await createRule(s, entryRuleBody(entry, groupId));
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-"));
    });

    after(async () => {
        if (!s) {
            return;
        }
        await guarded.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function verify(name: string, custom: object[]): { status: number | null; json: VerifyJson } {
        const file = writeLocalStack(dir, name, {
            cloud: env.OS_CLOUD,
            groupId,
            api: API,
            conductor: CONDUCTOR,
            operator: OPERATOR,
            whose: "the verify test's",
            custom,
        });
        return launchJson<VerifyJson>(["verify", "--stack", file, "--json"], env);
    }

    it("passes a tight group whose checks pass", () => {
        const { status, json } = verify("tight", [{ name: "api-reachable", command: "true" }]);
        assert.equal(status, 0, JSON.stringify(json));
        assert.equal(json.passed, true);
        assert.deepEqual(
            json.results.map((r) => [r.check, r.target, r.passed]),
            [["custom:api-reachable", "api-reachable", true]],
        );
    });

    it("exits 2, not 1, when nothing is configured to check: it could not verify", () => {
        const { status, json } = verify("nothing", []) as unknown as {
            status: number;
            json: { error: { kind: string; command: string; message: string; exitCode: number } };
        };
        assert.equal(status, 2);
        assert.deepEqual(json, {
            error: {
                kind: "run",
                command: "verify",
                message:
                    "stack " +
                    path.join(dir, "Pulumi.nothing.yaml") +
                    " configures no check (verify.conductors, operator, tenant, custom); " +
                    "expected at least one",
                exitCode: 2,
            },
        });
    });

    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        it(`on ${signal} to its own pid, ends the custom check's runner and command, then exits 130`, async () => {
            const pids = path.join(dir, `check-${signal}.pids`);
            // The check's shell, its runner (the shell's parent) and a child of the shell.
            const command =
                `printf '%s %s ' $$ $PPID > ${pids}.part; sleep 60 & echo $! >> ${pids}.part; ` +
                `mv ${pids}.part ${pids}; wait`;
            const file = writeLocalStack(dir, `interrupted-${signal}`, {
                cloud: env.OS_CLOUD,
                groupId,
                api: API,
                conductor: CONDUCTOR,
                operator: OPERATOR,
                whose: "the verify test's",
                custom: [{ name: "sleeps", command, timeoutSeconds: 120 }],
            });
            const run = await interruptWhenReady(
                ["verify", "--stack", file, "--json"],
                env,
                pids,
                signal,
            );
            assert.equal(run.code, 130, run.stderr);
            assert.deepEqual(JSON.parse(run.stdout), {
                error: {
                    kind: "interrupted",
                    command: "verify",
                    message: `interrupted (${signal})`,
                    exitCode: 130,
                },
            });
            const left = fs.readFileSync(pids, "utf8").trim().split(/\s+/).map(Number);
            assert.equal(left.length, 3, fs.readFileSync(pids, "utf8"));
            assert.ok(
                left.every((pid) => run.descendants.includes(pid)),
                "started by verify",
            );
            assert.deepEqual(await survivors(run.descendants), [], run.descendants.join(", "));
        });
    }

    /** A stack whose only check is the tenant's short-lived pod, run by the fake kubectl. */
    function tenantStack(name: string): { file: string; state: string; kubeconfig: string } {
        const state = fs.mkdtempSync(path.join(dir, "kubectl-"));
        const kubeconfig = path.join(state, "kubeconfig");
        fs.writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\n");
        const file = writeLocalStack(dir, name, {
            cloud: env.OS_CLOUD,
            groupId,
            api: API,
            conductor: CONDUCTOR,
            operator: OPERATOR,
            whose: "the verify test's",
            custom: [],
            tenant: { kubeconfig, namespace: "tenant-a", image: "busybox", kubectl: FAKE_KUBECTL },
        });
        return { file, state, kubeconfig };
    }

    it("on SIGINT while the tenant pod starts, deletes that pod, then exits 130", async () => {
        const { file, state, kubeconfig } = tenantStack("interrupted-tenant");
        // `kubectl run` ends only on SIGKILL, after the grace: then nothing but the interrupt's
        // cleanup deletes the pod before the command exits.
        const run = await interruptWhenReady(
            ["verify", "--stack", file],
            { ...env, FAKE_KUBECTL_STATE: state, FAKE_KUBECTL_HANG: "run" },
            path.join(state, "hanging-run"),
            "SIGINT",
        );
        // Read at once: the deletion is done when the command has exited, not by a process it left.
        const pods = fs.readdirSync(path.join(state, "pods"));
        const calls = fs.readFileSync(path.join(state, "log"), "utf8").trim().split("\n");
        assert.equal(run.code, 130, run.stderr);
        assert.equal(run.stderr, "verify: interrupted (SIGINT)\n");
        const pod = /--namespace tenant-a run (capi-ingress-probe-[0-9a-f]{8}) /.exec(calls[0]);
        assert.ok(pod, calls[0]);
        assert.deepEqual(
            calls.slice(1),
            [
                `--kubeconfig ${kubeconfig} --namespace tenant-a delete pod ${pod[1]} ` +
                    `--ignore-not-found --wait=false`,
            ],
            "one deletion, of the pod it ran",
        );
        assert.deepEqual(pods, [], "no pod is left");
        assert.deepEqual(await survivors(run.descendants), [], run.descendants.join(", "));
    });

    it("interrupted again while deleting the tenant pod, exits 130 without waiting", async () => {
        const { file, state } = tenantStack("interrupted-twice");
        const run = await interruptWhenReady(
            ["verify", "--stack", file, "--json"],
            { ...env, FAKE_KUBECTL_STATE: state, FAKE_KUBECTL_HANG: "run delete" },
            path.join(state, "hanging-run"),
            "SIGINT",
            60000,
            { ready: path.join(state, "hanging-delete"), signal: "SIGTERM" },
        );
        assert.equal(run.code, 130, run.stderr);
        // Both signals named, and the pod the cleanup could not delete, for the operator.
        assert.match(
            JSON.parse(run.stdout).error.message,
            /^interrupted \(SIGINT, then SIGTERM\); not undone, remove by hand: tenant pod tenant-a\/capi-ingress-probe-[0-9a-f]{8} \(given up on a second signal\)$/,
        );
        // Waiting out the cleanup's 30 s would be a hang to the operator who asked twice.
        assert.ok(run.msAfterSignal < 15000, `exited ${run.msAfterSignal} ms after the second`);
        const deleting = Number(fs.readFileSync(path.join(state, "hanging-delete"), "utf8"));
        assert.deepEqual(await survivors([...run.descendants, deleting]), [], "none runs on");
        assert.equal(
            fs.readdirSync(path.join(state, "pods")).length,
            1,
            "the pod the cleanup left",
        );
    });

    it("fails on a failing check and on a wide rule that came back, naming both", async () => {
        const wide = await createRule(s, {
            security_group_id: groupId,
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            port_range_min: 22,
            port_range_max: 22,
            remote_ip_prefix: "0.0.0.0/0",
        });
        const { status, json } = verify("wide", [
            {
                name: "resize",
                command: "echo UPDATE_FAILED",
                expect: { stdoutMatches: "^UPDATE_COMPLETE$" },
            },
        ]);
        assert.equal(status, 1);
        assert.equal(json.passed, false);
        const failed = json.results
            .filter((r) => !r.passed)
            .map((r) => [r.check, r.target, r.outcome]);
        assert.deepEqual(failed.sort(), [
            ["custom:resize", "resize", "exit-0"],
            ["group", wide.id, "wide"],
        ]);
    });
});
