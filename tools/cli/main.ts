// `capi-mgmt-ingress <subcommand>`: one command line for the operators' tools. This module runs a
// command line: the root command, the exit code of each way commander ends, a subcommand's error
// as text or as the JSON document, and what an interrupted command says; the subcommands are in
// commands.ts. Parsing and `--help` load nothing but commander; a subcommand loads its tool only
// when it runs, so help and argument errors start no cloud, no Juju call and no request.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import type { Cleanup } from "../../components/process/run";
import { Action, addSubcommands, EXIT_CODES } from "./commands";
import {
    colorEnabled,
    EXIT,
    maskErrorDocument,
    Progress,
    progressOn,
    reportError,
    writerOf,
} from "./output";
import {
    commandPath,
    helpCommand,
    refuseRepeatedOptions,
    reportUsageError,
    usageMessage,
} from "./usage";
import {
    helpBeforeVersion,
    helpWordArgs,
    optionArgs,
    unicodeDashArgument,
    unknownCommand,
} from "./line";

export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
    /** Progress for slow steps: on stderr when it is a terminal, else silent. */
    progress: Progress;
    /** Colour on stdout (a terminal without NO_COLOR). */
    color: boolean;
    /** Called once before a subcommand loads its tool (the launcher registers ts-node there). */
    loadTools(): void;
}

/** Set when the command is interrupted: the tool's own output stops, only the report follows. */
let interrupting = false;
/** The first signal, and the cleanups owed when it came (named if a second signal gives them up). */
let firstSignal: string | undefined;
let owedAtFirst: Cleanup[] = [];
/** Set when a subcommand loads its tool: only a tool starts children. */
let toolsLoaded = false;

/**
 * Ends every process group the command's tool started that still runs (stopRunningGroups in
 * components/process/run.ts: SIGTERM, SIGKILL after `graceMs`). Loads nothing when no tool ran, so
 * `--help` stays light.
 */
export async function stopChildren(graceMs?: number): Promise<void> {
    if (toolsLoaded) {
        const { stopRunningGroups } = await import("../../components/process/run");
        await stopRunningGroups(graceMs);
    }
}

export function processIo(loadTools: () => void = () => undefined): Io {
    const stdout = writerOf(process.stdout);
    const stderr = writerOf(process.stderr);
    return {
        stdout: (text) => (interrupting ? undefined : stdout(text)),
        stderr: (text) => (interrupting ? undefined : stderr(text)),
        progress: progressOn(process.stderr),
        color: colorEnabled(process.stdout),
        loadTools,
    };
}

const ROOT = path.resolve(__dirname, "..", "..");

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
    const json = optionArgs(argv).includes("--json");
    let code: number = EXIT.ok;
    const program = buildProgram(io, json, (c) => (code = c));
    // An argument pasted with a Unicode dash (`—json`) is named before commander reads it as an
    // operand (`audit —json` would be answered "required option '--stack <env>' not specified").
    const dashed = unicodeDashArgument(argv);
    if (dashed !== undefined) {
        reportUsageError(program, commandPath(program, argv), dashed, json, io);
        return EXIT.couldNotRun;
    }
    // commander answers `help nosuch` and `nosuch --help` with the root's help and no word about
    // the name; an unknown name is a usage error however help is asked for.
    const unknown = unknownCommand(program, argv);
    if (unknown !== undefined) {
        reportUsageError(program, unknown.command, unknown.message, json, io);
        return EXIT.couldNotRun;
    }
    // `help [command...]` as `[command...] --help`: the usage of the command it names.
    const line = helpWordArgs(program, argv) ?? argv;
    try {
        await program.parseAsync(line, { from: "user" });
        return code;
    } catch (err) {
        if (!(err instanceof CommanderError)) {
            throw err;
        }
        // `help <command>` ends with exit code 0; the usage shown for a missing subcommand with 1.
        const answered = err.code === "commander.help" && err.exitCode === 0;
        if (
            answered ||
            err.code === "commander.helpDisplayed" ||
            err.code === "commander.version"
        ) {
            return EXIT.ok;
        }
        if (err.code === "commander.help") {
            // A missing subcommand: commander showed the usage on stderr.
            return EXIT.couldNotRun;
        }
        const message = usageMessage(program, line, err);
        reportUsageError(program, commandPath(program, line), message, json, io);
        return EXIT.couldNotRun;
    }
}

/**
 * Interrupted by `signal` (SIGINT, SIGTERM) with no tool handling it itself: the tool's output
 * stops, every process group it started is ended (SIGTERM, then SIGKILL to what is left after
 * `graceMs`; components/process/run.ts), the cleanups its tool owed when the signal came run (a
 * tenant pod deleted, at most 30 s) and the groups started meanwhile are ended, then the command
 * says so, naming what a cleanup could not undo (reportInterrupted). Interrupted again meanwhile,
 * it gives the cleanups up: every group still running is killed and the command says so at once,
 * naming both signals and the cleanups not done. Resolves to exit code 130.
 */
export async function interrupt(argv: string[], signal: string, graceMs?: number): Promise<number> {
    const again = interrupting;
    interrupting = true;
    firstSignal ??= signal;
    const signals = again ? `${firstSignal}, then ${signal}` : signal;
    let left: string[] = [];
    if (toolsLoaded) {
        const run = await import("../../components/process/run");
        if (again) {
            // The cleanups are given up: what they started ends now, without a grace, and what
            // they had not done is named.
            run.giveUpCleanups(owedAtFirst);
            await run.stopRunningGroups(0);
            left = owedAtFirst
                .filter((c) => !c.done)
                .map((c) => `${c.what} (given up on a second signal)`);
        } else {
            const owed = run.owedCleanups();
            owedAtFirst = owed;
            await run.stopRunningGroups(graceMs);
            left = await run.runCleanups(owed);
            // What the tool started meanwhile, and a cleanup past its time, which must not
            // start its work again once stopped.
            run.giveUpCleanups(owed);
            await run.stopRunningGroups(graceMs);
        }
    }
    const report = {
        ...processIo(),
        stdout: writerOf(process.stdout),
        stderr: writerOf(process.stderr),
    };
    return reportInterrupted(argv, report, signals, left);
}

/**
 * What a command interrupted by `signal` says before it exits 130: `<subcommand>: interrupted`
 * on stderr, or under --json the error document on stdout (a result is printed only at the end,
 * so stdout holds nothing else).
 */
export function reportInterrupted(
    argv: string[],
    io: Io,
    signal: string,
    left: string[] = [],
): number {
    const command = commandPath(
        buildProgram(io, false, () => undefined),
        argv,
    );
    // What the interrupt could not undo is for the operator to remove (a tenant pod left).
    const undone = left.length > 0 ? `; not undone, remove by hand: ${left.join("; ")}` : "";
    const doc = maskErrorDocument({
        error: {
            kind: "interrupted",
            command,
            message: `interrupted (${signal})${undone}`,
            exitCode: EXIT.interrupted,
        },
    });
    if (optionArgs(argv).includes("--json")) {
        io.stdout(`${JSON.stringify(doc)}\n`);
    } else {
        io.stderr(`${doc.error.command}: ${doc.error.message}\n`);
    }
    return EXIT.interrupted;
}

function buildProgram(io: Io, json: boolean, setCode: (code: number) => void): Command {
    const program = new Command("capi-mgmt-ingress")
        .description(
            "Tight ingress for the Cluster API management cluster's API and SSH: audit, review " +
                "and verify a stack, rehearse the change on a local OpenStack.",
        )
        .version(packageVersion())
        .exitOverride()
        .configureOutput({
            writeOut: io.stdout,
            writeErr: io.stderr,
            // main() writes argument errors, named by the subcommand (or as the JSON document).
            outputError: () => undefined,
        })
        .addHelpText("after", EXIT_CODES);

    /** Runs a subcommand's work; an error becomes exit 2, as text or as the JSON document. */
    const action: Action =
        (name, work) =>
        async (...args) => {
            try {
                toolsLoaded = true;
                io.loadTools();
                setCode(await work(...args));
            } catch (err) {
                // A usage error found after parsing is worded as commander's (with the --help line).
                setCode(reportError(name, err, json, helpCommand(program, name), io));
            }
        };
    addSubcommands(program, io, action);
    refuseRepeatedOptions(program);
    helpBeforeVersion(program);
    return program;
}

function packageVersion(): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    return String(manifest.version);
}
