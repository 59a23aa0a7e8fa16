// What the command line prints besides a tool's own result: exit codes, errors (as text or as
// `{"error": {...}}`), colour, and progress lines for slow steps.
import type { ConfigError, StackConfig } from "../../components/config/schema";
import { maskSecrets } from "../../components/mask";

/** The exit codes of every subcommand (README, "Command line"). */
export const EXIT = {
    /** The tool ran and found nothing wrong. */
    ok: 0,
    /** The tool ran and found something: drift, a wide rule, a failing check, a rehearsal not tight. */
    finding: 1,
    /** The tool could not run: bad arguments, bad config, a lookup that failed. */
    couldNotRun: 2,
    /** `cloud status`: the local cloud is not running (LSB's "program is not running", as systemctl's). */
    notRunning: 3,
    /** Interrupted by SIGINT or SIGTERM (128 + SIGINT's number, as a shell reports it). */
    interrupted: 130,
} as const;

/** Bad arguments found after parsing (commander reports its own through `usageError`). */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/**
 * The document `--json` prints on stdout instead of a result when a subcommand could not run.
 * `kind` is `usage` (arguments), `config` (the stack file, or the operator's environment:
 * OS_CLOUD, OS_CLOUD_NAME, OS_REGION_NAME, clouds.yaml, no credentials at all; `problems` lists
 * every one), `run` (anything else: a lookup, Juju,
 * the local cloud) or `interrupted` (exit code 130).
 */
export interface ErrorDocument {
    error: {
        kind: "usage" | "config" | "run" | "interrupted";
        command: string;
        message: string;
        problems?: string[];
        exitCode: number;
    };
}

/**
 * What is true of a subcommand stopped by a config error, said in place of the program's "nothing
 * was declared": verify starts a tenant pod and its checks, none of them yet. audit and review
 * only read (the stack file, Juju, the Networking API): none. rehearse declares, on the local
 * cloud, and keeps the program's words.
 */
const CONFIG_REFUSED: Record<string, string | undefined> = {
    audit: undefined,
    review: undefined,
    verify: "no check was run",
    "policy:config": "nothing was printed",
};

/**
 * The document `--json` prints (and whose message the text form prints) for `err`, which stopped
 * `command`, masked as a whole (maskErrorDocument): what a subcommand throws quotes what failed,
 * a URL, a value read, a command's output, and this is the last stop before a terminal or a log.
 */
export function errorDocument(command: string, err: unknown): ErrorDocument {
    return maskErrorDocument(documentOf(command, err));
}

/**
 * `doc` with every text in it masked (maskSecrets, safety invariant 5): the command, the message
 * and each of the problems; the kind and the exit code are the tool's own words.
 */
export function maskErrorDocument(doc: ErrorDocument): ErrorDocument {
    const { command, message, problems } = doc.error;
    return {
        error: {
            ...doc.error,
            command: maskSecrets(command),
            message: maskSecrets(message),
            ...(problems !== undefined ? { problems: problems.map(maskSecrets) } : {}),
        },
    };
}

function documentOf(command: string, err: unknown): ErrorDocument {
    const message = err instanceof Error ? err.message : String(err);
    if (isConfigError(err)) {
        return {
            error: {
                kind: "config",
                command,
                message:
                    command in CONFIG_REFUSED
                        ? err.toldBy(CONFIG_REFUSED[command]).message
                        : message,
                problems: err.problems,
                exitCode: EXIT.couldNotRun,
            },
        };
    }
    // The operator's environment (OS_CLOUD, clouds.yaml): configuration, not a failed lookup.
    if (err instanceof Error && err.name === "EnvironmentError") {
        return {
            error: {
                kind: "config",
                command,
                message,
                problems: [message],
                exitCode: EXIT.couldNotRun,
            },
        };
    }
    // By name: a tool that removes what it started before it gives up (rehearse) throws it.
    if (err instanceof Error && err.name === "Interrupted") {
        return { error: { kind: "interrupted", command, message, exitCode: EXIT.interrupted } };
    }
    const kind = err instanceof UsageError ? "usage" : "run";
    return { error: { kind, command, message, exitCode: EXIT.couldNotRun } };
}

/**
 * Reports `err`, which stopped `command` (a subcommand, or a helper script named as its npm
 * script), as every error of the tool is reported: with `json`, the error document on stdout;
 * else `<command>: <message>` on stderr, a usage error followed by the line naming `help`, the
 * command that shows the usage. Returns the exit code the document gives.
 */
export function reportError(
    command: string,
    err: unknown,
    json: boolean,
    help: string,
    io: { stdout(text: string): void; stderr(text: string): void },
): number {
    const doc = errorDocument(command, err);
    if (json) {
        io.stdout(`${JSON.stringify(doc)}\n`);
    } else {
        const usage = doc.error.kind === "usage" ? `\n(run "${help}" for usage)` : "";
        io.stderr(`${doc.error.command}: ${doc.error.message}${usage}\n`);
    }
    return doc.error.exitCode;
}

// By shape, not instanceof: loading the schema (zod) would slow down `--help`.
function isConfigError(err: unknown): err is ConfigError {
    return err instanceof Error && err.name === "ConfigError" && "problems" in err;
}

/** The streams found closed: a write to them failed (EPIPE when the reader is gone). */
const closedStreams = new WeakMap<NodeJS.WritableStream, { closed: boolean }>();

/**
 * Writes to `stream` until it is closed: a reader that went away (`| head -1`) makes a write fail
 * with EPIPE, reported as an 'error' event that would otherwise end the process with a stack
 * trace and exit 1. From then on output is dropped, as a filter drops it once its reader is gone,
 * and the command ends as it would have: its children stopped, its exit code kept.
 */
export function writerOf(stream: NodeJS.WritableStream): (text: string) => void {
    let state = closedStreams.get(stream);
    if (state === undefined) {
        const found = { closed: false };
        stream.on("error", () => (found.closed = true));
        closedStreams.set(stream, found);
        state = found;
    }
    const shared = state;
    return (text) => {
        if (!shared.closed) {
            stream.write(text);
        }
    };
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function colorEnabled(
    stream: { isTTY?: boolean },
    env: NodeJS.ProcessEnv = process.env,
): boolean {
    return stream.isTTY === true && !env.NO_COLOR;
}

export interface Paint {
    ok(text: string): string;
    bad(text: string): string;
    dim(text: string): string;
}

export function paint(enabled: boolean): Paint {
    const sgr = (code: number) => (text: string) =>
        enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
    return { ok: sgr(32), bad: sgr(31), dim: sgr(2) };
}

/**
 * Progress of slow steps (Juju calls, Networking API lookups with their retries, starting the
 * local cloud). Lines go to stderr, and only when it is a terminal: piped or `--json` output
 * stays exactly the result.
 */
export interface Progress {
    note(line: string): void;
    /** Runs `work`, saying when it starts, every 10 s while it runs, and when it ends. */
    step<T>(label: string, work: () => Promise<T>): Promise<T>;
}

export const silentProgress: Progress = {
    note: () => undefined,
    step: (_label, work) => work(),
};

export function progressOn(
    stream: NodeJS.WritableStream & { isTTY?: boolean },
    env: NodeJS.ProcessEnv = process.env,
    tickMs = 10000,
): Progress {
    if (!stream.isTTY) {
        return silentProgress;
    }
    const { dim } = paint(colorEnabled(stream, env));
    const note = (line: string) => void stream.write(`${dim(`· ${line}`)}\n`);
    return {
        note,
        async step(label, work) {
            const started = Date.now();
            const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
            note(`${label} …`);
            const ticker = setInterval(() => note(`still ${label} (${seconds()})`), tickMs);
            ticker.unref();
            try {
                const result = await work();
                note(`${label}: done in ${seconds()}`);
                return result;
            } catch (err) {
                note(`${label}: failed after ${seconds()}`);
                throw err;
            } finally {
                clearInterval(ticker);
            }
        },
    };
}

/** What the live discovery of a stack does, for its progress line (Juju first: it is the slow part). */
export function discoveryLabel(stack: string, config: StackConfig): string {
    const juju = config.conductors.juju;
    const units = juju
        ? `measuring the ${juju.application} units of model ${juju.model} through juju, `
        : "";
    return `${units}looking up the group, the API's port and the rules (stack ${stack})`;
}

/** Columns padded to their widest cell, two spaces apart: the tools' plain-text tables. */
export function textTable(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    return [header, ...rows]
        .map((row) =>
            row
                .map((cell, i) => cell.padEnd(widths[i]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}
