// Runs a program without a shell, for juju, kubectl and the custom checks. It also runs inside
// serialized dynamic providers: node built-ins only, required in the body.
//
// Every program runs in a process group of its own, so a signal sent to the command line's process
// alone (cron, systemd, a CI timeout) reaches none of them: the groups still running are kept in a
// registry on globalThis (a module variable would be captured, and mangled, by the closure
// serializer), and stopRunningGroups ends them before the command line exits. Beside it, the
// cleanups owed on an interrupt (onInterrupt): the command line exits right after stopping the
// groups, before any `finally` awaiting a stopped program has run.

export interface ProcessRun {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
    ms: number;
    /** The program could not start, or printed more than the output limit. */
    error?: string;
}

const OUTPUT_LIMIT = 32 * 1024 * 1024;

/** The process group ids (each its leader's pid) of the programs runProcess started that run still. */
function runningGroups(): Set<number> {
    const key = Symbol.for("capi-mgmt-ingress.runningGroups");
    const global = globalThis as unknown as Record<symbol, Set<number> | undefined>;
    return (global[key] ??= new Set<number>());
}

/**
 * No terminal, and no stdin but `input` when given (a CLI fails instead of prompting); on
 * timeout, on `signal`'s abort, or past the output limit, kills the whole process group (a hung
 * command's children too). Never rejects.
 */
export function runProcess(
    file: string,
    args: string[],
    opts: {
        timeoutMs: number;
        env?: NodeJS.ProcessEnv;
        input?: string;
        signal?: AbortSignal;
        cwd?: string;
    },
): Promise<ProcessRun> {
    const { spawn } = require("node:child_process") as typeof import("node:child_process");
    const started = Date.now();
    return new Promise((resolve) => {
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let size = 0;
        let timedOut = false;
        let error: string | undefined;
        let settled = false;
        // Declared before the closures that use it: the closure serializer needs that order.
        let timer: NodeJS.Timeout | undefined = undefined;
        const child = spawn(file, args, {
            detached: true,
            stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
            env: opts.env ?? process.env,
            cwd: opts.cwd,
        });
        const groups = runningGroups();
        if (child.pid !== undefined) {
            groups.add(child.pid);
        }
        if (opts.input !== undefined) {
            // A program that exits without reading its input must not fail the run with EPIPE.
            child.stdin!.on("error", () => undefined);
            child.stdin!.end(opts.input);
        }
        const killGroup = () => {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // Already gone, or never started.
            }
        };
        const finish = (code: number | null, signal: NodeJS.Signals | null) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(timer);
            groups.delete(child.pid!);
            resolve({
                code,
                signal,
                stdout: Buffer.concat(stdout).toString("utf8"),
                stderr: Buffer.concat(stderr).toString("utf8"),
                timedOut,
                ms: Date.now() - started,
                error,
            });
        };
        timer = setTimeout(() => {
            timedOut = true;
            killGroup();
        }, opts.timeoutMs);
        // Aborted: the answer came another way; the run ends as killed, not as timed out.
        opts.signal?.addEventListener("abort", killGroup, { once: true });
        const collect = (into: Buffer[]) => (chunk: Buffer) => {
            size += chunk.length;
            if (size > OUTPUT_LIMIT) {
                error ??= `${file} printed more than ${OUTPUT_LIMIT} bytes`;
                killGroup();
                return;
            }
            into.push(chunk);
        };
        child.stdout!.on("data", collect(stdout));
        child.stderr!.on("data", collect(stderr));
        child.on("error", (err) => {
            error ??= `cannot start ${file}: ${err.message}`;
            if (child.pid === undefined) {
                finish(null, null);
            }
        });
        child.on("close", finish);
    });
}

/**
 * Ends every process group runProcess started that still runs: SIGTERM to each group (the custom
 * check runner then kills its check's own group, see probes/custom-check-runner.js), up to
 * `graceMs` for them to end, then SIGKILL to what is left. Resolves to the group ids it signalled.
 * Never rejects.
 */
export async function stopRunningGroups(graceMs = 2000): Promise<number[]> {
    const groups = [...runningGroups()];
    const signal = (pgid: number, name: NodeJS.Signals | 0): boolean => {
        try {
            process.kill(-pgid, name);
            return true;
        } catch {
            // ESRCH: no process of the group is left.
            return false;
        }
    };
    const alive = () => groups.filter((pgid) => signal(pgid, 0));
    for (const pgid of groups) {
        signal(pgid, "SIGTERM");
    }
    const deadline = Date.now() + graceMs;
    while (alive().length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const pgid of alive()) {
        signal(pgid, "SIGKILL");
    }
    return groups;
}

/**
 * Work owed on an interrupt, e.g. deleting a pod a stopped `kubectl run` left: `what` names it for
 * the operator when it cannot be done ("tenant pod ns/name"); `run` rejects when it failed.
 */
export interface Cleanup {
    what: string;
    /** `givenUp()` turns true once the interrupt has given this cleanup up (giveUpCleanups). */
    run: (givenUp: () => boolean) => Promise<unknown>;
    /** Set by runCleanups once `run` has succeeded. */
    done?: boolean;
    givenUp?: boolean;
}

/** The cleanups registered with onInterrupt and not yet forgotten (on globalThis, as above). */
function registeredCleanups(): Set<Cleanup> {
    const key = Symbol.for("capi-mgmt-ingress.interruptCleanups");
    const global = globalThis as unknown as Record<symbol, Set<Cleanup> | undefined>;
    return (global[key] ??= new Set<Cleanup>());
}

/**
 * Registers `run` (named `what`) for an interrupt of the command line (tools/cli/main.ts takes the
 * owed cleanups, stops the groups, runs them, then exits 130), while the caller's own `finally`,
 * which would not run then, has not yet done the same work. Returns the function that forgets it:
 * call it at the end of that `finally`. A normal run never calls `run`.
 */
export function onInterrupt(what: string, run: Cleanup["run"]): () => void {
    const cleanups = registeredCleanups();
    const cleanup = { what, run };
    cleanups.add(cleanup);
    return () => {
        cleanups.delete(cleanup);
    };
}

/**
 * Marks `cleanups` given up (their budget spent, or a second signal): the groups are stopped
 * next, and a cleanup must then not start anything again, which would outlive the command.
 */
export function giveUpCleanups(cleanups: Cleanup[]): void {
    for (const cleanup of cleanups) cleanup.givenUp = true;
}

/**
 * The cleanups owed now. Taken when an interrupt begins, before stopRunningGroups: a `finally`
 * that resumes once its program is stopped may forget its cleanup before its own work is done.
 */
export function owedCleanups(): Cleanup[] {
    return [...registeredCleanups()];
}

/**
 * Runs `cleanups` at once and waits for them at most `budgetMs`. Resolves to what was not done:
 * each cleanup that failed or had not ended in time, as `what (why)`; never rejects.
 */
export async function runCleanups(cleanups: Cleanup[], budgetMs = 30000): Promise<string[]> {
    const left = new Map<Cleanup, string>(
        cleanups.map((c) => [c, `${c.what} (not done within ${budgetMs / 1000} s)`]),
    );
    let timer: NodeJS.Timeout | undefined = undefined;
    const outOfTime = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, budgetMs);
    });
    const ended = Promise.all(
        cleanups.map(async (cleanup) => {
            try {
                await cleanup.run(() => cleanup.givenUp === true);
                cleanup.done = true;
                left.delete(cleanup);
            } catch (err) {
                left.set(cleanup, `${cleanup.what} (${err instanceof Error ? err.message : err})`);
            }
        }),
    );
    try {
        await Promise.race([ended, outOfTime]);
    } finally {
        clearTimeout(timer);
    }
    return [...left.values()];
}
