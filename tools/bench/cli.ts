// `npm run bench -- cli`: how long `--help` takes through the launcher, against a bare `node`
// start on the same machine at the same moment (the target is under a second; on a loaded
// machine the difference to the baseline is the figure that compares).
import * as path from "node:path";
import { runProcess } from "../../components/process/run";

const LAUNCHER = path.resolve(__dirname, "..", "cli", "capi-mgmt-ingress.js");
const ARGS = [["--help"], ["audit", "--help"], ["rehearse", "--help"], ["cloud", "up", "--help"]];
const REPEATS = 5;
/** One `--help` may take this long on a loaded machine; past it, the suite fails. */
const TIMEOUT_MS = 60000;

// Asynchronous, so that an interrupt (tools/bench.ts) is seen while a command runs; each runs in
// a process group of its own (runProcess), which the interrupted command line ends before it
// exits, and a command that did not exit 0 (ended so) fails the suite, so none further starts.
async function medianMs(command: string, args: string[]): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
        const started = process.hrtime.bigint();
        const run = await runProcess(command, args, { timeoutMs: TIMEOUT_MS });
        if (run.code !== 0 || run.error !== undefined) {
            const ended = run.timedOut
                ? `timed out after ${TIMEOUT_MS} ms`
                : (run.error ?? `ended with ${run.signal ?? `exit code ${run.code}`}`);
            throw new Error(`${command} ${args.join(" ")} failed: ${ended}: ${run.stderr.trim()}`);
        }
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return Math.round(times.sort((a, b) => a - b)[Math.floor(REPEATS / 2)]);
}

export async function run(): Promise<object> {
    // Once to fill the launcher's compile cache.
    await medianMs(LAUNCHER, ["--help"]);
    const baselineMs = await medianMs(process.execPath, ["-e", "0"]);
    const help = [];
    for (const args of ARGS) {
        const ms = await medianMs(LAUNCHER, args);
        help.push({ args: args.join(" "), medianMs: ms, overBaselineMs: ms - baselineMs });
    }
    return { repeats: REPEATS, nodeBaselineMs: baselineMs, help, targetMs: 1000 };
}
