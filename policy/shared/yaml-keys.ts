// Copied from components/yaml-keys.ts by `npm run policy:shared`: edit the original.
// Where a YAML parse error is, by key path: the stack files (config/stackyaml.ts, tools/config-schema
// for Pulumi.yaml) and clouds.yaml / secure.yaml (openstack/clouds-files.ts) name a problem by key
// path, line and column, never by the text of the line, which may hold a password.
//
// Dynamic providers capture this module by value through clouds-files.ts into closures that run in
// a plain `node` process: free functions and types only, the yaml package required inside them.
import type { Document, LineCounter, YAMLError } from "yaml";

/** A node's place from the document's root: mapping keys as written, list indexes as numbers. */
export type KeyPath = (string | number)[];

/** A key of the document: its path (itself last) and the offset where it starts. */
export interface KeyPlace {
    path: KeyPath;
    offset: number;
}

/**
 * The key a DUPLICATE_KEY error is about, undefined for any other error (or none found). The
 * parser reports the end of what precedes the key, which after an empty value is the end of the
 * line before (keyStart in yaml's compose/resolve-block-map.js and resolve-flow-collection.js):
 * the repeated key is the first one from there that repeats an earlier key of its mapping.
 */
export function repeatedKeyOf(doc: Document, error: YAMLError): KeyPlace | undefined {
    if (error.code !== "DUPLICATE_KEY") {
        return undefined;
    }
    return repeatedKeys(doc.contents, []).find((k) => k.offset >= error.pos[0]);
}

/**
 * Every key that repeats an earlier key of its mapping, in document order. Keys compare as the
 * parser's uniqueKeys compares them (yaml's compose/util-map-includes.js): the same node, or
 * scalars of the same value by `===`, so `yes` and `true` are one key in YAML 1.1 and two merge
 * keys (`<<`, each its own symbol) are not.
 */
function repeatedKeys(node: unknown, path: KeyPath): KeyPlace[] {
    const { isMap, isNode, isScalar, isSeq } = require("yaml") as typeof import("yaml");
    if (isSeq(node)) {
        return node.items.flatMap((item, i) => repeatedKeys(item, [...path, i]));
    }
    if (!isMap(node)) {
        return [];
    }
    const seen: unknown[] = [];
    return node.items.flatMap((pair) => {
        const key = keyName(pair.key);
        const value = isScalar(pair.key) ? pair.key.value : pair.key;
        const repeated =
            isNode(pair.key) && seen.some((v) => v === value)
                ? [{ path: [...path, key], offset: pair.key.range?.[0] ?? 0 }]
                : [];
        seen.push(value);
        return [...repeated, ...repeatedKeys(pair.value, [...path, key])];
    });
}

/** A value whose tag reads as no string, number, boolean, list or mapping: its place and kind. */
export interface TaggedValue extends KeyPlace {
    /** What it is and how to write it instead, never the value: `binary data (a !!binary value); ...`. */
    refusal: string;
}

/**
 * Every value under `node` tagged `!!binary`, `!!timestamp`, `!!set` or `!!omap` (keys and values
 * alike), with its key path and start offset, in document order; a tagged value is not looked
 * into. yaml reads these tags in every schema (its tags.js knownTags; PyYAML's safe_load too) as
 * a Uint8Array, a Date, a Set and a Map: no key of this project, clouds.yaml or secure.yaml takes
 * one, and unrefused a string key got a Buffer's JSON, a set or an ordered mapping `{}`. Only
 * the tag is read: a plain `2001-12-14` stays the parser's to read. Through an alias of `doc`, a
 * value is placed at the alias. `doc` must have no alias loop (refused first).
 */
export function taggedValues(node: unknown, doc: Document, path: KeyPath = []): TaggedValue[] {
    const { isAlias, isMap, isNode, isPair, isSeq } = require("yaml") as typeof import("yaml");
    // Built here, not at module level: dynamic providers capture free functions only.
    const refusals: Record<string, string> = {
        "tag:yaml.org,2002:binary":
            "is binary data (a !!binary value); no key takes binary data: write the value as text",
        "tag:yaml.org,2002:timestamp":
            "is a date (a !!timestamp value); no key takes a date: write the value as text",
        "tag:yaml.org,2002:set": "is a set (a !!set value); no key takes a set: write a list",
        "tag:yaml.org,2002:omap":
            "is an ordered mapping (a !!omap value); no key takes one: write a mapping",
    };
    if (isAlias(node)) {
        const at = node.range?.[0] ?? 0;
        return taggedValues(node.resolve(doc), doc, path).map((t) => ({ ...t, offset: at }));
    }
    if (!isNode(node)) {
        return [];
    }
    const refusal = node.tag === undefined ? undefined : refusals[node.tag];
    if (refusal !== undefined) {
        return [{ path, offset: node.range?.[0] ?? 0, refusal }];
    }
    if (isSeq(node)) {
        return node.items.flatMap((item, i) => taggedValues(item, doc, [...path, i]));
    }
    if (!isMap(node)) {
        return [];
    }
    return node.items.flatMap((pair) =>
        isPair(pair)
            ? [
                  ...taggedValues(pair.key, doc, [...path, keyName(pair.key)]),
                  ...taggedValues(pair.value, doc, [...path, keyName(pair.key)]),
              ]
            : [],
    );
}

/** The path of keys to the first key whose start offset `isAt` accepts, if one does. */
export function keyPathWhere(
    node: unknown,
    isAt: (offset: number) => boolean,
    path: KeyPath = [],
): KeyPath | undefined {
    const { isMap, isNode, isSeq } = require("yaml") as typeof import("yaml");
    if (isMap(node)) {
        for (const pair of node.items) {
            const key = keyName(pair.key);
            if (isNode(pair.key) && isAt(pair.key.range?.[0] ?? 0)) {
                return [...path, key];
            }
            const found = keyPathWhere(pair.value, isAt, [...path, key]);
            if (found) {
                return found;
            }
        }
    }
    if (isSeq(node)) {
        for (const [i, item] of node.items.entries()) {
            const found = keyPathWhere(item, isAt, [...path, i]);
            if (found) {
                return found;
            }
        }
    }
    return undefined;
}

/**
 * `a.b[0].c`, a key that does not read as a name given as `<key not shown>` (the message gives its
 * line and column): a value written where a key goes (`{s3cr3t, s3cr3t}`) must not be printed. A
 * key is named when each of its words, split at `-`, `_`, `.`, `:` or `/`, is lowercase,
 * camelCase, Capitalized, UPPERCASE or digits alone (`capi-mgmt-ingress:verify`, `OS_PASSWORD`,
 * `prod-east-1`); digits inside a word (`s3cr3t`, `hunter2`) or case at random (`xK9q`) are not.
 */
export function formatKeyPath(path: KeyPath): string {
    return path
        .map((part, i) =>
            typeof part === "number" ? `[${part}]` : (i === 0 ? "" : ".") + keyShown(part),
        )
        .join("");
}

/**
 * `key` when it reads as a name (the rule of formatKeyPath), else `<key not shown>`: no control
 * character, space or quote passes, so a key shown is safe to print as it is.
 */
export function keyShown(key: string): string {
    // Built here, not at module level: dynamic providers capture free functions only.
    const word = String.raw`(?:[a-z]+|[A-Z][a-z]*)(?:[A-Z][a-z]+)*|[A-Z]+|\d+`;
    const name = new RegExp(String.raw`^(?:${word})(?:[-_.:/](?:${word}))*$`);
    return key.length <= 64 && name.test(key) ? key : "<key not shown>";
}

/** A key as written (`y`, not the `true` YAML 1.1 reads); `?` for a key that is not a scalar. */
function keyName(key: unknown): string {
    const { isScalar } = require("yaml") as typeof import("yaml");
    return isScalar(key) ? (key.source ?? String(key.value)) : "?";
}

/** A key line indented unlike the keys of its mapping, at its own line and column. */
export interface Misindent {
    /** 1-based, as LineCounter.linePos counts. */
    line: number;
    col: number;
    /** What is wrong and how to fix it, with no text of the file. */
    message: string;
}

/**
 * The line an indentation error is really about, where the parser reports another one; undefined
 * for any other error or if no such line is found.
 * - BLOCK_AS_IMPLICIT_KEY: after `b: 1`, a line `   c: 2` deeper than `b` continues b's plain
 *   value, and the parser, reading `1 c` as a key of a mapping inside that value, reports the
 *   error at the value on the line before (yaml's compose/resolve-block-map.js, "Nested mappings
 *   are not allowed in compact mappings"). The line is the next one that is neither blank nor a
 *   comment, if it starts deeper than the error line's key (after any `- `).
 * - BAD_INDENT reported on a blank or comment line: the parser places it at the start of that
 *   line; the line meant is the next one that is neither.
 */
export function misindentedLine(
    source: string,
    error: YAMLError,
    lines: LineCounter,
): Misindent | undefined {
    const text = source.split("\n").map((l) => l.replace(/\r$/, ""));
    const reported = lines.linePos(error.pos[0]).line;
    const next = text.findIndex((l, i) => i >= reported && !/^\s*(?:#.*)?$/.test(l));
    if (next === -1) {
        return undefined;
    }
    const col = (/^ */.exec(text[next])?.[0].length ?? 0) + 1;
    const fix = "indent every key of one mapping by the same number of spaces";
    if (error.code === "BAD_INDENT" && /^\s*(?:#.*)?$/.test(text[reported - 1] ?? "")) {
        return {
            line: next + 1,
            col,
            message:
                `line ${next + 1} is indented to column ${col}, which does not match its ` +
                `siblings (reported at the blank or comment line ${reported} before it); ${fix} ` +
                "(BAD_INDENT)",
        };
    }
    if (error.code !== "BLOCK_AS_IMPLICIT_KEY") {
        return undefined;
    }
    const siblingCol = (/^(?: *- +)* */.exec(text[reported - 1] ?? "")?.[0].length ?? 0) + 1;
    if (col <= siblingCol) {
        return undefined;
    }
    return {
        line: next + 1,
        col,
        message:
            `line ${next + 1} is indented to column ${col}, but the key before it (line ` +
            `${reported}) starts at column ${siblingCol}: its indentation does not match its ` +
            `siblings'; ${fix} (BLOCK_AS_IMPLICIT_KEY)`,
    };
}
