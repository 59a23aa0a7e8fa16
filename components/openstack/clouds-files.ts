// Finding and parsing clouds.yaml and secure.yaml the way openstacksdk's config loader does
// (openstack/config/loader.py: CONFIG_SEARCH_PATH, _load_yaml_json_file, _util.merge_clouds).
// A parse error names the file, line and column and never the text: a password may be on it.
//
// Free functions only, with their modules required inside: dynamic providers capture this file.
import { formatKeyPath, misindentedLine, repeatedKeyOf, taggedValues } from "../yaml-keys";
import { configError } from "./config-error";

/** What the files hold for every cloud, secure.yaml merged in. */
export interface CloudsFiles {
    /** The clouds.yaml (or .yml, .json) read, if any. */
    configFile?: string;
    /** The secure.yaml (or .yml, .json) merged in, if any. */
    secureFile?: string;
    clouds: Record<string, unknown>;
}

/**
 * The directories openstacksdk searches, in order: the working directory, appdirs' user config
 * directory ($XDG_CONFIG_HOME/openstack, else ~/.config/openstack), ~/.config/openstack, appdirs'
 * site config directory ($XDG_CONFIG_DIRS, else /etc/xdg, each + /openstack, joined by ":" as
 * appdirs' multipath does), then /etc/openstack.
 */
export function searchDirectories(env: NodeJS.ProcessEnv, cwd: string): string[] {
    const path = require("node:path") as typeof import("node:path");
    const os = require("node:os") as typeof import("node:os");
    const home = env.HOME || os.homedir();
    const expand = (p: string): string => (p.startsWith("~") ? home + p.slice(1) : p);
    // appdirs takes $XDG_CONFIG_HOME as it is, even empty (then relative to the cwd).
    const userConfig =
        env.XDG_CONFIG_HOME !== undefined
            ? path.join(env.XDG_CONFIG_HOME, "openstack")
            : path.join(home, ".config", "openstack");
    const unixConfig = path.join(env.SNAP_REAL_HOME || home, ".config", "openstack");
    const site = (env.XDG_CONFIG_DIRS || "/etc/xdg")
        .split(path.delimiter)
        .map((d) => path.join(expand(d.replace(/\/+$/, "")), "openstack"))
        .join(path.delimiter);
    return [cwd, userConfig, unixConfig, site, "/etc/openstack"].map((d) => path.resolve(cwd, d));
}

/** Candidate files for `base` ("clouds" or "secure"): an override first, then the search path. */
export function candidateFiles(
    base: "clouds" | "secure",
    env: NodeJS.ProcessEnv,
    cwd: string,
): string[] {
    const path = require("node:path") as typeof import("node:path");
    const override = base === "clouds" ? env.OS_CLIENT_CONFIG_FILE : env.OS_CLIENT_SECURE_FILE;
    const files = searchDirectories(env, cwd).flatMap((dir) =>
        [".yaml", ".yml", ".json"].map((suffix) => path.join(dir, base + suffix)),
    );
    return override ? [path.resolve(cwd, override), ...files] : files;
}

/** Reads the first clouds file and the first secure file found and merges them per cloud. */
export function readCloudsFiles(env: NodeJS.ProcessEnv, cwd: string): CloudsFiles {
    const fs = require("node:fs") as typeof import("node:fs");
    const path = require("node:path") as typeof import("node:path");
    for (const [variable, expected] of [
        ["OS_CLIENT_CONFIG_FILE", "a clouds.yaml"],
        ["OS_CLIENT_SECURE_FILE", "a secure.yaml"],
    ]) {
        const override = env[variable];
        if (override && !fs.existsSync(path.resolve(cwd, override))) {
            // openstacksdk skips it and reads the next file found, or none (_load_yaml_json_file):
            // the file meant is not the file read; for secure.yaml, the secrets meant are not sent.
            throw configError(
                `${variable} names ${override}, which does not exist; expected ${expected} there`,
            );
        }
    }
    const first = (files: string[]) => files.find((f) => fs.existsSync(f));
    const configFile = first(candidateFiles("clouds", env, cwd));
    const secureFile = first(candidateFiles("secure", env, cwd));
    const config = configFile ? parseCloudsFile(configFile) : {};
    const secure = secureFile ? parseCloudsFile(secureFile, "secure") : {};
    const merged = mergeClouds(config, secure);
    const clouds = merged.clouds ?? {};
    if (!isRecord(clouds)) {
        throw configError(`${configFile}: "clouds" is not a mapping; expected clouds.<name>.auth`);
    }
    return { configFile, secureFile: secure.clouds ? secureFile : undefined, clouds };
}

/**
 * Parses a clouds or secure file: JSON for `.json`, else YAML 1.1 as PyYAML reads it (so `yes`
 * is a boolean). Duplicate keys are refused, in JSON too (PyYAML and Python's json keep the last
 * one silently). Errors give file, line, column and the parser's code; a duplicate key also its
 * key path, never a value. `kind` says which file it is meant to be, for what is expected.
 */
export function parseCloudsFile(
    file: string,
    kind: "clouds" | "secure" = "clouds",
): Record<string, unknown> {
    const fs = require("node:fs") as typeof import("node:fs");
    const YAML = require("yaml") as typeof import("yaml");
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw configError(`${file} cannot be read (${(err as NodeJS.ErrnoException).code})`);
    }
    let data: unknown;
    if (file.endsWith(".json")) {
        data = parseJsonFile(file, text);
    } else {
        const lines = new YAML.LineCounter();
        // No prettyErrors: its messages quote the line. logLevel error: toJS's warning on a
        // mapping used as a key quotes that key on stderr.
        const doc = YAML.parseDocument(text, {
            logLevel: "error",
            version: "1.1",
            uniqueKeys: true,
            prettyErrors: false,
            lineCounter: lines,
        });
        const problem = doc.errors[0] ?? doc.warnings[0];
        if (problem) {
            throw configError(yamlProblem(file, kind, doc, problem, lines, text));
        }
        try {
            data = doc.toJS();
        } catch {
            // The library's message quotes the alias's name: the text of a value, maybe a password
            // written unquoted after "*". Say what is wrong and where, never what was written.
            let at = "";
            YAML.visit(doc, {
                Alias: (_key, alias) => {
                    if (alias.resolve(doc) !== undefined) {
                        return undefined;
                    }
                    const { line, col } = lines.linePos(alias.range?.[0] ?? 0);
                    at = ` at line ${line}, column ${col}`;
                    return YAML.visit.BREAK;
                },
            });
            throw configError(
                `${file}: not valid YAML${at}: a value starting with * is read as an alias to an ` +
                    `anchor that does not exist; quote values that start with * or &`,
            );
        }
        // Bytes, a set...: no value of clouds.yaml (a password read as a mapping, auth as keys 0, 1).
        const tagged = taggedValues(doc.contents, doc)[0];
        if (tagged !== undefined) {
            const { line, col } = lines.linePos(tagged.offset);
            throw configError(
                `${file}: not valid at line ${line}, column ${col}: ` +
                    `${formatKeyPath(tagged.path)} ${tagged.refusal}`,
            );
        }
    }
    if (data === null || data === undefined) {
        return {};
    }
    if (!isRecord(data)) {
        throw configError(`${file}: the top level is not a mapping; expected "clouds:"`);
    }
    return data;
}

/**
 * A clouds or secure file in JSON, as openstacksdk reads it (json.load), but with duplicate keys
 * refused by key path: JSON.parse (like Python's json) keeps the last. The yaml package reads
 * JSON as YAML 1.2 and reports a repeated key with its place; JSON.parse stays the judge of what
 * is valid JSON. Errors give file, line and column, never the text.
 */
function parseJsonFile(file: string, text: string): unknown {
    const YAML = require("yaml") as typeof import("yaml");
    let data: unknown;
    const lineAndColumn = (offset: number): string => {
        const before = text.slice(0, offset).split("\n");
        return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
    };
    try {
        data = JSON.parse(text);
    } catch (err) {
        // JSON.parse quotes the text around the error: keep only the position.
        const at = /position (\d+)/.exec((err as Error).message);
        throw configError(
            `${file}: not valid JSON at ${lineAndColumn(at ? Number(at[1]) : text.length)}`,
        );
    }
    const doc = YAML.parseDocument(text, {
        version: "1.2",
        schema: "json",
        uniqueKeys: true,
        prettyErrors: false,
    });
    for (const error of doc.errors) {
        const dup = repeatedKeyOf(doc, error);
        if (dup !== undefined) {
            throw configError(
                `${file}: duplicate key ${formatKeyPath(dup.path)} at ${lineAndColumn(dup.offset)}; ` +
                    "a key may appear once in its object: keep one (openstacksdk's loader, " +
                    "through Python's json, would use the last value silently; refused here, " +
                    "failing closed: which value is meant is not clear)",
            );
        }
    }
    return data;
}

/**
 * A clouds or secure file's YAML error: file, line, column and the parser's code. A duplicate key
 * is named by its key path at its own place (yaml-keys.ts; the parser reports the end of the line
 * before after an empty value). Other errors name no key: on a broken line a value may read as one.
 */
function yamlProblem(
    file: string,
    kind: "clouds" | "secure",
    doc: import("yaml").Document,
    problem: import("yaml").YAMLError,
    lines: import("yaml").LineCounter,
    text: string,
): string {
    const indent = misindentedLine(text, problem, lines);
    if (indent) {
        return `${file}: not valid YAML at line ${indent.line}, column ${indent.col}: ${indent.message}`;
    }
    const dup = repeatedKeyOf(doc, problem);
    const { line, col } = lines.linePos(dup?.offset ?? problem.pos[0]);
    const at = `${file}: not valid YAML at line ${line}, column ${col} (${problem.code})`;
    if (dup === undefined && problem.code === "BLOCK_AS_IMPLICIT_KEY") {
        // `password: a: b` on one line (a misindented line was taken above): by place, not text.
        return `${at}: a value holding \`: \` reads as a mapping inside a key's value: quote the value`;
    }
    if (dup === undefined) {
        // secure.yaml holds only what is merged into clouds.yaml's entries, so say so.
        const expected =
            kind === "clouds"
                ? "a clouds.yaml"
                : "a secure.yaml (clouds.<name> with the secrets merged into clouds.yaml's entries)";
        return `${at}; expected ${expected}`;
    }
    return (
        `${at}: duplicate key ${formatKeyPath(dup.path)}; a key may appear once in its mapping: ` +
        "keep one (openstacksdk's loader, through PyYAML, would use the last value silently; " +
        "refused here, failing closed: which value is meant is not clear)"
    );
}

/** openstacksdk's _util.merge_clouds: nested mappings merge, anything else is replaced. */
export function mergeClouds(
    base: Record<string, unknown>,
    over: Record<string, unknown>,
): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) {
        out[key] =
            isRecord(value) && isRecord(out[key])
                ? mergeClouds(out[key] as Record<string, unknown>, value)
                : isRecord(value)
                  ? { ...value }
                  : value;
    }
    return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
