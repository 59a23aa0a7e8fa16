// The command line read by a filter that stops early (`| head -1`): a closed stdout ends nothing
// with a stack trace, and the exit code stays the command's own.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { LAUNCHER, ROOT } from "../support/launcher";

/** Runs the launcher (or `program`) with its stdout's reading end closed before it writes. */
function withClosedStdout(
    args: string[],
    program = LAUNCHER,
): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(program, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
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

describe("the helper scripts on a closed stdout", function () {
    this.timeout(60000);
    const tsNode = path.join(ROOT, "node_modules", ".bin", "ts-node");
    for (const script of ["review-cut", "changed-stacks", "policy-config", "policy-shared"]) {
        it(`${script} --help: exit 0, nothing on stderr`, async () => {
            const run = await withClosedStdout(
                ["--transpile-only", `tools/${script}.ts`, "--help"],
                tsNode,
            );
            assert.deepEqual(run, { code: 0, stderr: "" });
        });
    }
});
