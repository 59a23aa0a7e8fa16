// The services as process groups of this checkout: spawn, stop, find members, the start/stop
// lock, and the management commands (keystone-manage, the neutron database tool).
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    CLOUD_DIR,
    DIRS,
    etcFile,
    MARKER,
    pidFile,
    PYTHON,
    Service,
    sleep,
    START_TIMEOUT_MS,
    STOP_TIMEOUT_MS,
    TEMPLATES,
} from "./layout";

export function spawnService(service: Service, command: string, args: string[]): void {
    const log = fs.openSync(path.join(DIRS.log, `${service}.out`), "a");
    const child = spawn(command, args, {
        // Own process group: stop signals reach every worker the service forks, and the
        // service outlives the node process that started it.
        detached: true,
        stdio: ["ignore", log, log],
        cwd: CLOUD_DIR,
        env: serviceEnv(),
    });
    fs.closeSync(log);
    if (child.pid === undefined) {
        throw new Error(`spawn ${command}: expected a process, got none (is it installed?)`);
    }
    child.unref();
    fs.writeFileSync(pidFile(service), `${child.pid}\n`);
}

/** A clean environment: no OS_* credentials, no foreign Python of the caller's PATH. */
export function serviceEnv(): NodeJS.ProcessEnv {
    return {
        PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: CLOUD_DIR,
        LANG: "C.UTF-8",
        OS_KEYSTONE_CONFIG_FILES: etcFile("keystone.conf"),
        [MARKER]: CLOUD_DIR,
    };
}

export async function stopService(
    service: Service,
    signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
): Promise<void> {
    const pgid = readPid(service);
    if (pgid === undefined) {
        return;
    }
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    let sent: NodeJS.Signals | undefined;
    for (;;) {
        const members = groupMembers(service);
        if (members.length === 0) {
            fs.rmSync(pidFile(service), { force: true });
            return;
        }
        const next: NodeJS.Signals = Date.now() > deadline ? "SIGKILL" : signal;
        if (sent !== next) {
            killGroup(pgid, members, next);
            sent = next;
        } else if (Date.now() > deadline + STOP_TIMEOUT_MS) {
            throw new Error(
                `stopping ${service}: expected its processes to exit after SIGKILL, ` +
                    `still running: ${members.join(", ")}`,
            );
        }
        await sleep(50);
    }
}

export function killGroup(pgid: number, members: number[], signal: NodeJS.Signals): void {
    try {
        process.kill(-pgid, signal);
    } catch {
        // The leader's group may be gone while orphaned workers remain: signal them one by one.
        for (const pid of members) {
            try {
                process.kill(pid, signal);
            } catch {
                // Already exited.
            }
        }
    }
}

/** Live (not zombie) processes of the service's group that carry this cloud's marker. */
export function groupMembers(service: Service): number[] {
    const pgid = readPid(service);
    if (pgid === undefined) {
        return [];
    }
    const members: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        const stat = readProc(entry, "stat");
        // Fields after "(comm)": state ppid pgrp ...
        const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields === undefined || Number(fields[2]) !== pgid || "ZX".includes(fields[0])) {
            continue;
        }
        if (isOurs(entry)) {
            members.push(Number(entry));
        }
    }
    return members;
}

/** neutron-server's setproctitle overwrites its environ, but its title keeps our config path. */
export function isOurs(pid: string): boolean {
    return (
        readProc(pid, "environ")?.split("\0").includes(`${MARKER}=${CLOUD_DIR}`) === true ||
        readProc(pid, "cmdline")?.includes(`${DIRS.etc}/`) === true
    );
}

export function pssKiB(pid: number): number {
    const match = /^Pss:\s+(\d+) kB/m.exec(readProc(String(pid), "smaps_rollup") ?? "");
    return match ? Number(match[1]) : 0;
}

export function readProc(pid: string, file: string): string | undefined {
    try {
        return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
    } catch {
        return undefined;
    }
}

export function readPid(service: Service): number | undefined {
    try {
        const pid = Number(fs.readFileSync(pidFile(service), "utf8").trim());
        return Number.isInteger(pid) && pid > 1 ? pid : undefined;
    } catch {
        return undefined;
    }
}

/** Polls `ready` (which may throw while the service warms up) until it holds. */
export async function waitUntil(
    service: Service,
    expected: string,
    ready: () => Promise<boolean>,
): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let lastError = "";
    for (;;) {
        try {
            if (await ready()) {
                return;
            }
        } catch (err) {
            lastError = ` Last error: ${err instanceof Error ? err.message : String(err)}.`;
        }
        const exited = groupMembers(service).length === 0;
        if (exited || Date.now() > deadline) {
            throw new Error(
                `${service} ${exited ? "exited during start-up" : `did not start within ${START_TIMEOUT_MS / 1000} s`}; ` +
                    `expected ${expected}.${lastError}\n${logTails(service)}`,
            );
        }
        await sleep(100);
    }
}

/** True when the URL answers with a status `ok` accepts; false on any connection error. */
export async function probe(
    url: string,
    ok: (status: number) => boolean = (status) => status === 200,
    headers: Record<string, string> = {},
    timeoutMs = 5000,
): Promise<boolean> {
    try {
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        return ok(response.status);
    } catch {
        return false;
    }
}

/** Start, stop and restore run under one lock shared by every process using this tree. */
export async function withLock<T>(fn: () => Promise<T>): Promise<T> {
    fs.mkdirSync(DIRS.run, { recursive: true });
    const lock = path.join(DIRS.run, "lock");
    const deadline = Date.now() + 2 * START_TIMEOUT_MS;
    for (;;) {
        try {
            fs.mkdirSync(lock);
            fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
            break;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
                throw err;
            }
        }
        if (lockIsStale(lock)) {
            fs.rmSync(lock, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline) {
            throw new Error(`${lock}: expected the lock to be released; it is still held`);
        }
        await sleep(100);
    }
    try {
        return await fn();
    } finally {
        fs.rmSync(lock, { recursive: true, force: true });
    }
}

export function lockIsStale(lock: string): boolean {
    try {
        const owner = Number(fs.readFileSync(path.join(lock, "pid"), "utf8"));
        const state = readProc(String(owner), "stat");
        return state === undefined || /\) [ZX] /.test(state);
    } catch {
        // Created but its pid not yet written, or a crash in between: stale once old.
        try {
            return Date.now() - fs.statSync(lock).mtimeMs > 10_000;
        } catch {
            return false;
        }
    }
}

export function keystoneManage(...args: string[]): Promise<string> {
    return run("/usr/bin/keystone-manage", ["--config-file", etcFile("keystone.conf"), ...args]);
}

export function dbtool(...args: string[]): Promise<string> {
    return run(PYTHON, [path.join(TEMPLATES, "dbtool.py"), ...args]);
}

/** Runs a command to completion; a non-zero exit names the command and its output. */
export function run(command: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            command,
            args,
            { env: serviceEnv(), cwd: CLOUD_DIR, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => {
                if (err) {
                    // Arguments may hold a password: name only the subcommand.
                    reject(
                        new Error(
                            `${command} ${args.find((a) => !a.startsWith("-") && !a.includes("/")) ?? ""}: ` +
                                `expected exit 0, got ${err.code ?? err.signal}; output:\n` +
                                `${tailText(stdout + stderr)}`,
                        ),
                    );
                } else {
                    resolve(stdout);
                }
            },
        );
    });
}

export function logTails(service: Service): string {
    return [".out", ".log"]
        .map((suffix) => path.join(DIRS.log, `${service}${suffix}`))
        .filter((file) => fs.existsSync(file))
        .map((file) => `Last lines of ${file}:\n${tailText(fs.readFileSync(file, "utf8"))}`)
        .join("\n");
}

export function tailText(text: string): string {
    return text.trimEnd().split("\n").slice(-15).join("\n");
}
