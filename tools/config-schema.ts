// `capi-mgmt-ingress schema [--check]` (`npm run schema`): writes the stack config schema derived
// from the zod schema to stacks/config.schema.json, Pulumi.yaml's `config:` declarations, and the
// schema reference on the first line of every stack file. With --check it writes nothing and
// lists what is stale (content differs) or only unformatted.
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { isDeepStrictEqual } from "node:util";
import { isMap, isScalar, LineCounter, parse, parseDocument } from "yaml";
import { pulumiConfigDeclarations, stackFileSchema } from "../components/config/jsonschema";
import { ConfigError } from "../components/config/schema";
import { STACKS_DIR } from "../components/config/stackfile";
import { readConfigEntries, yamlSyntaxProblems } from "../components/config/stackyaml";

const ROOT = path.resolve(__dirname, "..");
export const SCHEMA_FILE = path.join(STACKS_DIR, "config.schema.json");
/** The yaml-language-server modeline (https://github.com/redhat-developer/yaml-language-server). */
export const SCHEMA_MODELINE = "# yaml-language-server: $schema=./config.schema.json";

export interface GeneratedFile {
    file: string;
    text: string;
}

/**
 * Every file this tool owns (or owns a part of), as it should read now. A stack file that is not
 * valid YAML (or not a stack file's shape) is a ConfigError naming its path, line, column and the
 * parser's code, as every tool reads it (components/config/stackyaml.ts): never prettier's
 * message, which quotes the file's lines, credentials included.
 */
export async function generatedFiles(): Promise<GeneratedFile[]> {
    const problems = stackFiles().flatMap((file) => {
        try {
            readConfigEntries(fs.readFileSync(file, "utf8"), path.relative(ROOT, file));
            return [];
        } catch (err) {
            if (err instanceof ConfigError) {
                return err.problems;
            }
            throw err;
        }
    });
    if (problems.length > 0) {
        throw new ConfigError(
            problems,
            `A stack file cannot be read; nothing was written:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
    const files: GeneratedFile[] = [
        { file: SCHEMA_FILE, text: JSON.stringify(stackFileSchema(), null, 2) },
        { file: path.join(ROOT, "Pulumi.yaml"), text: pulumiYaml() },
        ...stackFiles().map((file) => ({
            file,
            text: withModeline(fs.readFileSync(file, "utf8")),
        })),
    ];
    return Promise.all(files.map(async (f) => ({ file: f.file, text: await format(f) })));
}

/**
 * How a file compares with what it should read. `stale`: its content differs (its data, or its
 * comment lines: the schema reference, Pulumi.yaml's note); `unformatted`: the same content, and
 * `prettier --write` makes it what is generated (lint's prettier --check reports it);
 * `rearranged`: the same data and comment lines arranged otherwise (keys in another order, a
 * comment beside another key, a value quoted or in flow style), which prettier keeps: only
 * `npm run schema` restores it.
 */
export type FileState = "current" | "stale" | "unformatted" | "rearranged";

export async function fileState(
    file: string,
    current: string | undefined,
    generated: string,
): Promise<FileState> {
    if (current === generated) {
        return "current";
    }
    if (current === undefined) {
        return "stale";
    }
    let same: boolean;
    try {
        same =
            isDeepStrictEqual(readData(file, current), readData(file, generated)) &&
            isDeepStrictEqual(commentLines(current), commentLines(generated));
    } catch {
        // Not parseable: its content cannot be what is generated.
        return "stale";
    }
    if (!same) {
        return "stale";
    }
    return (await format({ file, text: current })) === generated ? "unformatted" : "rearranged";
}

/** The line `schema` prints for a file that is not current: its state and what makes it so. */
export function stateLine(
    file: string,
    state: Exclude<FileState, "current">,
    check: boolean,
): string {
    if (state === "unformatted") {
        return `unformatted ${file} (content current; npx prettier --write ${file})`;
    }
    if (!check) {
        return `wrote ${file}`;
    }
    return state === "rearranged"
        ? `rearranged ${file} (same content, arranged otherwise than generated; npm run schema rewrites it)`
        : `stale ${file} (npm run schema rewrites it)`;
}

function readData(file: string, text: string): unknown {
    return file.endsWith(".json") ? JSON.parse(text) : parse(text);
}

function commentLines(text: string): string[] {
    return text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.startsWith("#"));
}

/**
 * Writes the stale and reordered files (or, with `check`, only compares them); returns every file
 * that is not current, with its state. An unformatted file is left as it is: prettier fixes it.
 */
export async function updateSchemaFiles(
    check: boolean,
): Promise<{ file: string; state: Exclude<FileState, "current"> }[]> {
    const found: { file: string; state: Exclude<FileState, "current"> }[] = [];
    for (const { file, text } of await generatedFiles()) {
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        const state = await fileState(file, current, text);
        if (state === "current") {
            continue;
        }
        found.push({ file: path.relative(ROOT, file), state });
        if (!check && state !== "unformatted") {
            fs.writeFileSync(file, text);
        }
    }
    return found;
}

function stackFiles(): string[] {
    return fs
        .readdirSync(STACKS_DIR)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .sort()
        .map((f) => path.join(STACKS_DIR, f));
}

function withModeline(text: string): string {
    return text.startsWith(`${SCHEMA_MODELINE}\n`) ? text : `${SCHEMA_MODELINE}\n${text}`;
}

/** Pulumi.yaml with its `config:` section replaced by the declarations; the rest kept as is. */
function pulumiYaml(): string {
    const file = path.join(ROOT, "Pulumi.yaml");
    const lines = new LineCounter();
    const text = fs.readFileSync(file, "utf8");
    const doc = parseDocument(text, { lineCounter: lines });
    const problems = yamlSyntaxProblems(doc, lines, path.relative(ROOT, file), text);
    if (problems.length > 0) {
        throw new ConfigError(
            problems,
            `Pulumi.yaml cannot be read; nothing was written:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
    const { typed, untyped } = pulumiConfigDeclarations();
    doc.set("config", doc.createNode(typed));
    const pair = isMap(doc.contents)
        ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "config")
        : undefined;
    if (pair && isScalar(pair.key)) {
        pair.key.commentBefore = [
            " Generated by `npm run schema` from components/config/schema.ts: the keys Pulumi's",
            " project config can type (string, integer, boolean, arrays of those), with their",
            " defaults. Not declared: objects, arrays of objects, and optional keys without a",
            " default (Pulumi would require them in every stack):",
            ` ${untyped.join(", ")}.`,
            " stacks/config.schema.json describes every key, for editors.",
        ].join("\n");
    }
    return doc.toString({ lineWidth: 98 });
}

async function format({ file, text }: GeneratedFile): Promise<string> {
    const options = await prettier.resolveConfig(file);
    return prettier.format(text, { ...options, filepath: file });
}
