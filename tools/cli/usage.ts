// Usage errors of the command line: worded like every other error of the tool, and the names in
// the arguments that are no subcommand. Loads nothing but commander.
import { parseArgs } from "node:util";
import { Command, CommanderError } from "commander";
import { errorDocument, EXIT, UsageError } from "./output";
import type { Io } from "./main";

/**
 * Makes every option of `command` and its subcommands that takes one value refuse a second
 * occurrence (`--stack a --stack b`): commander keeps the last one silently, and an operator's
 * command must not run on a value chosen by argument order. commander calls an option's parser
 * with `(value, previous)` on each occurrence (Command.addOption in commander's lib/command.js);
 * the value's source tells an earlier occurrence from a default. Parsing stops there, before any
 * tool loads: a usage error naming the option and both values.
 */
export function refuseRepeatedOptions(command: Command): void {
    for (const option of command.options) {
        if (option.isBoolean() || option.variadic) {
            continue;
        }
        const parse = option.parseArg;
        option.parseArg = <T>(value: string, previous: T): T => {
            if (command.getOptionValueSource(option.attributeName()) === "cli") {
                throw new CommanderError(
                    EXIT.couldNotRun,
                    "capi-mgmt-ingress.repeatedOption",
                    `option '${option.flags}' given twice, '${String(previous)}' and '${value}'; ` +
                        "it takes one value: give it once",
                );
            }
            return parse ? parse(value, previous) : (value as T);
        };
    }
    command.commands.forEach(refuseRepeatedOptions);
}

/**
 * The same refusal for the helper scripts that read their arguments with node:util's parseArgs
 * (`policy:config`, `changed-stacks`, `review:cut`), which keeps the last of a repeated string
 * option: the message naming the first such option given twice and both values, if one is.
 */
export function repeatedArgument(
    options: Record<string, { type: "string" | "boolean"; short?: string }>,
    args: string[],
): string | undefined {
    const { tokens } = parseArgs({ options, args, tokens: true, strict: false });
    const seen = new Map<string, string>();
    for (const token of tokens) {
        if (token.kind !== "option" || options[token.name]?.type !== "string") {
            continue;
        }
        const value = token.value ?? "";
        const first = seen.get(token.name);
        if (first !== undefined) {
            return (
                `option '--${token.name}' given twice, '${first}' and '${value}'; it takes one ` +
                "value: give it once"
            );
        }
        seen.set(token.name, value);
    }
    return undefined;
}

/** Worded like every other error of the tool: `<subcommand>: <message>`, or the document. */
export function reportUsageError(
    program: Command,
    command: string,
    message: string,
    json: boolean,
    io: Io,
): void {
    if (json) {
        io.stdout(`${JSON.stringify(errorDocument(command, new UsageError(message)))}\n`);
    } else {
        io.stderr(
            `${command}: ${message}\n(run "capi-mgmt-ingress ${command === program.name() ? "" : `${command} `}--help" for usage)\n`,
        );
    }
}

/**
 * The first name in `argv` (after `help`, if help is asked that way) that is not a subcommand of
 * the command before it, with the message naming it and the subcommands there are. Options are
 * skipped: none of the commands with subcommands takes an option with a value.
 */
export function unknownCommand(
    program: Command,
    argv: string[],
): { command: string; message: string } | undefined {
    const names = argv.filter((a) => !a.startsWith("-"));
    let command = program;
    const path: string[] = [];
    for (const [i, name] of names.entries()) {
        if (command.commands.length === 0) {
            return undefined;
        }
        if (i === 0 && name === "help") {
            continue;
        }
        const sub = command.commands.find((c) => c.name() === name);
        if (!sub) {
            const known = [...command.commands.map((c) => c.name()), "help"];
            return {
                command: path.length ? path.join(" ") : program.name(),
                message: `unknown command '${name}'; commands: ${known.join(", ")}`,
            };
        }
        path.push(name);
        command = sub;
    }
    return undefined;
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
