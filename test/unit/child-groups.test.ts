// The children a command starts end with it: runProcess's groups stopped on demand (SIGTERM, then
// SIGKILL after the grace), and a custom check's runner ending its check's group on a signal.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { runProcess, stopRunningGroups } from "../../components/process/run";
import { probePath } from "../../components/verify/result";
import { survivors } from "../support/interrupt";

/** The pids a shell wrote to `file` (with mv, so whole), once it has. */
async function pidsIn(file: string): Promise<number[]> {
    while (!fs.existsSync(file)) {
        await delay(20);
    }
    return fs.readFileSync(file, "utf8").trim().split(/\s+/).map(Number);
}

/** A shell script that writes its pid and its child's to `file`, then waits on the child. */
const sleeper = (file: string, prefix = "") =>
    `${prefix}printf '%s ' $$ > ${file}.part; sleep 60 & echo $! >> ${file}.part; ` +
    `mv ${file}.part ${file}; wait`;

describe("child process groups on interruption", function () {
    this.timeout(20000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "child-groups-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("stopRunningGroups ends every running group, SIGKILL for one that ignores SIGTERM", async () => {
        const polite = path.join(dir, "polite");
        const stubborn = path.join(dir, "stubborn");
        const runs = [
            runProcess("/bin/sh", ["-c", sleeper(polite)], { timeoutMs: 60000 }),
            runProcess("/bin/sh", ["-c", sleeper(stubborn, "trap '' TERM; ")], {
                timeoutMs: 60000,
            }),
        ];
        const pids = [...(await pidsIn(polite)), ...(await pidsIn(stubborn))];
        const started = Date.now();
        const stopped = await stopRunningGroups(500);
        assert.equal(stopped.length, 2);
        const [first, second] = await Promise.all(runs);
        assert.equal(first.signal, "SIGTERM");
        assert.equal(second.signal, "SIGKILL");
        assert.ok(Date.now() - started < 5000);
        assert.deepEqual(await survivors(pids), []);
        assert.deepEqual(await stopRunningGroups(500), [], "a finished run is no longer listed");
    });

    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
        it(`the custom check runner ends its check's group on ${signal} to its own pid`, async () => {
            const file = path.join(dir, "check");
            const spec = { name: "sleeps", command: sleeper(file), timeoutSeconds: 60 };
            const runner = spawn(process.execPath, [probePath("custom-check-runner.js")], {
                env: { ...process.env, CAPI_CHECK_SPEC: JSON.stringify(spec) },
                stdio: "ignore",
            });
            const exited = new Promise<number | null>((resolve) =>
                runner.on("exit", (code) => resolve(code)),
            );
            const pids = await pidsIn(file);
            runner.kill(signal);
            const code = await exited;
            assert.deepEqual(await survivors(pids), []);
            assert.equal(code, 128 + os.constants.signals[signal]);
        });
    }
});
