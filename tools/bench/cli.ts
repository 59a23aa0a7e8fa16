// `npm run bench -- cli`: how long `--help` takes through the launcher, against a bare `node`
// start on the same machine at the same moment (the target is under a second; on a loaded
// machine the difference to the baseline is the figure that compares).
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const LAUNCHER = path.resolve(__dirname, "..", "cli", "capi-mgmt-ingress.js");
const ARGS = [["--help"], ["audit", "--help"], ["rehearse", "--help"], ["cloud", "up", "--help"]];
const REPEATS = 5;

function medianMs(command: string, args: string[]): number {
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
        const started = process.hrtime.bigint();
        const run = spawnSync(command, args, { encoding: "utf8" });
        if (run.status !== 0) {
            throw new Error(`${command} ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
        }
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return Math.round(times.sort((a, b) => a - b)[Math.floor(REPEATS / 2)]);
}

export async function run(): Promise<object> {
    // Once to fill the launcher's compile cache.
    medianMs(LAUNCHER, ["--help"]);
    const baselineMs = medianMs(process.execPath, ["-e", "0"]);
    const help = ARGS.map((args) => {
        const ms = medianMs(LAUNCHER, args);
        return { args: args.join(" "), medianMs: ms, overBaselineMs: ms - baselineMs };
    });
    return { repeats: REPEATS, nodeBaselineMs: baselineMs, help, targetMs: 1000 };
}
