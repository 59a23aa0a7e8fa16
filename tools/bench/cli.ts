// `npm run bench -- cli`: how long `--help` takes through the launcher, against a bare `node`
// start on the same machine at the same moment (the target is under a second; on a loaded
// machine the difference to the baseline is the figure that compares).
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

const LAUNCHER = path.resolve(__dirname, "..", "cli", "capi-mgmt-ingress.js");
const ARGS = [["--help"], ["audit", "--help"], ["rehearse", "--help"], ["cloud", "up", "--help"]];
const REPEATS = 5;

const execFileAsync = promisify(execFile);

// Asynchronous, so that an interrupt (tools/bench.ts) is seen between two runs.
async function medianMs(command: string, args: string[]): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
        const started = process.hrtime.bigint();
        await execFileAsync(command, args, { encoding: "utf8" }).catch(
            (err: Error & { stderr?: string }) => {
                throw new Error(`${command} ${args.join(" ")} failed: ${err.message}`);
            },
        );
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
