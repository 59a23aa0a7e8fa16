// `capi-mgmt-ingress <subcommand>`: one command line for the operators' tools. Parsing and
// `--help` load nothing but commander; a subcommand loads its tool only when it runs, so help and
// argument errors start no cloud, no Juju call and no request.
import * as fs from "node:fs";
import * as path from "node:path";
import { Argument, Command, CommanderError, InvalidArgumentError } from "commander";
import { stackNameProblem } from "../../components/config/stackname";
import {
    colorEnabled,
    errorDocument,
    ErrorDocument,
    EXIT,
    paint,
    Progress,
    progressOn,
    UsageError,
} from "./output";
import { commandPath, reportUsageError, unknownCommand, unknownOptionMessage } from "./usage";

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

export function processIo(loadTools: () => void = () => undefined): Io {
    return {
        stdout: (text) => void process.stdout.write(text),
        stderr: (text) => void process.stderr.write(text),
        progress: progressOn(process.stderr),
        color: colorEnabled(process.stdout),
        loadTools,
    };
}

const ROOT = path.resolve(__dirname, "..", "..");
const BENCH_SUITES = ["cli", "discovery", "exposure", "exposure-model", "openstack", "verify"];

const EXIT_CODES = `
Exit codes:
  0    ok: nothing found
  1    a finding: drift, a wide rule, an allow entry with no rule (audit: its source is
       locked out), a failing check, a rehearsal that does not end tight, a stale schema
       file (schema --check)
  2    could not run: bad arguments, bad config, a lookup that failed
  130  interrupted (SIGINT, SIGTERM); rehearse removes its stand-ins first

With --json, stdout holds exactly one JSON document: the result, or
{"error": {"kind", "command", "message", "problems"?, "exitCode"}} when the command could not run
or was interrupted.`;

const REVIEW_EXIT = `
review's verdict: exit 1 when, with --live, the preview would refuse the plan (a source outside
the allow-set still admitted after it, or retire targets the stack's approvedRetirement does not
approve) or the group has drift; with --base, when a stack has a problem or, with --live, when
its head has either of those (the same verdict, per stack). Without --live, a
config the preview refuses (its keys, or a source it names) exits 2 (kind config).`;

const STACK_HELP = "stack name (stacks/Pulumi.<env>.yaml) or path to a .yaml stack file";

/** `--stack` and `--against`: refused before anything loads when they name no stack. */
function stackArgument(value: string): string {
    const problem = stackNameProblem(value);
    if (problem !== undefined) {
        throw new InvalidArgumentError(problem);
    }
    return value;
}

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
    const json = argv.includes("--json");
    let code: number = EXIT.ok;
    const program = buildProgram(io, json, (c) => (code = c));
    // commander answers `help nosuch` and `nosuch --help` with the root's help and no word about
    // the name; an unknown name is a usage error however help is asked for.
    const unknown = unknownCommand(program, argv);
    if (unknown !== undefined) {
        reportUsageError(program, unknown.command, unknown.message, json, io);
        return EXIT.couldNotRun;
    }
    try {
        await program.parseAsync(argv, { from: "user" });
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
        const message =
            (err.code === "commander.missingMandatoryOptionValue"
                ? unknownOptionMessage(program, argv)
                : undefined) ?? err.message.replace(/^error: /, "");
        reportUsageError(program, commandPath(program, argv), message, json, io);
        return EXIT.couldNotRun;
    }
}

/**
 * What a command interrupted by `signal` says before it exits 130: `<subcommand>: interrupted`
 * on stderr, or under --json the error document on stdout (a result is printed only at the end,
 * so stdout holds nothing else).
 */
export function reportInterrupted(argv: string[], io: Io, signal: string): number {
    const command = commandPath(
        buildProgram(io, false, () => undefined),
        argv,
    );
    const message = `interrupted (${signal})`;
    if (argv.includes("--json")) {
        const doc: ErrorDocument = {
            error: { kind: "interrupted", command, message, exitCode: EXIT.interrupted },
        };
        io.stdout(`${JSON.stringify(doc)}\n`);
    } else {
        io.stderr(`${command}: ${message}\n`);
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
    const action =
        <A extends unknown[]>(name: string, work: (...args: A) => Promise<number>) =>
        async (...args: A) => {
            try {
                io.loadTools();
                setCode(await work(...args));
            } catch (err) {
                const doc = errorDocument(name, err);
                if (doc.error.kind === "usage") {
                    // Found after parsing, worded as commander's (with the --help line).
                    reportUsageError(program, name, doc.error.message, json, io);
                } else if (json) {
                    io.stdout(`${JSON.stringify(doc)}\n`);
                } else {
                    io.stderr(`${name}: ${doc.error.message}\n`);
                }
                setCode(doc.error.exitCode);
            }
        };
    const print = (value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    const colors = paint(io.color);

    program
        .command("audit")
        .description(
            "classify every live rule of the stack's group; drift, a wide rule or an allow entry " +
                "with no rule (its source locked out) is a finding",
        )
        .requiredOption("--stack <env>", STACK_HELP, stackArgument)
        .option("--json", "print the report as JSON")
        .addHelpText("after", EXIT_CODES)
        .action(
            action("audit", async (opts: { stack: string; json?: boolean }) => {
                const { runAudit, formatAudit, auditFinds } = await import("../audit");
                const report = await runAudit(opts.stack, io.progress);
                if (opts.json) {
                    print(report);
                } else {
                    io.stdout(formatAudit(report, colors));
                }
                return auditFinds(report) ? EXIT.finding : EXIT.ok;
            }),
        );

    program
        .command("review")
        .description(
            "Markdown for a pull request: the effective settings and, with --live, the plan; " +
                "with --base, what a change does to each stack",
        )
        .option("--stack <env>", STACK_HELP, stackArgument)
        .option("--live", "derive the allow-set, adoptions, retire targets and drift live")
        .option("--against <env>", "compare with another stack", stackArgument)
        .option(
            "--base <git-ref>",
            "compare with the stack file at this ref (git show, no checkout); with --live both " +
                "sides come from one measurement",
        )
        .option("--changed", "with --base: every stack file changed since the ref")
        .option("--json", "print the review as JSON (the Markdown included)")
        .addHelpText("after", EXIT_CODES + REVIEW_EXIT)
        .action(
            action(
                "review",
                async (opts: {
                    stack?: string;
                    live?: boolean;
                    against?: string;
                    base?: string;
                    changed?: boolean;
                    json?: boolean;
                }) => {
                    const live = opts.live === true;
                    if (opts.base !== undefined || opts.changed) {
                        if (opts.base === undefined) {
                            throw new UsageError("--changed needs --base <git-ref>");
                        }
                        if (
                            (opts.changed === true) === (opts.stack !== undefined) ||
                            opts.against
                        ) {
                            throw new UsageError(
                                "with --base give one of --stack <env> or --changed (not --against)",
                            );
                        }
                        const { runBaseReview } = await import("../review");
                        const report = await runBaseReview(
                            {
                                stack: opts.stack,
                                changed: opts.changed === true,
                                base: opts.base,
                                live,
                            },
                            io.progress,
                        );
                        if (opts.json) {
                            print(report);
                        } else {
                            io.stdout(report.markdown);
                        }
                        return report.problems > 0 ? EXIT.finding : EXIT.ok;
                    }
                    if (opts.stack === undefined) {
                        throw new UsageError(
                            "--stack <env> is required (or --changed --base <git-ref>)",
                        );
                    }
                    const { runReview } = await import("../review");
                    const report = await runReview(
                        { stack: opts.stack, live, against: opts.against },
                        io.progress,
                    );
                    if (opts.json) {
                        print(report);
                    } else {
                        io.stdout(report.markdown);
                    }
                    return report.drift > 0 || report.refusing > 0 ? EXIT.finding : EXIT.ok;
                },
            ),
        );

    program
        .command("verify")
        .description("run the stack's post-deploy checks now; a failed check is a finding")
        .requiredOption("--stack <env>", STACK_HELP, stackArgument)
        .option("--json", "print the results as JSON")
        .addHelpText("after", EXIT_CODES)
        .action(
            action("verify", async (opts: { stack: string; json?: boolean }) => {
                const { runVerify, formatVerify } = await import("../verify");
                const report = await runVerify(opts.stack, io.progress);
                if (opts.json) {
                    print(report);
                } else {
                    io.stdout(formatVerify(report, colors));
                }
                return report.passed ? EXIT.ok : EXIT.finding;
            }),
        );

    program
        .command("rehearse")
        .description(
            "the whole change on a local Keystone + Neutron (LOCAL_CLOUD_HOST) with stand-ins; " +
                "a rehearsal that does not end tight and verified is a finding",
        )
        .option("--json", "print the verdict as JSON; the rehearsal's narrative goes to stderr")
        .option(
            "--scenario <name>",
            "seed one extra exposure: second-group, protocol-zero, port-range or accepted",
        )
        .addHelpText("after", EXIT_CODES)
        .action(
            action("rehearse", async (opts: { json?: boolean; scenario?: string }) => {
                const { parseScenario } = await import("../rehearsal/scenarios");
                let scenario: ReturnType<typeof parseScenario> | undefined;
                try {
                    // An empty name is a mistake, not the default rehearsal.
                    scenario =
                        opts.scenario === undefined ? undefined : parseScenario(opts.scenario);
                } catch (err) {
                    throw new UsageError((err as Error).message);
                }
                const { rehearse } = await import("../rehearse");
                const { rehearsalPassed } = await import("../rehearsal/verdict");
                const verdict = await rehearse({
                    write: opts.json ? io.stderr : io.stdout,
                    progress: io.progress,
                    scenario,
                });
                if (opts.json) {
                    print(verdict);
                }
                return rehearsalPassed(verdict) ? EXIT.ok : EXIT.finding;
            }),
        );

    const cloud = program
        .command("cloud")
        .description("the local Keystone + Neutron on LOCAL_CLOUD_HOST (127.0.0.1 by default)")
        .addHelpText("after", EXIT_CODES);
    for (const [name, description] of [
        ["up", "start it (or check it runs) and print its endpoints as JSON"],
        ["down", "stop it and wait until its processes are gone"],
        ["status", "print its processes' memory as JSON"],
    ] as const) {
        cloud
            .command(name)
            .description(description)
            // Its output is JSON either way; --json makes an error the JSON document too.
            .option("--json", "print errors as the JSON document too (the result is JSON)")
            .addHelpText("after", EXIT_CODES)
            .action(
                action(`cloud ${name}`, async () => {
                    const { cloudCommands } = await import("../cloud");
                    print(await cloudCommands[name](io.progress));
                    return EXIT.ok;
                }),
            );
    }

    program
        .command("bench")
        .description("run benchmark suites; one JSON document per suite")
        .addArgument(new Argument("<suite...>", "suites to run").choices(BENCH_SUITES))
        .option("--json", "print errors as the JSON document too (the results are JSON)")
        .addHelpText("after", `${EXIT_CODES}\nbench prints one JSON document per suite it runs.`)
        .action(
            action("bench", async (suites: string[]) => {
                const { runBench } = await import("../bench");
                await runBench(suites, io.stdout);
                return EXIT.ok;
            }),
        );

    program
        .command("schema")
        .description(
            "write stacks/config.schema.json, Pulumi.yaml's config declarations and the stack " +
                "files' schema reference from the zod schema; --check: exit 1 if any is stale (its content, " +
                "not its formatting)",
        )
        .option("--check", "write nothing; list the stale files (and those only unformatted)")
        .option("--json", 'print {"check", "stale", "files": [{"file", "state"}]} as JSON')
        .addHelpText("after", EXIT_CODES)
        .action(
            action("schema", async (opts: { check?: boolean; json?: boolean }) => {
                const { stateLine, updateSchemaFiles } = await import("../config-schema");
                const files = await updateSchemaFiles(opts.check === true);
                const stale = files.some((f) => f.state !== "unformatted");
                if (opts.json) {
                    print({ check: opts.check === true, stale, files });
                    return opts.check && stale ? EXIT.finding : EXIT.ok;
                }
                for (const { file, state } of files) {
                    io.stdout(`${stateLine(file, state, opts.check === true)}\n`);
                }
                return opts.check && stale ? EXIT.finding : EXIT.ok;
            }),
        );

    return program;
}

function packageVersion(): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    return String(manifest.version);
}
