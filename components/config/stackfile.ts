// Reads a stack's config from stacks/Pulumi.<env>.yaml for the tools that run without the engine
// (audit, review, verify, rehearse). The program itself reads the same keys through pulumi.Config.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError, parseStackConfig, StackConfig, stackConfigProblems } from "./schema";
import { NAMESPACE } from "./fields";
import { stackNameProblem } from "./stackname";
import { checkEnvFromEnvironment, isCheckEnv, secureLeaves } from "../verify/check-env";
import { exampleFor, formatExample, formatPath } from "./examples";
import { ConfigEntry, readConfigEntries } from "./stackyaml";
import { foreignKeyProblem } from "./foreign";
import {
    CREDENTIAL_NAME,
    plainCredentialEnv,
    plainCredentialKeyProblem,
    plainCredentialProblem,
    programValue,
} from "./values";

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

/** The stacks of the working tree: the names of stacks/Pulumi.<name>.yaml, sorted. */
export function stackNames(): string[] {
    return fs
        .readdirSync(STACKS_DIR)
        .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? [])
        .sort();
}

/**
 * How the secret values of verify.custom[].env are read: from the environment variable of the
 * same name (the tools that run checks), or as SECRET_NOT_SHOWN (the review, which never runs a
 * check and so needs no value).
 */
export type CheckSecrets = "environment" | "masked";

/** What a secret check env value reads as when masked. */
export const SECRET_NOT_SHOWN = "(secret, not shown)";

/** The raw values of this project's keys (namespace removed); other namespaces are not read. */
export function readStackFile(
    stack: string,
    checkSecrets: CheckSecrets = "environment",
): Record<string, unknown> {
    const file = stackFilePath(stack);
    if (!fs.existsSync(file)) {
        throw fileError(
            `no stack "${stack}": ${file} does not exist (stacks: ${stackNames().join(", ")})`,
        );
    }
    if (!fs.statSync(file).isFile()) {
        throw fileError(`stack "${stack}": ${file} is not a file; expected a stack file (YAML)`);
    }
    return parseStackFileText(fs.readFileSync(file, "utf8"), file, checkSecrets);
}

/**
 * The same from a stack file's text (`file` names it in errors, e.g. `<ref>:stacks/...`). A file
 * that is not a readable stack file (not valid YAML, a `config` that is not a mapping, ...) is a
 * ConfigError naming the file, line and column (components/config/stackyaml.ts), never the text.
 * A `{ secure: ... }` value at any depth (Pulumi reads one at any depth of a structured value:
 * isSecureValue in pulumi/pulumi sdk/go/common/resource/config/object.go) is refused naming its
 * key path, except where this project takes secrets: the values of verify.custom[].env. In
 * another namespace, a secret at any depth and a provider credential in plain text are refused
 * (components/config/foreign.ts); its other keys are ignored.
 */
export function parseStackFileText(
    text: string,
    file: string,
    checkSecrets: CheckSecrets = "environment",
): Record<string, unknown> {
    const all = readConfigEntries(text, file);
    const foreign = all.flatMap((entry) => {
        const leaves = entry.key.includes(":") ? secureLeaves(entry.value) : [];
        const found = leaves.length > 0 ? leaves : [undefined];
        return found.flatMap(
            (leaf) =>
                foreignKeyProblem(
                    entry.key,
                    leaf !== undefined,
                    leaf === undefined ? entry.at : entry.atPath(leaf),
                ) ?? [],
        );
    });
    const entries = all.flatMap((entry) => {
        const [namespace, name] = entry.key.includes(":")
            ? entry.key.split(":", 2)
            : [NAMESPACE, entry.key];
        return namespace === NAMESPACE ? [{ ...entry, name }] : [];
    });
    // Each value as the program receives it (components/config/values.ts): `"16"` is 16.
    const raw: Record<string, unknown> = Object.fromEntries(
        entries.map((e) => [e.name, programValue(e.name, e.value)]),
    );
    const own = entries.flatMap((entry) =>
        entry.name === "" || entry.name === NAMESPACE
            ? [
                  `${entry.at}: ${entry.key} is the namespace without a key name; a key under ` +
                      `config is ${NAMESPACE}:<key> (for example ${NAMESPACE}:cloud: mycloud)`,
              ]
            : [
                  ...(CREDENTIAL_NAME.test(entry.name) && secureLeaves(entry.value).length === 0
                      ? [plainCredentialKeyProblem(entry.key, entry.at)]
                      : []),
                  ...secretProblems(entry, entry.name, raw),
                  ...(entry.name === "verify"
                      ? plainCredentialEnv(raw.verify, secureLeaves(entry.value)).map((leaf) =>
                            plainCredentialProblem(leaf, entry.atPath(leaf)),
                        )
                      : []),
              ],
    );
    const problems = [...foreign, ...own];
    // Secret check env values come from the environment: only pulumi can decrypt them.
    const verify = entries.find((e) => e.name === "verify");
    let unreadableEnv: string | undefined;
    if (verify !== undefined) {
        const readable = checkSecrets === "environment" && onlyCheckEnvSecrets(verify);
        try {
            raw.verify = readable ? checkEnv(raw.verify, verify) : maskCheckEnv(raw.verify);
        } catch (err) {
            unreadableEnv = (err as ConfigError).problems[0];
            raw.verify = maskCheckEnv(raw.verify);
        }
    }
    if (problems.length === 0 && unreadableEnv === undefined) {
        return raw;
    }
    // Every problem in one run: the schema's too, but for the values refused above (a key named
    // like a credential is refused as one, not again as unknown).
    const named = Object.fromEntries(
        Object.entries(raw).filter(
            ([key]) => key !== "" && key !== NAMESPACE && !CREDENTIAL_NAME.test(key),
        ),
    );
    const schema = stackConfigProblems(named, refusedPaths(entries));
    if (problems.length === 0 && schema.length === 0) {
        throw fileError(unreadableEnv!);
    }
    throw new ConfigError([...problems, ...(unreadableEnv ? [unreadableEnv] : []), ...schema]);
}

/** Whether every `{ secure: ... }` leaf of the verify entry is a check env value. */
function onlyCheckEnvSecrets(verify: ConfigEntry): boolean {
    return secureLeaves(verify.value).every(isCheckEnv);
}

/** The key paths of `{ secure: ... }` leaves the stack file's checks refuse (a secret where none is taken). */
function refusedPaths(entries: (ConfigEntry & { name: string })[]): (string | number)[][] {
    return entries.flatMap((entry) =>
        secureLeaves(entry.value)
            .filter((leaf) => !(entry.name === "verify" && isCheckEnv(leaf)))
            .map((leaf) => [entry.name, ...leaf]),
    );
}

/** One problem per `{ secure: ... }` leaf where the key takes no secret; never the ciphertext. */
function secretProblems(entry: ConfigEntry, name: string, raw: Record<string, unknown>): string[] {
    return secureLeaves(entry.value)
        .filter((leaf) => !(name === "verify" && isCheckEnv(leaf)))
        .map((leaf) => {
            const path = [name, ...leaf];
            const example = exampleFor(path, raw);
            // A key no schema key is, named like a credential: remove it, never set it in plain.
            const fix = CREDENTIAL_NAME.test(name)
                ? `no key of ${NAMESPACE} takes a credential: remove it; `
                : "expected a plain value, set without --secret: ";
            return (
                `${NAMESPACE}:${formatPath(path)} is a secret at ${entry.atPath(leaf)}; ` +
                `${fix}this ` +
                "project takes secrets from stack config only as the values of " +
                "verify.custom[].env (credentials come from clouds.yaml or OS_* variables)" +
                (example ? ` (for example ${formatExample(example)})` : "")
            );
        });
}

/**
 * Where the node at `path` inside a key's value is in a stack file (file:line:col), for the
 * program's refusals; `<file>, key <fullKey>` when the file cannot be read.
 */
export function stackFileLocation(
    file: string,
    fullKey: string,
    path: (string | number)[],
): string {
    let entries: ConfigEntry[] = [];
    try {
        entries = readConfigEntries(fs.readFileSync(file, "utf8"), file);
    } catch {
        // Unreadable: the key names the place.
    }
    return entries.find((e) => e.key === fullKey)?.atPath(path) ?? `${file}, key ${fullKey}`;
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

export function loadStackConfig(
    stack: string,
    checkSecrets: CheckSecrets = "environment",
): StackConfig {
    return parseStackConfig(readStackFile(stack, checkSecrets));
}

/** verify with each secret check env value replaced by SECRET_NOT_SHOWN (others are refused). */
function maskCheckEnv(verify: unknown): unknown {
    const leaves = secureLeaves(verify).filter(isCheckEnv);
    if (leaves.length === 0) {
        return verify;
    }
    const copy = structuredClone(verify) as {
        custom: { env: Record<string, unknown> }[];
    };
    for (const leaf of leaves) {
        copy.custom[leaf[1] as number].env[leaf[3] as string] = SECRET_NOT_SHOWN;
    }
    return copy;
}

/** Check env values from the environment; a secret it cannot read is a config problem. */
function checkEnv(verify: unknown, entry: ConfigEntry): unknown {
    try {
        return checkEnvFromEnvironment(verify, process.env, entry.atPath);
    } catch (err) {
        throw fileError(err instanceof Error ? err.message : String(err));
    }
}

/** A stack file that cannot be used: one problem, and it is the message. */
function fileError(problem: string): ConfigError {
    return new ConfigError([problem], problem);
}
