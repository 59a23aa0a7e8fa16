// Usage errors of the command line: worded like every other error of the tool, and the names in
// the arguments that are no subcommand. Loads nothing but commander.
import {
    Command,
    CommanderError,
    InvalidArgumentError,
    Option,
    type OptionValues,
} from "commander";
import { EXIT, reportError, UsageError, writerOf } from "./output";
import { HELP_FLAGS, optionArgs, unicodeDashArgument } from "./line";
import { maskSecrets } from "../../components/mask";
import type { Io } from "./main";

/**
 * Makes every option of `command` and its subcommands that takes one value refuse a second
 * occurrence (`--stack a --stack b`): commander keeps the last one silently, and an operator's
 * command must not run on a value chosen by argument order. commander calls an option's parser
 * with `(value, previous)` on each occurrence while it reads the options (Command.addOption and
 * Command.parseOptions in commander's lib/command.js); every value is recorded there and the
 * refusals come once all options are read, in this order: an option missing its value (none
 * follows it, or the next argument is an option: `--base -x`, `--base --help`; no git ref, stack
 * or scenario name starts with "-"), then a repetition naming every value given, in order, then
 * a value's own refusal (`--stack ../x`, and a value given with `=` that starts with "-",
 * `--stack=--json`: given, so not missing, and no value either), all before commander's later
 * checks (required, conflicting and unknown options) and before any tool loads. `--help` (or `-h`) given as an
 * option, not as another option's value and not after `--`, answers instead, as git and kubectl
 * do: commander shows the help and the command exits 0, starting nothing.
 */
export function refuseRepeatedOptions(command: Command): void {
    const single = command.options.filter((o) => !o.isBoolean() && !o.variadic);
    const given = new Map<Option, string[]>();
    let missing: CommanderError | undefined;
    let refusedValue: CommanderError | undefined;
    /** The `--option=value` arguments of the line, each taken off when its value is read. */
    let inline: string[] = [];
    for (const option of single) {
        const parse = option.parseArg;
        option.parseArg = <T>(value: string | undefined, previous: T): T => {
            const at = value === undefined ? -1 : inline.indexOf(`${option.long}=${value}`);
            if (at !== -1) {
                inline.splice(at, 1);
            }
            const looksLikeOption =
                value !== undefined && value.length > 1 && value.startsWith("-");
            if (at !== -1 && looksLikeOption) {
                // Given with `=`, the value is there (`--stack=--json`), and refused as a value.
                given.set(option, [...(given.get(option) ?? []), value]);
                refusedValue ??= new CommanderError(
                    EXIT.couldNotRun,
                    "commander.invalidArgument",
                    `option '${option.flags}' argument '${value}' is invalid. A value that ` +
                        'starts with "-" reads as an option: no stack name, git ref or scenario ' +
                        'starts with "-"',
                );
                return value as T;
            }
            if (value === undefined || looksLikeOption) {
                // Worded as commander's Command.optionMissingArgument, naming what came instead.
                const instead =
                    value === undefined ? "" : ` ('${value}' is an option, not its value)`;
                missing ??= new CommanderError(
                    EXIT.couldNotRun,
                    "commander.optionMissingArgument",
                    `option '${option.flags}' argument missing${instead}`,
                );
                return value as T;
            }
            const values = given.get(option) ?? [];
            given.set(option, [...values, value]);
            if (values.length > 0 || !parse) {
                return value as T;
            }
            try {
                return parse(value, previous);
            } catch (err) {
                if (!(err instanceof InvalidArgumentError)) {
                    throw err;
                }
                // Worded as commander words it (Command._callParseArg), reported after repetitions.
                refusedValue ??= new CommanderError(
                    err.exitCode,
                    err.code,
                    `option '${option.flags}' argument '${value}' is invalid. ${err.message}`,
                );
                return value as T;
            }
        };
    }
    {
        // commander refuses a value missing at the end while reading (optionMissingArgument),
        // before a later --help; it then passes undefined to the parser, which records it.
        (command as unknown as { optionMissingArgument(): void }).optionMissingArgument = () =>
            undefined;
        const parseOptions = command.parseOptions.bind(command);
        command.parseOptions = (args) => {
            given.clear();
            missing = undefined;
            refusedValue = undefined;
            inline = optionArgs(args).filter((a) => /^--[^=]+=/.test(a));
            const parsed = parseOptions(args);
            // commander shows the help before its own checks (Command._parseCommand). A `--`
            // taken as an option's value (`--stack -- --help`) still ends the options: the
            // value is missing, and the --help after it is an operand.
            const isHelp = (a: string) => HELP_FLAGS.includes(a);
            const options = optionArgs(parsed.unknown);
            if (options.some(isHelp) && optionArgs(args).some(isHelp)) {
                return parsed;
            }
            // It also finds a --help after `--` once an unknown option came before: that option
            // is refused as commander would refuse it, in a command without subcommands, and in
            // one with subcommands (the root) when the line names none of them.
            const operandHelp = parsed.unknown.slice(options.length).some(isHelp);
            if (operandHelp && (command.commands.length === 0 || parsed.operands.length === 0)) {
                (command as unknown as { unknownOption(flag: string): never }).unknownOption(
                    parsed.unknown[0],
                );
            }
            if (missing !== undefined) {
                throw missing;
            }
            const repeated = [...given]
                .filter(([, values]) => values.length > 1)
                .map(([option, values]) => ({ option: option.flags, values }));
            if (repeated.length > 0) {
                throw new CommanderError(
                    EXIT.couldNotRun,
                    "capi-mgmt-ingress.repeatedOption",
                    repeatedMessage(repeated),
                );
            }
            if (refusedValue !== undefined) {
                throw refusedValue;
            }
            return parsed;
        };
    }
    command.commands.forEach(refuseRepeatedOptions);
}

/**
 * `option '--stack <env>' given 3 times, 'a', 'b' and 'c'; it takes one value: give it once`,
 * one clause per option given more than once, each with every value in the order given.
 */
function repeatedMessage(repeated: { option: string; values: string[] }[]): string {
    const clauses = repeated.map(({ option, values }) => {
        const quoted = values.map((v) => `'${v}'`);
        const times = values.length === 2 ? "twice" : `${values.length} times`;
        return `option '${option}' given ${times}, ${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
    });
    const takes =
        repeated.length === 1
            ? "it takes one value: give it once"
            : "each takes one value: give each once";
    return `${clauses.join("; ")}; ${takes}`;
}

/**
 * Runs a helper script the workflows run (`npm run -s <script> -- ...`: `review:cut`,
 * `changed-stacks`, `policy:config`, `policy:shared`) as the main command line runs a subcommand.
 * Its command line is read with commander and refuseRepeatedOptions, in commander's words for
 * every usage error; `--help` prints the help on stdout and answers 0. Then `work` runs with the
 * options and gives the exit code. Every error, a usage error or one `work` throws (a git ref
 * that names no commit, a stack file that does not validate), is reported by reportError: as
 * `<script>: <message>` on stderr (a usage error with the line saying how to get the usage),
 * or, when the script declares `--json` and it is given before any `--`, as the error document
 * on stdout. Returns the exit code: 2 for an error, as the command line's. `command` is named
 * after the script.
 */
export function runScript<T extends OptionValues>(
    command: Command,
    argv: string[],
    work: (opts: T) => number,
    // Through writerOf: `--help | head -1` closes stdout, and a write then fails with EPIPE.
    io: Pick<Io, "stdout" | "stderr"> = {
        stdout: writerOf(process.stdout),
        stderr: writerOf(process.stderr),
    },
): number {
    const name = command.name();
    const json =
        command.options.some((o) => o.long === "--json") && optionArgs(argv).includes("--json");
    command
        .exitOverride()
        .configureOutput({
            writeOut: io.stdout,
            writeErr: io.stderr,
            outputError: () => undefined,
        })
        .addHelpText("after", `\nRun as: npm run -s ${name} -- [options]`);
    refuseRepeatedOptions(command);
    const help = `npm run -s ${name} -- --help`;
    const dashed = unicodeDashArgument(argv);
    if (dashed !== undefined) {
        return reportError(name, new UsageError(maskSecrets(dashed)), json, help, io);
    }
    try {
        command.parse(argv, { from: "user" });
    } catch (err) {
        if (!(err instanceof CommanderError)) {
            throw err;
        }
        if (err.code === "commander.helpDisplayed") {
            return EXIT.ok;
        }
        const message = usageMessage(command, argv, err);
        return reportError(name, new UsageError(message), json, help, io);
    }
    try {
        return work(command.opts<T>());
    } catch (err) {
        return reportError(name, err, json, help, io);
    }
}

/**
 * commander's message for `err` without its "error: " lead, what looks like a credential in the
 * arguments it quotes masked (maskSecrets: `--password=x`, `--stack password=x`). commander checks required options
 * before unknown ones (Command._parseCommand): an unknown option is named first, so `audit
 * --bogus` is not answered "required option '--stack <env>' not specified".
 */
export function usageMessage(program: Command, argv: string[], err: CommanderError): string {
    const message = err.message.replace(/^error: /, "");
    return maskSecrets(clearerMessage(program, argv, err.code, message) ?? message);
}

/** What commander says for `code` (`message`), said more exactly where the line tells more. */
function clearerMessage(
    program: Command,
    argv: string[],
    code: string,
    message: string,
): string | undefined {
    switch (code) {
        case "commander.missingMandatoryOptionValue":
            return unknownOptionMessage(program, argv);
        case "commander.excessArguments":
            return `${message.replace(/\.$/, "")}: ${excessArguments(program, argv)}`;
        case "commander.unknownOption":
            return optionOfLater(program, argv, message);
        default:
            return undefined;
    }
}

/**
 * `unknown option '--stack' (an option of 'audit': give it after 'audit')` when the option is one
 * of a subcommand named after it (`--stack prod audit`, `cloud --json status`), else undefined:
 * commander reads a command's options only after its name.
 */
function optionOfLater(program: Command, argv: string[], message: string): string | undefined {
    const flag = /^unknown option '([^']+)'$/.exec(message)?.[1];
    if (flag === undefined) {
        return undefined;
    }
    let command = program;
    const names: string[] = [];
    for (const arg of optionArgs(argv)) {
        const sub = command.commands.find((c) => c.name() === arg);
        if (sub) {
            names.push(arg);
            command = sub;
        }
    }
    const erring = named(program, argv).command;
    const long = flag.split("=")[0];
    if (command === erring || !command.options.some((o) => o.long === long)) {
        return undefined;
    }
    const owner = names.join(" ");
    return `unknown option '${flag}' (an option of '${owner}': give it after '${owner}')`;
}

/**
 * The arguments the named subcommand takes as operands, quoted (`'x', '' (an empty argument)`):
 * commander's "too many arguments" counts them without naming them (Command._excessArguments).
 */
function excessArguments(program: Command, argv: string[]): string {
    const { command, rest } = named(program, argv);
    return command
        .parseOptions(rest)
        .operands.map((a) => (a === "" ? "'' (an empty argument)" : `'${a}'`))
        .join(", ");
}

/** The subcommand `argv` names (the root if none) and the arguments after its name. */
function named(program: Command, argv: string[]): { command: Command; rest: string[] } {
    let command = program;
    let rest = argv;
    for (const sub of argv) {
        const next = command.commands.find((c) => c.name() === sub);
        if (!next) {
            break;
        }
        command = next;
        rest = rest.slice(1);
    }
    return { command, rest };
}

/**
 * Worded like every other error of the tool: `<subcommand>: <message>`, or the document; what
 * looks like a credential in `message` masked (an unknown command quotes the argument).
 */
export function reportUsageError(
    program: Command,
    command: string,
    message: string,
    json: boolean,
    io: Io,
): void {
    reportError(
        command,
        new UsageError(maskSecrets(message)),
        json,
        helpCommand(program, command),
        io,
    );
}

/** The command that shows `command`'s usage: `capi-mgmt-ingress [<subcommand> ]--help`. */
export function helpCommand(program: Command, command: string): string {
    return `${program.name()} ${command === program.name() ? "" : `${command} `}--help`;
}

/** The subcommand the arguments name, as far as they name one (`cloud up`), for error documents. */
export function commandPath(program: Command, argv: string[]): string {
    const names: string[] = [];
    let command = program;
    for (const arg of argv) {
        const sub = command.commands.find((c) => c.name() === arg);
        if (!sub) {
            break;
        }
        names.push(arg);
        command = sub;
    }
    return names.length ? names.join(" ") : program.name();
}

/**
 * commander's message for the first option in `argv` the named subcommand does not know, if one
 * is there. commander checks required options before unknown ones (Command._parseCommand), so
 * `audit --bogus` would otherwise be answered "required option '--stack <env>' not specified".
 */
export function unknownOptionMessage(program: Command, argv: string[]): string | undefined {
    const { command, rest } = named(program, argv);
    const flag = command.parseOptions(rest).unknown.find((a) => a.startsWith("-"));
    if (flag === undefined) {
        return undefined;
    }
    try {
        // Not in commander's typings; its wording (and "Did you mean") is the one to keep.
        (command as unknown as { unknownOption(flag: string): never }).unknownOption(flag);
    } catch (err) {
        if (err instanceof CommanderError) {
            return err.message.replace(/^error: /, "");
        }
        throw err;
    }
    return undefined;
}
