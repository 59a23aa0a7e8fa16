// @ts-check
// Runs one custom check and judges it, in its own node process: under @pulumi/command's
// local.Command (the program sends this file on standard input to `node -`) and under
// `npm run verify` (`node <this file>`) alike. It reads its spec from CAPI_CHECK_SPEC, prints one
// {"customCheck":...} verdict line on stdout, and exits 1 on failure so a failed check also fails
// the local.Command (which then runs again on the next update). The check's own output is read
// for the expectation and then dropped: it may carry a token, so it reaches no stream, error or
// verdict.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script run by plain node */

const { spawn } = require("node:child_process");
const os = require("node:os");

/**
 * @typedef {{ exitCode?: number, stdoutMatches?: string }} Expectation
 * @typedef {{ name: string, command: string, expect?: Expectation, timeoutSeconds: number }} Spec
 * @typedef {{ customCheck: string, passed: boolean, exitCode: number | null, ms: number,
 *             detail: string }} Verdict
 */

/** Output kept for the expectation: a check's last megabyte. */
const LIMIT = 1 << 20;

/**
 * The problems with a finished check; none means it passed.
 * @param {Spec} spec
 * @param {{ code: number | null, signal: string | null, stdout: string, timedOut: boolean,
 *           spawnError: string }} run
 * @returns {string[]}
 */
function judge(spec, run) {
    const expect = spec.expect ?? {};
    const exitCode = expect.exitCode ?? (expect.stdoutMatches === undefined ? 0 : undefined);
    if (run.spawnError) {
        return [`could not start /bin/sh: ${run.spawnError}`];
    }
    if (run.timedOut) {
        return [`expected it to finish within ${spec.timeoutSeconds} s; it was killed`];
    }
    const problems = [];
    if (exitCode !== undefined && run.code !== exitCode) {
        problems.push(`expected exit status ${exitCode}, got ${run.code ?? run.signal}`);
    }
    if (
        expect.stdoutMatches !== undefined &&
        !new RegExp(expect.stdoutMatches, "m").test(run.stdout)
    ) {
        // The pattern is not quoted: it may name a credential, and under @pulumi/command a
        // failed command's output is quoted in the update's error, where nothing masks it.
        problems.push("expected stdout to match expect.stdoutMatches; it did not");
    }
    return problems;
}

/** @returns {Spec} */
function readSpec() {
    const spec = JSON.parse(process.env.CAPI_CHECK_SPEC ?? "{}");
    if (typeof spec.name !== "string" || typeof spec.command !== "string") {
        throw new Error("CAPI_CHECK_SPEC must hold a name and a command");
    }
    return spec;
}

function main() {
    const spec = readSpec();
    const started = Date.now();
    const env = { ...process.env };
    delete env.CAPI_CHECK_SPEC;
    let stdout = "";
    let timedOut = false;
    let spawnError = "";
    // The check runs in a group of its own (so a timeout kills all of it): a signal that ends this
    // runner (the command line stopping its children, Pulumi cancelling the local.Command) must
    // end the check's group too, or it runs on under PID 1. Listened for before the check starts:
    // the check may run, and the signal come, before spawn has returned here.
    /** @type {import("node:child_process").ChildProcess | undefined} */
    let child;
    for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
        process.once(signal, () => {
            try {
                // Never -0: that is this runner's own group.
                if (child?.pid !== undefined) {
                    process.kill(-child.pid, "SIGKILL");
                }
            } catch {
                // Already gone.
            }
            process.exit(128 + os.constants.signals[signal]);
        });
    }
    // stderr is not read at all: nothing of it is judged, so nothing of it can leak.
    child = spawn("/bin/sh", ["-c", spec.command], {
        stdio: ["ignore", "pipe", "ignore"],
        detached: true,
        env,
    });
    child.stdout?.on("data", (/** @type {Buffer} */ d) => {
        stdout = (stdout + d.toString()).slice(-LIMIT);
    });
    const timer = setTimeout(() => {
        timedOut = true;
        try {
            process.kill(-(child.pid ?? 0), "SIGKILL");
        } catch {
            // Already gone.
        }
    }, spec.timeoutSeconds * 1000);
    child.on("error", (err) => {
        spawnError = err.message;
    });
    child.on("close", (code, signal) => {
        clearTimeout(timer);
        const problems = judge(spec, { code, signal, stdout, timedOut, spawnError });
        const passed = problems.length === 0;
        /** @type {Verdict} */
        const verdict = {
            customCheck: spec.name,
            passed,
            exitCode: timedOut || spawnError ? null : code,
            ms: Date.now() - started,
            // The name, never the command line or the output: either may carry a credential.
            detail: passed ? "as expected" : problems.join("; "),
        };
        process.stdout.write(`${JSON.stringify(verdict)}\n`);
        if (!passed) {
            process.stderr.write(`custom check ${spec.name} failed: ${verdict.detail}\n`);
        }
        process.exitCode = passed ? 0 : 1;
    });
}

main();
