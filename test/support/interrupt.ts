// Interrupting the command line as cron, systemd or a CI timeout does: a signal to the launcher's
// process alone, never to its process group.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { LAUNCHER, ROOT } from "./launcher";

export interface Interrupted {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    /** Every descendant of the launcher when the signal was sent (never empty). */
    descendants: number[];
    /** From the last signal sent to the launcher's exit. */
    msAfterSignal: number;
}

/** pid, parent pid and state of every process now, from /proc/<pid>/stat. */
function processTable(): { pid: number; ppid: number; state: string }[] {
    const table = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            // The command name may hold spaces and parentheses: the fields follow the last ')'.
            const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            table.push({ pid: Number(entry), ppid: Number(ppid), state });
        } catch {
            // Ended while listed.
        }
    }
    return table;
}

/** The processes descended from `pid` now: children, theirs, and so on. */
export function descendantsOf(pid: number): number[] {
    const table = processTable();
    const found: number[] = [];
    const walk = (parent: number) => {
        for (const p of table.filter((row) => row.ppid === parent)) {
            found.push(p.pid);
            walk(p.pid);
        }
    };
    walk(pid);
    return found;
}

/**
 * Starts the launcher with `args`, waits until `ready` (a file) exists and half a second more, sends `signal` to the
 * launcher's pid only, and resolves when it has exited. With `again`, once its `ready` exists
 * too, sends its `signal` as well (a second interrupt). Rejects when a `ready` does not appear
 * within `readyMs` (the launcher is killed then).
 */
export async function interruptWhenReady(
    args: string[],
    env: NodeJS.ProcessEnv,
    ready: string,
    signal: NodeJS.Signals,
    readyMs = 60000,
    again?: { ready: string; signal: NodeJS.Signals },
): Promise<Interrupted> {
    const child = spawn(LAUNCHER, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<Omit<Interrupted, "descendants" | "msAfterSignal">>((resolve) =>
        child.on("close", (code, sig) => resolve({ code, signal: sig, stdout, stderr })),
    );
    const deadline = Date.now() + readyMs;
    const waitFor = async (file: string) => {
        while (!fs.existsSync(file)) {
            if (child.exitCode !== null || Date.now() > deadline) {
                child.kill("SIGKILL");
                const run = await exited;
                throw new Error(
                    `${file} did not appear; the command ended: ${JSON.stringify(run)}`,
                );
            }
            await delay(50);
        }
    };
    await waitFor(ready);
    // What the command starts right after `ready` (a call's own children) is started by then.
    await delay(500);
    const descendants = descendantsOf(child.pid!);
    process.kill(child.pid!, signal);
    if (again) {
        await waitFor(again.ready);
        process.kill(child.pid!, again.signal);
    }
    const sent = Date.now();
    const run = await exited;
    return { ...run, descendants, msAfterSignal: Date.now() - sent };
}

/**
 * Waits up to 10 s for `pids` to end (a new parent may take a moment to reap them), then kills and
 * returns those still running: none is what an interrupted command must leave.
 */
export async function survivors(pids: number[]): Promise<number[]> {
    // A process sent SIGKILL is gone once the kernel has run its exit; on a loaded machine that
    // has taken over 3 s (the full unit suite beside another's integration tests).
    const deadline = Date.now() + 10000;
    while (pids.some(running) && Date.now() < deadline) {
        await delay(20);
    }
    const left = pids.filter(running);
    left.forEach((pid) => process.kill(pid, "SIGKILL"));
    return left;
}

/** Whether a process with this pid exists (a zombie counts as gone: it runs nothing). */
export function running(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ESRCH") {
            return false;
        }
        throw err;
    }
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
}
