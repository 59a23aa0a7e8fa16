// `cloud status` says whether the local cloud runs: down (a service with no process of this
// checkout's cloud, or none answering on LOCAL_CLOUD_HOST's address), it still prints its
// document, says so on stderr and exits 3.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import { cloudAnswers, cloudStatus } from "../../tools/cloud";
import { cloudMemory } from "../../tools/localcloud/cloud";
import { run } from "../support/cli-run";

const up = { pids: [4242], pssMiB: 80 };
const none = { pids: [], pssMiB: 0 };
const answering = { keystone: true, neutron: true };
// An address no local cloud of this machine uses (LOCAL_CLOUD_HOST values are 127.0.0.84-99).
const SPARE_HOST = "127.0.0.61";

describe("cloud status", () => {
    it("running only when every service has a process; down names the others", () => {
        assert.deepEqual(
            [
                cloudStatus({ keystone: up, neutron: up }, answering),
                cloudStatus({ keystone: up, neutron: none }, answering),
                cloudStatus({ keystone: none, neutron: none }, answering),
            ].map(({ running, down }) => ({ running, down })),
            [
                { running: true, down: [] },
                { running: false, down: ["neutron"] },
                { running: false, down: ["keystone", "neutron"] },
            ],
        );
    });

    it("processes of this checkout that do not answer on the host (another address): down", () => {
        const status = cloudStatus(
            { keystone: up, neutron: up },
            { keystone: false, neutron: true },
        );
        assert.deepEqual([status.running, status.down], [false, ["keystone"]]);
    });

    it("answering: Keystone's /v3 and neutron-server's / on the host's ports, 200 only", async () => {
        assert.deepEqual(await cloudAnswers(SPARE_HOST), { keystone: false, neutron: false });
        const servers = [
            [5000, 200],
            [9696, 503],
        ].map(([port, status]) =>
            http.createServer((_, res) => res.writeHead(status).end()).listen(port, SPARE_HOST),
        );
        try {
            await Promise.all(servers.map((s) => new Promise((ok) => s.once("listening", ok))));
            assert.deepEqual(await cloudAnswers(SPARE_HOST), { keystone: true, neutron: false });
        } finally {
            servers.forEach((s) => s.close());
        }
    });

    it("down: exit 3, the document on stdout, the reason on stderr (with --json, stdout only)", async function () {
        if (Object.values(cloudMemory()).some((m) => m.pids.length > 0)) {
            this.skip(); // This checkout's cloud runs (an integration test): not the case tested.
        }
        const text = await run("cloud", "status");
        assert.equal(text.code, 3, text.stderr);
        assert.equal(JSON.parse(text.stdout).running, false);
        assert.match(
            text.stderr,
            /^cloud status: the local cloud on 127\.[\d.]+ is down: keystone and neutron not running/,
        );
        const json = await run("cloud", "status", "--json");
        assert.equal(json.code, 3);
        assert.deepEqual(JSON.parse(json.stdout).down, ["keystone", "neutron"]);
        assert.equal(json.stderr, "");
    });
});
