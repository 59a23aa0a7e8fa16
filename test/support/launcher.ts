// Runs the command line as an operator runs it: the launcher in its own process, in the
// project's folder, with the test's environment.
import * as assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const LAUNCHER = path.join(ROOT, "tools", "cli", "capi-mgmt-ingress.js");

export function launch(args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
    return spawnSync(LAUNCHER, args, { cwd: ROOT, encoding: "utf8", env });
}

/** `launch` with --json given in `args`: the exit status and stdout parsed; stdout must be JSON. */
export function launchJson<T>(
    args: string[],
    env: NodeJS.ProcessEnv,
): { status: number | null; json: T } {
    const run = launch(args, env);
    assert.ok(run.stdout.trim().startsWith("{"), `${run.stdout}\n${run.stderr}`);
    return { status: run.status, json: JSON.parse(run.stdout) as T };
}
