// Reads a stack's config from stacks/Pulumi.<env>.yaml for the tools that run without the engine
// (audit, review, verify, rehearse). The program itself reads the same keys through pulumi.Config.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, parseDocument } from "yaml";
import { ConfigError, NAMESPACE, parseStackConfig, StackConfig } from "./schema";
import { stackNameProblem } from "./stackname";
import { checkEnvFromEnvironment } from "../verify/check-env";

export const STACKS_DIR = path.resolve(__dirname, "..", "..", "stacks");

/**
 * A stack name (stacks/Pulumi.<name>.yaml), or a path to a stack file (ending in .yaml). Throws
 * ConfigError for anything else: a name with `/` would make the stack file another path.
 */
export function stackFilePath(stack: string): string {
    const problem = stackNameProblem(stack);
    if (problem !== undefined) {
        throw fileError(problem);
    }
    return stack.endsWith(".yaml")
        ? path.resolve(stack)
        : path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
}

/** The raw values of this project's keys (namespace removed); other namespaces are ignored. */
export function readStackFile(stack: string): Record<string, unknown> {
    const file = stackFilePath(stack);
    if (!fs.existsSync(file)) {
        const known = fs
            .readdirSync(STACKS_DIR)
            .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        throw fileError(
            `no stack "${stack}": ${file} does not exist (stacks: ${known.join(", ")})`,
        );
    }
    if (!fs.statSync(file).isFile()) {
        throw fileError(`stack "${stack}": ${file} is not a file; expected a stack file (YAML)`);
    }
    return parseStackFileText(fs.readFileSync(file, "utf8"), file);
}

/**
 * The same from a stack file's text (`file` names it in errors, e.g. `<ref>:stacks/...`). A file
 * that is not valid YAML (a duplicate key, a tab, ...) is a ConfigError naming the file, line,
 * column and the parser's code, never the text: the line may hold a value that is a secret.
 */
export function parseStackFileText(text: string, file: string): Record<string, unknown> {
    const doc = readYaml(text, file) as { config?: Record<string, unknown> } | null;
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc?.config ?? {})) {
        const [namespace, name] = key.includes(":") ? key.split(":", 2) : [NAMESPACE, key];
        if (namespace !== NAMESPACE) {
            continue;
        }
        if (isSecure(value)) {
            throw fileError(
                `${key} is a secret in ${file}; this project takes no secrets from stack config ` +
                    `(credentials come from clouds.yaml or OS_* variables)`,
            );
        }
        // Secret check env values come from the environment: only pulumi can decrypt them.
        raw[name] = name === "verify" ? checkEnv(value, file) : value;
    }
    return raw;
}

/** A key's value as the stack file writes it (`{ secure: ... }` leaves included), if readable. */
export function stackFileValue(file: string, fullKey: string): unknown {
    try {
        const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
        return doc?.config?.[fullKey];
    } catch {
        return undefined;
    }
}

export function loadStackConfig(stack: string): StackConfig {
    return parseStackConfig(readStackFile(stack));
}

function readYaml(text: string, file: string): unknown {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length > 0) {
        const problems = doc.errors.map((e) => {
            const pos = e.linePos?.[0];
            const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
            return `${where}: not valid YAML: ${e.code.toLowerCase().replace(/_/g, " ")} (${e.code})`;
        });
        throw new ConfigError(problems, problems.join("\n"));
    }
    try {
        return doc.toJS();
    } catch {
        // The library's message quotes the alias: the text of a value.
        throw fileError(
            `${file}: not valid YAML: a value starting with * is read as an alias to an anchor ` +
                "that does not exist; quote values that start with * or &",
        );
    }
}

/** Check env values from the environment; a secret it cannot read is a config problem. */
function checkEnv(verify: unknown, file: string): unknown {
    try {
        return checkEnvFromEnvironment(verify, process.env, file);
    } catch (err) {
        throw fileError(err instanceof Error ? err.message : String(err));
    }
}

/** A stack file that cannot be used: one problem, and it is the message. */
function fileError(problem: string): ConfigError {
    return new ConfigError([problem], problem);
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}
