// `bench` interrupted while a suite runs: exit 130 like every subcommand, no suite's document.
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";

const LAUNCHER = path.resolve(__dirname, "..", "..", "tools", "cli", "capi-mgmt-ingress.js");

/** The processes `pid` started; none yet before the suite measures its first command. */
function children(pid: number): number[] {
    try {
        return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map(Number);
    } catch {
        return []; // ps exits 1 when there are none.
    }
}

async function interruptBench(to: "group" | "process"): Promise<[number | null, string, string]> {
    // Its own process group, as a terminal's foreground job.
    const child = spawn(LAUNCHER, ["bench", "cli"], { detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let running = false;
    exited.finally(() => (running = true)).catch(() => undefined);
    // Inside the suite: once it has spawned the command it measures.
    while (!running && children(child.pid!).length === 0) {
        await delay(50);
    }
    process.kill(to === "group" ? -child.pid! : child.pid!, "SIGINT");
    return [await exited, stdout, stderr];
}

describe("bench interrupted", function () {
    this.timeout(120000);

    for (const to of ["group", "process"] as const) {
        it(`SIGINT to the ${to} inside a suite: exit 130, no suite's document`, async () => {
            const [status, stdout, stderr] = await interruptBench(to);
            assert.equal(status, 130, stderr);
            assert.equal(stdout, "");
            assert.match(stderr, /^bench: interrupted \(SIGINT\)/m);
        });
    }
});
