// `cloud status` says whether the local cloud runs: down (a service with no process of this
// checkout's cloud, or none answering on LOCAL_CLOUD_HOST's address), it still prints its
// document, says so on stderr and exits 3.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import { cloudAnswers, cloudStatus, downReason } from "../../tools/cloud";
import { cloudMemory } from "../../tools/localcloud/cloud";
import { HOST } from "../../tools/localcloud/layout";
import { hexAddress, listeningAddresses } from "../../tools/localcloud/listening";
import { run } from "../support/cli-run";

const up = { pids: [4242], pssMiB: 80 };
const none = { pids: [], pssMiB: 0 };
const answering = { keystone: true, neutron: true };
const here = { keystone: [HOST], neutron: [HOST] };
// An address no local cloud of this machine uses (LOCAL_CLOUD_HOST values are 127.0.0.84-99).
const SPARE_HOST = "127.0.0.61";

describe("cloud status", () => {
    it("running only when every service has a process; down names the others", () => {
        assert.deepEqual(
            [
                cloudStatus({ keystone: up, neutron: up }, answering, here),
                cloudStatus({ keystone: up, neutron: none }, answering, here),
                cloudStatus({ keystone: none, neutron: none }, answering, here),
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
            here,
        );
        assert.deepEqual([status.running, status.down], [false, ["keystone"]]);
    });

    it("processes listening only on another address: down, named as running elsewhere", () => {
        // Another checkout's cloud may answer on the host meanwhile: answering alone is not ours.
        const status = cloudStatus({ keystone: up, neutron: up }, answering, {
            keystone: [SPARE_HOST],
            neutron: ["0.0.0.0"],
        });
        assert.deepEqual(
            [status.running, status.down, status.elsewhere],
            [false, ["keystone"], ["keystone"]],
        );
        assert.equal(
            downReason(status),
            `keystone run but do not answer on ${HOST} (they listen on ${SPARE_HOST})`,
        );
        const both = cloudStatus(
            { keystone: none, neutron: up },
            { keystone: false, neutron: false },
            { keystone: [], neutron: [SPARE_HOST] },
        );
        assert.equal(
            downReason(both),
            `keystone not running; neutron run but do not answer on ${HOST} (they listen on ${SPARE_HOST})`,
        );
        // Not listening yet (starting): not counted as elsewhere.
        const starting = cloudStatus({ keystone: up, neutron: up }, answering, {
            keystone: [],
            neutron: [HOST],
        });
        assert.deepEqual([starting.running, starting.elsewhere], [true, []]);
    });

    it("listening addresses: read from /proc for the given processes", async () => {
        assert.equal(hexAddress("3D00007F"), "127.0.0.61");
        const server = http.createServer().listen(0, SPARE_HOST);
        try {
            await new Promise((ok) => server.once("listening", ok));
            assert.ok(listeningAddresses([process.pid]).includes(SPARE_HOST));
            assert.deepEqual(listeningAddresses([]), []);
        } finally {
            await new Promise((ok) => server.close(ok));
        }
        assert.ok(!listeningAddresses([process.pid]).includes(SPARE_HOST));
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
