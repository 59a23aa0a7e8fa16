// Reads a stack's config from stacks/Pulumi.<env>.yaml for the tools that run without the engine
// (audit, review, verify, rehearse). The program itself reads the same keys through pulumi.Config.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { NAMESPACE, parseStackConfig, StackConfig } from "./schema";
import { checkEnvFromEnvironment } from "../verify/check-env";

export const STACKS_DIR = path.resolve(__dirname, "..", "..", "stacks");

/** A stack name (stacks/Pulumi.<name>.yaml), or a path to a stack file. */
export function stackFilePath(stack: string): string {
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
        throw new Error(
            `no stack "${stack}": ${file} does not exist (stacks: ${known.join(", ")})`,
        );
    }
    return parseStackFileText(fs.readFileSync(file, "utf8"), file);
}

/** The same from a stack file's text (`file` names it in errors, e.g. `<ref>:stacks/...`). */
export function parseStackFileText(text: string, file: string): Record<string, unknown> {
    const doc = parse(text) as { config?: Record<string, unknown> } | null;
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc?.config ?? {})) {
        const [namespace, name] = key.includes(":") ? key.split(":", 2) : [NAMESPACE, key];
        if (namespace !== NAMESPACE) {
            continue;
        }
        if (isSecure(value)) {
            throw new Error(
                `${key} is a secret in ${file}; this project takes no secrets from stack config ` +
                    `(credentials come from clouds.yaml or OS_* variables)`,
            );
        }
        // Secret check env values come from the environment: only pulumi can decrypt them.
        raw[name] = name === "verify" ? checkEnvFromEnvironment(value, process.env, file) : value;
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

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}
