// The YAML of a stack file, down to its `config:` mapping. Every problem names the file, line and
// column, and what is there only by its kind (a list, a string): never the text, since a line may
// hold a value that is a secret.
import {
    Alias,
    Document,
    isAlias,
    isMap,
    isNode,
    isPair,
    isScalar,
    isSeq,
    LineCounter,
    Node,
    parseDocument,
    visit,
    YAMLError,
} from "yaml";
import { ConfigError } from "./schema";
import {
    formatKeyPath,
    KeyPath,
    keyPathWhere,
    misindentedLine,
    repeatedKeyOf,
    taggedValues,
} from "../yaml-keys";
import { NAMESPACE } from "./fields";

/** The yaml package's default limit on alias expansions (toJS `maxAliasCount`). */
const MAX_ALIAS_COUNT = 100;

const CONFIG_EXAMPLE =
    `config: { ${NAMESPACE}:securityGroup: { name: capi-mgmt-sg }, ... }; ` +
    "stacks/Pulumi.example.yaml shows every key";

/**
 * The top-level keys of a Pulumi.<stack>.yaml: the yaml tags of ProjectStack in pulumi/pulumi
 * sdk/go/common/workspace/project.go. Pulumi ignores any other (LoadProjectStackBytes unmarshals
 * without strict fields), so `confg:` would leave every setting "required" with no word on why.
 */
export const STACK_FILE_KEYS = [
    "config",
    "environment",
    "mainEnvironment",
    "secretsprovider",
    "encryptedkey",
    "encryptionsalt",
];

/** One key under `config:`: its name as written, its value, and where its key is (file:line:col). */
export interface ConfigEntry {
    key: string;
    value: unknown;
    at: string;
    /** Where the node at `path` inside the value is (file:line:col); the key's place if none. */
    atPath: (path: (string | number)[]) => string;
}

/**
 * The keys under `config:` of a stack file's text, in order. Throws ConfigError (one problem per
 * finding, each with file:line:col) for text that is not valid YAML (a duplicate key names its
 * key path), an alias that cannot be resolved, loops or expands too far, a document that is empty
 * or not a mapping, and a `config` that is not a mapping. A file without `config` has no keys.
 */
export function readConfigEntries(text: string, file: string): ConfigEntry[] {
    const lines = new LineCounter();
    // logLevel error: toJS's warning on a mapping used as a key quotes that key on stderr.
    const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines, logLevel: "error" });
    const where = (offset: number) => {
        const { line, col } = lines.linePos(offset);
        return `${file}:${line}:${col}`;
    };
    const syntax = yamlSyntaxProblems(doc, lines, file, text);
    const unreadable = syntax.length > 0 ? syntax : aliasProblems(doc, where);
    if (unreadable.length > 0) {
        throw new ConfigError(unreadable);
    }
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === null)) {
        throw refusal(
            `${file}: the stack file is empty; expected a mapping with config: holding this ` +
                `project's keys (for example ${CONFIG_EXAMPLE})`,
        );
    }
    if (!isMap(root)) {
        throw refusal(
            `${where(start(root))}: the stack file is ${kind(root)}; expected a mapping with ` +
                `config: holding this project's keys (for example ${CONFIG_EXAMPLE})`,
        );
    }
    // Unknown keys are refused when there is no config: or they are a known key misspelt; others
    // (a holder of YAML anchors, `x-shared: &cfg`) are ignored, as Pulumi ignores them.
    const hasConfig = root.items.some((p) => isScalar(p.key) && p.key.value === "config");
    const unknown = root.items.flatMap((p) => {
        const key = isScalar(p.key) ? String(p.key.value) : String(p.key);
        const near = closest(key);
        return STACK_FILE_KEYS.includes(key) || (hasConfig && near.distance > 2)
            ? []
            : [
                  `${where(start(p.key as Node))}: unknown top-level key ${formatKeyPath([key])} (the closest ` +
                      `known key is ${near.key}); a stack file's top-level keys are ` +
                      `${STACK_FILE_KEYS.join(", ")}, and this project's settings go under config:`,
              ];
    });
    if (unknown.length > 0) {
        throw new ConfigError(unknown);
    }
    const pair = root.items.find((p) => isScalar(p.key) && p.key.value === "config");
    if (pair === undefined) {
        return [];
    }
    // `config: *anchor` reads the anchored mapping (aliases are resolved above).
    const config = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
    if (!isMap(config)) {
        const found = isNode(config) ? kind(config) : "empty (no value)";
        const empty = !isNode(config) || (isScalar(config) && config.value === null);
        throw refusal(
            `${where(start(empty ? (pair.key as Node) : (config as Node)))}: config is ` +
                `${found}; it must be a mapping of keys (${NAMESPACE}:<key>: <value>), for ` +
                `example ${CONFIG_EXAMPLE}`,
        );
    }
    // Bytes, a date, a set fit no key; read on, a string key would get a Buffer's JSON, a set `{}`.
    const ours = (key: unknown) =>
        !String(key).includes(":") || String(key).startsWith(`${NAMESPACE}:`);
    const tagged = taggedValues(config, doc).filter((t) => ours(t.path[0]));
    if (tagged.length > 0) {
        throw new ConfigError(
            tagged.map((t) => `${where(t.offset)}: ${formatKeyPath(t.path)} ${t.refusal}`),
        );
    }
    const values = (doc.toJS() as { config: Record<string, unknown> }).config;
    return config.items.map((p) => {
        const key = isScalar(p.key) ? String(p.key.value) : String(p.key);
        const at = where(start(p.key as Node));
        const atPath = (path: (string | number)[]) => {
            const node = path.length === 0 ? p.value : config.getIn([p.key, ...path], true);
            return isNode(node) ? where(start(node)) : at;
        };
        return { key, value: values[key], at, atPath };
    });
}

/** The known top-level key nearest to `key` by edit distance (case ignored); ties: the first. */
function closest(key: string): { key: string; distance: number } {
    const distance = (a: string, b: string): number => {
        let row = Array.from({ length: b.length + 1 }, (_, j) => j);
        for (let i = 1; i <= a.length; i++) {
            const next = [i];
            for (let j = 1; j <= b.length; j++) {
                const same = a[i - 1] === b[j - 1] ? 0 : 1;
                next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + same));
            }
            row = next;
        }
        return row[b.length];
    };
    const lower = key.toLowerCase();
    return STACK_FILE_KEYS.map((k) => ({
        key: k,
        distance: distance(lower, k.toLowerCase()),
    })).reduce((best, k) => (k.distance < best.distance ? k : best));
}

/** A stack file that cannot be used: one problem; nothing is declared. */
function refusal(problem: string): ConfigError {
    return new ConfigError([problem]);
}

function start(node: Node): number {
    return node.range?.[0] ?? 0;
}

/** What a node is, by kind only. */
function kind(node: Node): string {
    if (isSeq(node)) {
        return "a list";
    }
    if (isScalar(node)) {
        if (node.value instanceof Uint8Array) {
            return "binary data (a !!binary value)";
        }
        return node.value === null ? "empty (no value)" : `a ${typeof node.value}`;
    }
    return isMap(node) ? "a mapping" : "an alias";
}

/**
 * The errors worth reading: duplicate keys up to the first other error, and that one. After a
 * broken structure (a tab in the indentation) the parser reports each later line as badly
 * indented too, errors that go away with the first.
 */
function firstErrors(errors: YAMLError[]): YAMLError[] {
    const sorted = [...errors].sort((a, b) => a.pos[0] - b.pos[0]);
    const broken = sorted.findIndex((e) => e.code !== "DUPLICATE_KEY");
    return broken === -1 ? sorted : sorted.slice(0, broken + 1);
}

/**
 * What makes `doc` (parsed from `source` with `lines` as its lineCounter) not valid YAML, one
 * problem per error worth reading, each `file:line:col: not valid YAML: ...` with the key path (a
 * duplicate key's own place, wherever the parser reports it; a line indented deeper than its
 * siblings at its own place) and never the text. Empty if it is valid.
 */
export function yamlSyntaxProblems(
    doc: Document,
    lines: LineCounter,
    file: string,
    source: string,
): string[] {
    const where = (offset: number) => {
        const { line, col } = lines.linePos(offset);
        return `${file}:${line}:${col}`;
    };
    return firstErrors(doc.errors).map((e) => {
        const indent = misindentedLine(source, e, lines);
        return indent
            ? `${file}:${indent.line}:${indent.col}: not valid YAML: ${indent.message}`
            : yamlProblem(doc, e, lines, where);
    });
}

/** One line on how to fix a structural error, for the codes a hand-edited file meets. */
const HINTS: Partial<Record<string, string>> = {
    TAB_AS_INDENT: "YAML indents with spaces only: replace the tab with spaces",
    BAD_INDENT: "indent every key of one mapping by the same number of spaces",
    BLOCK_AS_IMPLICIT_KEY:
        "a value holding `: ` reads as a mapping inside a key's value: quote the value",
};

function yamlProblem(
    doc: Document,
    error: YAMLError,
    lines: LineCounter,
    where: (offset: number) => string,
): string {
    if (error.code === "DUPLICATE_KEY") {
        // Named by the repeated key, not where the parser reports it (after an empty value, the
        // end of the line before).
        const dup = repeatedKeyOf(doc, error);
        const key = dup ? `${displayPath(dup.path)} ` : "";
        return (
            `${where(dup?.offset ?? error.pos[0])}: not valid YAML: duplicate key ${key}` +
            "(DUPLICATE_KEY); a key may appear once in its mapping: keep one"
        );
    }
    const at = where(error.pos[0]);
    // The key written on the error's line, if the parser still read one there.
    const line = lines.linePos(error.pos[0]).line;
    const path = keyPathWhere(doc.contents, (offset) => lines.linePos(offset).line === line);
    const hint = HINTS[error.code];
    return (
        `${at}: not valid YAML: ${error.code.toLowerCase().replace(/_/g, " ")} (${error.code})` +
        (path ? ` at key ${displayPath(path)}` : "") +
        (hint ? `; ${hint}` : "")
    );
}

/** `capi-mgmt-ingress:verify.custom[0].command` for a path under config, else `a.b[0]`. */
function displayPath(path: KeyPath): string {
    return formatKeyPath(path[0] === "config" && path.length > 1 ? path.slice(1) : path);
}

/**
 * Aliases that would make toJS throw (its message quotes the alias: the text of a value): one
 * whose anchor is not defined before it, one inside its own anchor's value (a loop, which Pulumi's
 * YAML reader refuses too), and the first whose expansion passes the yaml package's limit,
 * counted as the package counts (each alias once, in document order).
 */
function aliasProblems(doc: Document, where: (offset: number) => string): string[] {
    const aliases: Alias[] = [];
    visit(doc, { Alias: (_key, node) => void aliases.push(node) });
    const problems: string[] = [];
    const counts = new Map<Node, { count: number; aliasCount: number }>();
    const aliasCount = (node: unknown): number => {
        if (isAlias(node)) {
            const data = counts.get(node.resolve(doc) as Node);
            return data ? data.count * data.aliasCount : 0;
        }
        if (isMap(node) || isSeq(node)) {
            return Math.max(0, ...node.items.map(aliasCount));
        }
        return isPair(node) ? Math.max(aliasCount(node.key), aliasCount(node.value)) : 1;
    };
    let excessive = false;
    for (const alias of aliases) {
        const at = where(start(alias));
        const target = alias.resolve(doc);
        if (target === undefined) {
            problems.push(
                `${at}: not valid YAML: an alias (*name) to an anchor that is not defined ` +
                    "before it; quote a value that starts with * or &",
            );
            continue;
        }
        if (contains(target, alias)) {
            problems.push(
                `${at}: not valid YAML: an alias inside the value of its own anchor (a loop); ` +
                    "write the value out instead",
            );
            continue;
        }
        // The anchor's own node counts once, as in the package (nodes/toJS.js).
        const data = counts.get(target) ?? { count: 1, aliasCount: 0 };
        counts.set(target, data);
        data.count += 1;
        data.aliasCount ||= aliasCount(target);
        if (!excessive && data.count * data.aliasCount > MAX_ALIAS_COUNT) {
            excessive = true;
            problems.push(
                `${at}: not valid YAML: the aliases expand to more than ${MAX_ALIAS_COUNT} ` +
                    "values by here (aliases of values that hold aliases); write the values out",
            );
        }
    }
    return problems;
}

function contains(node: Node, alias: Alias): boolean {
    let found = false;
    visit(node, {
        Alias: (_key, a) => {
            if (a === alias) {
                found = true;
                return visit.BREAK;
            }
            return undefined;
        },
    });
    return found;
}
