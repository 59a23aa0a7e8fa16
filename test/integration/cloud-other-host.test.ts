// `cloud status` and `cloud down` under another LOCAL_CLOUD_HOST than the one this checkout's
// cloud runs on: status says its services run but do not answer there, naming where they listen;
// down refuses and stops nothing (a checkout runs one cloud, whatever the address).
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { cloudAvailable, cloudMemory, ensureCloud, stopCloud } from "../../tools/localcloud/cloud";
import { HOST } from "../../tools/localcloud/layout";

const LAUNCHER = path.resolve(__dirname, "..", "..", "tools", "cli", "capi-mgmt-ingress.js");
// An address this checkout's cloud does not run on (the cloud runs on LOCAL_CLOUD_HOST).
const OTHER = HOST === "127.0.0.105" ? "127.0.0.106" : "127.0.0.105";

function cli(
    host: string,
    ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            LAUNCHER,
            args,
            { env: { ...process.env, LOCAL_CLOUD_HOST: host }, encoding: "utf8" },
            (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
        );
    });
}

const running = () => Object.values(cloudMemory()).every((m) => m.pids.length > 0);

describe("local cloud under another LOCAL_CLOUD_HOST", function () {
    this.timeout(180_000);
    let startedHere = false;

    before(async function () {
        if (!cloudAvailable().ok) {
            this.skip();
        }
        startedHere = !running();
        await ensureCloud();
    });

    after(async () => {
        if (startedHere) {
            await stopCloud();
        }
    });

    it("status: exit 3, the services run but do not answer on the other address", async () => {
        const status = await cli(OTHER, "cloud", "status");
        assert.equal(status.code, 3, status.stderr);
        const doc = JSON.parse(status.stdout);
        assert.deepEqual(
            [doc.host, doc.down, doc.elsewhere],
            [OTHER, ["keystone", "neutron"], ["keystone", "neutron"]],
        );
        assert.deepEqual(doc.listening, { keystone: [HOST], neutron: [HOST] });
        assert.ok(doc.memory.keystone.pids.length > 0 && doc.memory.neutron.pids.length > 0);
        assert.match(
            status.stderr,
            new RegExp(
                `keystone and neutron run but do not answer on ${OTHER.replaceAll(".", "\\.")} ` +
                    `\\(they listen on ${HOST.replaceAll(".", "\\.")}\\)`,
            ),
        );
        assert.equal((await cli(HOST, "cloud", "status")).code, 0);
    });

    it("down: refuses, names the address the cloud listens on, stops nothing", async () => {
        const pids = cloudMemory();
        const down = await cli(OTHER, "cloud", "down");
        assert.equal(down.code, 2, down.stderr);
        assert.equal(down.stdout, "");
        assert.match(down.stderr, new RegExp(`listens on ${HOST.replaceAll(".", "\\.")}, not on`));
        assert.match(down.stderr, /nothing stopped/);
        assert.deepEqual(cloudMemory().keystone.pids, pids.keystone.pids);
        assert.deepEqual(cloudMemory().neutron.pids, pids.neutron.pids);
        assert.equal((await cli(HOST, "cloud", "status")).code, 0);
    });
});
