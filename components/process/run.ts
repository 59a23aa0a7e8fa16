// Runs a program without a shell, for juju, kubectl and the custom checks. It also runs inside
// serialized dynamic providers: node built-ins only, required in the body.

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

/**
 * No terminal, and no stdin but `input` when given (a CLI fails instead of prompting); on
 * timeout, on `signal`'s abort, or past the output limit, kills the whole process group (a hung
 * command's children too). Never rejects.
 */
export function runProcess(
    file: string,
    args: string[],
    opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; input?: string; signal?: AbortSignal },
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
        });
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
