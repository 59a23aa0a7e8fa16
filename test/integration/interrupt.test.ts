// A signal to the command line's own pid (cron, systemd, a CI timeout), while a tool waits on a
// Juju call it started: the call's whole process group ends with the command, which exits 130.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { openSession } from "../../components/openstack/keystone";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
import { seedBefore } from "../../tools/localcloud/seed";
import { createGuardedGroup, GuardedGroup } from "../support/guarded-group";
import { interruptWhenReady, survivors } from "../support/interrupt";
import { ROOT } from "../support/launcher";

const API = "10.20.0.62";
const FAKE_JUJU = path.join(ROOT, "tools", "fakes", "juju", "juju");

describe("an interrupted command ends the Juju calls it started (local OpenStack)", function () {
    this.timeout(300000);
    let env: NodeJS.ProcessEnv;
    let guarded: GuardedGroup | undefined;
    let dir: string;
    let stack: string;

    before(async function () {
        const cloud = await cloudOrSkip(this);
        const seed = await seedBefore(cloud);
        const s = await openSession({
            cloud: cloud.cloudName,
            env: { ...process.env, ...cloud.env },
        });
        guarded = await createGuardedGroup(s, seed, `interrupt-${Date.now().toString(36)}`, API);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "interrupt-"));
        // `juju status` answers after two minutes: the command is still waiting when signalled.
        env = {
            ...process.env,
            ...cloud.env,
            FAKE_JUJU_UNITS: "3",
            FAKE_JUJU_STATUS_LATENCY_MS: "120000",
        };
        stack = path.join(dir, "Pulumi.interrupt.yaml");
        fs.writeFileSync(
            stack,
            stringify({
                config: {
                    "capi-mgmt-ingress:cloud": cloud.cloudName,
                    "capi-mgmt-ingress:securityGroup": { id: guarded.groupId },
                    "capi-mgmt-ingress:api": { address: API },
                    "capi-mgmt-ingress:conductors": {
                        juju: { model: "openstack", application: "magnum", bin: FAKE_JUJU },
                    },
                    "capi-mgmt-ingress:operator": {
                        cidrs: ["203.0.113.1/32"],
                        reason: "the interruption test's operator",
                    },
                },
            }),
        );
    });

    after(async () => {
        await guarded?.remove();
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    const commands: [string, string[]][] = [
        ["audit", ["audit"]],
        ["review", ["review", "--live"]],
    ];
    for (const [command, args] of commands) {
        it(`${args.join(" ")} on SIGTERM: no process of the juju call is left, exit 130`, async () => {
            const log = path.join(dir, `juju-${command}.log`);
            const run = await interruptWhenReady(
                [...args, "--stack", stack, "--json"],
                { ...env, FAKE_JUJU_LOG: log },
                log,
                "SIGTERM",
            );
            assert.equal(run.code, 130, run.stderr);
            assert.deepEqual(JSON.parse(run.stdout), {
                error: {
                    kind: "interrupted",
                    command,
                    message: "interrupted (SIGTERM)",
                    exitCode: 130,
                },
            });
            assert.ok(run.descendants.length > 0, "the juju call had started");
            assert.deepEqual(await survivors(run.descendants), [], run.descendants.join(", "));
        });
    }
});
