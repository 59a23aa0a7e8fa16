// The command line read by a filter that stops early (`| head -1`): a closed stdout ends nothing
// with a stack trace, and the exit code stays the command's own.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { LAUNCHER, ROOT } from "../support/launcher";

/** Runs the launcher with its stdout's reading end closed before it writes anything. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(LAUNCHER, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.destroy();
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code, stderr }));
    });
}

describe("capi-mgmt-ingress on a closed stdout", function () {
    this.timeout(60000);
    const cases: [string[], number][] = [
        [["--help"], 0],
        [["audit", "--help"], 0],
        [["verify", "--help"], 0],
        [["review", "--stack", "rehearsal"], 0],
        [["review", "--stack", "rehearsal", "--json"], 0],
        [["review", "--stack", "no-such-stack", "--json"], 2],
    ];
    for (const [args, expected] of cases) {
        it(`${args.join(" ")}: exit ${expected}, nothing on stderr`, async () => {
            const run = await withClosedStdout(args);
            assert.deepEqual(run, { code: expected, stderr: "" });
        });
    }
});
