// `cloud status` says whether the local cloud runs: down (a service with no process of this
// checkout's cloud), it still prints its document, says so on stderr and exits 3.
import * as assert from "node:assert/strict";
import { cloudStatus } from "../../tools/cloud";
import { cloudMemory } from "../../tools/localcloud/cloud";
import { run } from "../support/cli-run";

const up = { pids: [4242], pssMiB: 80 };
const none = { pids: [], pssMiB: 0 };

describe("cloud status", () => {
    it("running only when every service has a process; down names the others", () => {
        assert.deepEqual(
            [
                cloudStatus({ keystone: up, neutron: up }),
                cloudStatus({ keystone: up, neutron: none }),
                cloudStatus({ keystone: none, neutron: none }),
            ].map(({ running, down }) => ({ running, down })),
            [
                { running: true, down: [] },
                { running: false, down: ["neutron"] },
                { running: false, down: ["keystone", "neutron"] },
            ],
        );
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
