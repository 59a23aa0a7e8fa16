// The subcommands of `capi-mgmt-ingress`: their options, help and exit-code texts, and what each
// runs. A subcommand imports its tool only inside its action, so `--help` and argument errors load
// nothing but commander (main.ts runs the actions and reports their errors).
import { Argument, Command, InvalidArgumentError, Option } from "commander";
import { stackNameProblem } from "../../components/config/stackname";
import { parseScenario, type ScenarioName } from "../rehearsal/scenario-names";
import { EXIT, paint } from "./output";
import type { Io } from "./main";

/** Wraps a subcommand's work: loads the tools, sets the exit code, reports an error (main.ts). */
export type Action = <A extends unknown[]>(
    name: string,
    work: (...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

const BENCH_SUITES = ["cli", "discovery", "exposure", "exposure-model", "openstack", "verify"];

export const EXIT_CODES = `
Exit codes:
  0    ok: nothing found
  1    a finding: drift, a wide rule, exposure beyond the allow-set, an allow entry with
       no rule (whether or not another rule admits its source), a plan the preview would
       refuse (review --live), a failing check, a rehearsal that does not end tight, a
       stale schema file (schema --check)
  2    could not run: bad arguments, bad config, a lookup that failed
  3    cloud status: the local cloud is down (a service not running), as systemctl status
  130  interrupted (SIGINT, SIGTERM): the programs it started are ended first; rehearse
       removes its stand-ins first

With --json, stdout holds exactly one JSON document: the result, or
{"error": {"kind", "command", "message", "problems"?, "exitCode"}} when the command could not run
or was interrupted.`;

const REVIEW_EXIT = `
review's verdict: exit 1 when, with --live, the preview would refuse the plan (a source outside
the allow-set still admitted after it, or retire targets the stack's approvedRetirement does not
approve) or the group has drift; with --base, when a stack has a problem or, with --live, when
its head has either of those (the same verdict, per stack). Without --live, a
config the preview refuses (its keys, or a source it names) exits 2 (kind config).`;

const REVIEW_USAGE = `
Valid combinations (each takes --json too):
  review --stack <env> [--live] [--against <env>]
  review --base <git-ref> --stack <env> [--live]
  review --base <git-ref> --changed [--live]
`;

/**
 * What review's options (`opts`) lack for one of REVIEW_USAGE's combinations: a message led by
 * the option given that needs another, undefined when they form one. The pairs that conflict are
 * commander's to refuse, naming both options given (the options' `conflicts`).
 */
export function reviewUsageProblem(opts: {
    stack?: string;
    base?: string;
    changed?: boolean;
}): string | undefined {
    if (opts.changed && opts.base === undefined) {
        return "--changed needs --base <git-ref>";
    }
    if (opts.base !== undefined && opts.stack === undefined && !opts.changed) {
        return "--base needs --stack <env> or --changed";
    }
    if (opts.base === undefined && opts.stack === undefined) {
        return "--stack <env> is required (or --base <git-ref> --changed)";
    }
    // The ref holds stacks/Pulumi.<env>.yaml: a path names no file there.
    if (opts.base !== undefined && opts.stack?.endsWith(".yaml")) {
        return (
            "with --base, --stack takes a stack name (stacks/Pulumi.<env>.yaml at the ref and in " +
            `the working tree), not the path ${opts.stack}`
        );
    }
    return undefined;
}

const STACK_HELP = "stack name (stacks/Pulumi.<env>.yaml) or path to a .yaml stack file";

/**
 * `--stack` and `--against` (and policy:config's `--stack`): refused before anything loads when
 * they name no stack.
 */
export function stackArgument(value: string): string {
    const problem = stackNameProblem(value);
    if (problem !== undefined) {
        throw new InvalidArgumentError(problem);
    }
    return value;
}

/**
 * `--base` (and changed-stacks' `--base`, `--head`): an empty ref (`--base "$UNSET"`) is refused
 * before anything loads, not by git.
 */
export function gitRefArgument(value: string): string {
    if (value.trim() === "") {
        throw new InvalidArgumentError(
            "An empty git ref names no commit: give a branch, tag or commit (a variable that is " +
                "not set, quoted, gives one)",
        );
    }
    return value;
}

/** `--scenario`: an unknown name (an empty one too, never the default rehearsal) is refused. */
function scenarioArgument(value: string): ScenarioName {
    try {
        return parseScenario(value);
    } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
    }
}

/** Adds every subcommand to `program`; each runs through `action`. */
export function addSubcommands(program: Command, io: Io, action: Action): void {
    const print = (value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    const colors = paint(io.color);

    program
        .command("audit")
        .description(
            "classify every live rule of the stack's group; drift, a wide rule or an allow entry " +
                "with no rule (its source locked out, or admitted only by another rule) is a finding",
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
        .addOption(
            new Option("--against <env>", "compare with another stack")
                .argParser(stackArgument)
                .conflicts("base"),
        )
        .option(
            "--base <git-ref>",
            "compare with the stack file at this ref (git show, no checkout); with --live both " +
                "sides come from one measurement",
            gitRefArgument,
        )
        // commander refuses a conflicting pair naming both options (Command._conflictingOption).
        .addOption(
            new Option(
                "--changed",
                "with --base: every stack file changed since the ref",
            ).conflicts(["stack", "against"]),
        )
        .option("--json", "print the review as JSON (the Markdown included)")
        .addHelpText("after", REVIEW_USAGE + EXIT_CODES + REVIEW_EXIT)
        // What no pair of options says: before the review loads anything.
        .hook("preAction", (_review, command) => {
            const problem = reviewUsageProblem(command.opts());
            if (problem !== undefined) {
                command.error(problem, {
                    exitCode: EXIT.couldNotRun,
                    code: "capi-mgmt-ingress.usage",
                });
            }
        })
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
                    if (opts.base !== undefined) {
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
                    const { runReview } = await import("../review");
                    const report = await runReview(
                        // Without --base, --stack is given (reviewUsageProblem).
                        { stack: opts.stack!, live, against: opts.against },
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
            scenarioArgument,
        )
        .addHelpText("after", EXIT_CODES)
        .action(
            action("rehearse", async (opts: { json?: boolean; scenario?: ScenarioName }) => {
                const { rehearse } = await import("../rehearse");
                const { rehearsalPassed } = await import("../rehearsal/verdict");
                const verdict = await rehearse({
                    write: opts.json ? io.stderr : io.stdout,
                    progress: io.progress,
                    scenario: opts.scenario,
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
        ["status", "print whether it runs and its processes' memory as JSON; exit 3 when down"],
    ] as const) {
        cloud
            .command(name)
            .description(description)
            // Its output is JSON either way; --json makes an error the JSON document too.
            .option("--json", "print errors as the JSON document too (the result is JSON)")
            .addHelpText("after", EXIT_CODES)
            .action(
                action(`cloud ${name}`, async (opts: { json?: boolean }) => {
                    const { cloudCommands, downReason } = await import("../cloud");
                    const result = await cloudCommands[name](io.progress);
                    print(result);
                    if ("running" in result && !result.running) {
                        if (!opts.json) {
                            io.stderr(
                                `cloud ${name}: the local cloud on ${result.host} is down: ` +
                                    `${downReason(result)} (npm run cloud:up)\n`,
                            );
                        }
                        return EXIT.notRunning;
                    }
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
}
