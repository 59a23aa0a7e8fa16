// `bench` interrupted while a suite runs: exit 130 like every subcommand, no suite's document.
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";

const ROOT = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.resolve(ROOT, "tools", "cli", "capi-mgmt-ingress.js");

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

/** The exposure-model suite's cold-call processes of this checkout (`node -e <code> <root>`). */
function coldChildren(): string[] {
    return execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
        .split("\n")
        .filter(
            (l) => l.includes("tools/bench/exposure-model.ts") && l.trimEnd().endsWith(` ${ROOT}`),
        );
}

const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

interface Interrupted {
    status: number | null;
    stdout: string;
    stderr: string;
    /** From the signal to the bench's exit. */
    ms: number;
    /** The commands the bench ran when the signal came that still ran when it exited. */
    leftAtExit: number[];
}

async function interruptBench(to: "group" | "process", suite = "cli"): Promise<Interrupted> {
    // Its own process group, as a terminal's foreground job.
    const child = spawn(LAUNCHER, ["bench", suite], { detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let measured: number[] = [];
    // Read at once on exit: a command left running may end on its own a moment later.
    const exited = new Promise<[number | null, number[]]>((resolve) =>
        child.on("exit", (status) => resolve([status, measured.filter(alive)])),
    );
    let running = false;
    exited.finally(() => (running = true)).catch(() => undefined);
    // Inside the suite: once it has spawned the command it measures.
    while (!running && (measured = children(child.pid!)).length === 0) {
        await delay(50);
    }
    process.kill(to === "group" ? -child.pid! : child.pid!, "SIGINT");
    const signalled = Date.now();
    const [status, leftAtExit] = await exited;
    return { status, stdout, stderr, ms: Date.now() - signalled, leftAtExit };
}

describe("bench interrupted", function () {
    this.timeout(120000);

    for (const to of ["group", "process"] as const) {
        it(`SIGINT to the ${to} inside a suite: exit 130, no suite's document`, async () => {
            const { status, stdout, stderr, leftAtExit } = await interruptBench(to);
            assert.equal(status, 130, stderr);
            assert.equal(stdout, "");
            assert.match(stderr, /^bench: interrupted \(SIGINT\)/m);
            // The command measured when the signal came was ended before the bench exited.
            assert.deepEqual(leftAtExit, []);
        });
    }

    // Its ten cold-call processes take over ten seconds together; the one running when the signal
    // comes is ended, no further one starts.
    it("SIGINT to the process alone during exposure-model's cold calls: exit 130 at once, no child left", async () => {
        const { status, stdout, stderr, ms, leftAtExit } = await interruptBench(
            "process",
            "exposure-model",
        );
        assert.equal(status, 130, stderr);
        assert.equal(stdout, "");
        assert.match(stderr, /^bench: interrupted \(SIGINT\)/m);
        assert.match(stderr, /^exposure-model: cold call 1\/5/m);
        assert.doesNotMatch(stderr, /cold call 2\/5/);
        assert.ok(ms < 6000, `exited ${ms} ms after the signal`);
        assert.deepEqual(leftAtExit, []);
        assert.deepEqual(coldChildren(), []);
    });
});
