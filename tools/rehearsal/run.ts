// Runs the system commands the stand-ins are built from; a failure names the command, its exit
// status and what it printed, so a broken step says what it expected and what came back.
import { execFile } from "node:child_process";

export interface RunResult {
    stdout: string;
    stderr: string;
    code: number;
}

export class CommandError extends Error {
    constructor(
        readonly command: string[],
        readonly result: RunResult,
        expected: string,
    ) {
        super(
            `\`${command.join(" ")}\` exited ${result.code}; expected ${expected}` +
                (result.stderr.trim() ? `: ${result.stderr.trim()}` : ""),
        );
        this.name = "CommandError";
    }
}

/** Runs a command to completion; never throws for a non-zero exit (see `run` for that). */
export function runRaw(
    command: string[],
    options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = execFile(
            command[0],
            command.slice(1),
            { timeout: options.timeoutMs ?? 30_000, env: options.env, maxBuffer: 16 << 20 },
            (err, stdout, stderr) => {
                if (err && typeof err.code !== "number") {
                    // Not an exit status: the command could not start or was killed.
                    const why = err.killed ? `was killed (${err.signal})` : err.message;
                    reject(new Error(`\`${command.join(" ")}\` ${why}`));
                    return;
                }
                resolve({ stdout, stderr, code: err ? Number(err.code) : 0 });
            },
        );
        if (options.input !== undefined) {
            child.stdin?.end(options.input);
        }
    });
}

/** Runs a command and throws CommandError unless it exits 0. */
export async function run(
    command: string[],
    options: { input?: string; timeoutMs?: number; expected?: string } = {},
): Promise<string> {
    const result = await runRaw(command, options);
    if (result.code !== 0) {
        throw new CommandError(command, result, options.expected ?? "exit status 0");
    }
    return result.stdout;
}

/** The same command run inside a network namespace. */
export function inNamespace(namespace: string, command: string[]): string[] {
    return ["ip", "netns", "exec", namespace, ...command];
}
