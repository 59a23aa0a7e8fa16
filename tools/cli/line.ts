// How the command line reads what commander reads otherwise, before it does: the `help` command
// wherever it stands, --help beside -V, an argument that starts with a Unicode dash, and a name
// that is no subcommand. Loads nothing but commander.
import type { EventEmitter } from "node:events";
import { Command, CommanderError } from "commander";
import { EXIT } from "./output";

/** commander's help flags (the default help option, which no command here changes). */
export const HELP_FLAGS = ["-h", "--help"];

/** The arguments before `--`: after it, `--json` and `--help` are operands, not options. */
export function optionArgs(argv: string[]): string[] {
    const end = argv.indexOf("--");
    return end === -1 ? argv : argv.slice(0, end);
}

/**
 * The line a `help` command stands for: the names of the commands it asks about, then `--help`
 * (`help cloud status` and `cloud help status`: `cloud status --help`; `help help`: `--help`,
 * the root's help, which lists `help [command]`), undefined when the line holds no `help` where
 * a command goes. commander answers `help` with the operand right after it only
 * (Command._dispatchHelpCommand): `help cloud status` showed `cloud`'s usage, and `help help`,
 * no command of its own, the root's usage on stderr with exit 1. Like that command, the rest of
 * the line is not read. Options are skipped: none of the commands with subcommands takes an
 * option with a value.
 */
export function helpWordArgs(program: Command, argv: string[]): string[] | undefined {
    let command = program;
    const names: string[] = [];
    let asked = false;
    for (const arg of optionArgs(argv)) {
        if (arg.startsWith("-")) {
            continue;
        }
        if (command.commands.length === 0) {
            break;
        }
        if (arg === "help") {
            asked = true;
            continue;
        }
        const sub = command.commands.find((c) => c.name() === arg);
        if (!sub) {
            break;
        }
        names.push(arg);
        command = sub;
    }
    return asked ? [...names, "--help"] : undefined;
}

/**
 * Makes `--help` (or `-h`) win over `-V` (`--version`) on `program`'s line, in either order, as
 * the help answers whatever else the line holds: commander prints the version as soon as it reads
 * `-V` (the option's listener in Command.version), before it looks for a help flag. `-V` is now
 * noted while the options are read; once they are, the version is printed (exit 0) unless a help
 * flag is among the options the root left for its subcommands, before any `--`, as the help
 * flag's own check finds it (refuseRepeatedOptions in usage.ts).
 */
export function helpBeforeVersion(program: Command): void {
    const version = program.version();
    const flag = program.options.find((o) => o.attributeName() === "version");
    if (version === undefined || flag === undefined) {
        return;
    }
    const event = `option:${flag.name()}`;
    let asked = false;
    // A Command is an EventEmitter (commander's lib/command.js); its typings do not say so.
    (program as unknown as EventEmitter).removeAllListeners(event);
    program.on(event, () => void (asked = true));
    const parseOptions = program.parseOptions.bind(program);
    program.parseOptions = (args) => {
        asked = false;
        const parsed = parseOptions(args);
        const isHelp = (a: string) => HELP_FLAGS.includes(a);
        const help = optionArgs(parsed.unknown).some(isHelp) && optionArgs(args).some(isHelp);
        if (asked && !help) {
            program.configureOutput().writeOut?.(`${version}\n`);
            throw new CommanderError(EXIT.ok, "commander.version", version);
        }
        return parsed;
    };
}

/**
 * Dashes that look like `-` (Unicode's Pd dashes and the minus signs), as a word processor or a
 * web page turns `--` into: U+2010 to U+2015, U+2212, U+FE58, U+FE63, U+FF0D.
 */
const UNICODE_DASH = /^[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/;
const LEADING_DASHES = /^[-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]+/;

/**
 * Why `arg` is refused when it starts with a Unicode dash, naming the code point and the option
 * meant (`'—json' starts with U+2014, not "-"; did you mean '--json'?`); undefined otherwise.
 * commander reads such an argument as an operand: `audit —json` was answered "required option
 * '--stack <env>' not specified", and with --stack given, "too many arguments".
 */
export function unicodeDashProblem(arg: string): string | undefined {
    if (!UNICODE_DASH.test(arg)) {
        return undefined;
    }
    const code = arg.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    const name = arg.replace(LEADING_DASHES, "");
    const meant = name.length === 1 ? `-${name}` : `--${name}`;
    return `'${arg}' starts with U+${code}, not "-"; did you mean '${meant}'?`;
}

/**
 * The refusal of the first argument before `--` that starts with a Unicode dash
 * (unicodeDashProblem), undefined when there is none or a help flag answers the line.
 */
export function unicodeDashArgument(argv: string[]): string | undefined {
    const options = optionArgs(argv);
    if (options.some((a) => HELP_FLAGS.includes(a))) {
        return undefined;
    }
    return options.map(unicodeDashProblem).find((p) => p !== undefined);
}

/**
 * The first name in `argv` (`help` aside, wherever help is asked that way) that is not a subcommand of
 * the command before it, with the message naming it (an empty argument as one), the subcommands
 * there are and commander's suggestion (`(Did you mean audit?)`, as for an unknown option). Options
 * are skipped: none of the commands with subcommands takes an option with a value. After `--`
 * with no option before it, every argument is a name (`-- --help`), given no suggestion when it
 * starts with "-": commander would offer options' names for it (`--hema`, from `schema`). A name
 * that starts with a Unicode dash is refused as such.
 */
export function unknownCommand(
    program: Command,
    argv: string[],
): { command: string; message: string } | undefined {
    const options = optionArgs(argv);
    // After an option, commander reads the rest as that option's (`--stack -- --help`: unknown).
    const operands = options.some((a) => a.startsWith("-")) ? [] : argv.slice(options.length + 1);
    const words = [...options, ...operands];
    let command = program;
    const path: string[] = [];
    // Where the arguments of `command` start: the options between its name and the next name.
    let from = 0;
    for (const [i, name] of words.entries()) {
        if (i < options.length && name.startsWith("-")) {
            continue;
        }
        if (command.commands.length === 0) {
            return undefined;
        }
        // After an option this command does not know, commander refuses that option first.
        if (options.slice(from, i).some((a) => a.startsWith("-") && !knows(command, a))) {
            return undefined;
        }
        if (name === "help") {
            continue;
        }
        const sub = command.commands.find((c) => c.name() === name);
        if (!sub) {
            const known = [...command.commands.map((c) => c.name()), "help"];
            const empty = name === "" ? " (an empty argument)" : "";
            return {
                command: path.length ? path.join(" ") : program.name(),
                message:
                    unicodeDashProblem(name) ??
                    `unknown command '${name}'${empty}; commands: ${known.join(", ")}` +
                        suggestion(command, name),
            };
        }
        path.push(name);
        command = sub;
        from = i + 1;
    }
    return undefined;
}

/** Whether `command` reads `arg` as its own option (a help flag, -V at the root). */
function knows(command: Command, arg: string): boolean {
    return (
        HELP_FLAGS.includes(arg) || command.options.some((o) => o.long === arg || o.short === arg)
    );
}

/** commander's `\n(Did you mean ...?)` for the name `name` under `command`, or "" (Command.unknownCommand). */
function suggestion(command: Command, name: string): string {
    if (name === "" || name.startsWith("-")) {
        return "";
    }
    // Not in commander's typings: it words the error for this.args[0].
    const internal = command as unknown as { args: string[]; unknownCommand(): never };
    const args = internal.args;
    internal.args = [name];
    try {
        internal.unknownCommand();
    } catch (err) {
        if (err instanceof CommanderError) {
            return /\n\(Did you mean [^\n]*\)$/.exec(err.message)?.[0] ?? "";
        }
        throw err;
    } finally {
        internal.args = args;
    }
    return "";
}
