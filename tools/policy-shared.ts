// `npm run policy:shared [-- --check]`: copies into policy/shared/ the program's modules the
// policy pack uses (their whole import closure, same paths as under components/), so that
// `pulumi policy publish`, which packs only policy/, packs everything the pack runs. A pack file
// that imports "../components/<path>" is rewritten to "./shared/<path>". With --check nothing is
// written: exit 1 lists what is stale (the unit tests run it).
// Exit codes: 0 current (or written); 1 stale (--check); 2 could not run: bad usage, or a file
// could not be read or written.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { runScript } from "./cli/usage";

const ROOT = path.resolve(__dirname, "..");
const COMPONENTS = path.join(ROOT, "components");
export const POLICY_DIR = path.join(ROOT, "policy");
const SHARED = path.join(POLICY_DIR, "shared");
const HEADER = "// Copied from components/%s by `npm run policy:shared`: edit the original.\n";
const IMPORT = /(from\s+|import\s*\(\s*|require\(\s*)"(\.{1,2}\/[^"]+)"/g;

/** The pack's own TypeScript files (not the copies, not node_modules). */
export function packFiles(): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory() && !["node_modules", "shared", "bin"].includes(entry.name)) {
                walk(file);
            } else if (entry.isFile() && entry.name.endsWith(".ts")) {
                found.push(file);
            }
        }
    };
    walk(POLICY_DIR);
    return found.sort();
}

/** A pack file's text with imports of ../components/ pointed at ./shared/. */
function pointAtShared(file: string, text: string): string {
    return text.replace(IMPORT, (whole, lead: string, spec: string) => {
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(`${COMPONENTS}${path.sep}`)) {
            return whole;
        }
        let rel = path.relative(
            path.dirname(file),
            path.join(SHARED, path.relative(COMPONENTS, target)),
        );
        rel = rel.startsWith(".") ? rel : `./${rel}`;
        return `${lead}"${rel.split(path.sep).join("/")}"`;
    });
}

/** Every file policy/ must hold (pack files rewritten, copies with their header), by path. */
export function expectedFiles(): Map<string, string> {
    const expected = new Map<string, string>();
    const queue: string[] = [];
    const follow = (file: string, text: string) => {
        for (const [, , spec] of text.matchAll(IMPORT)) {
            const target = path.resolve(path.dirname(file), spec);
            if (target.startsWith(`${SHARED}${path.sep}`)) {
                queue.push(path.join(COMPONENTS, `${path.relative(SHARED, target)}.ts`));
            }
        }
    };
    for (const file of packFiles()) {
        const text = pointAtShared(file, fs.readFileSync(file, "utf8"));
        expected.set(file, text);
        follow(file, text);
    }
    while (queue.length > 0) {
        const source = queue.pop()!;
        const copy = path.join(SHARED, path.relative(COMPONENTS, source));
        if (expected.has(copy)) {
            continue;
        }
        if (!fs.existsSync(source)) {
            throw new Error(
                `policy/shared: ${path.relative(ROOT, copy)} has no original ${path.relative(ROOT, source)}`,
            );
        }
        const text = fs.readFileSync(source, "utf8");
        expected.set(copy, HEADER.replace("%s", path.relative(COMPONENTS, source)) + text);
        follow(copy, text);
    }
    return expected;
}

/** What differs from the expected files: stale, missing and extra paths (relative to the root). */
export function staleFiles(expected = expectedFiles()): string[] {
    const stale: string[] = [];
    for (const [file, text] of expected) {
        if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
            stale.push(path.relative(ROOT, file));
        }
    }
    const extra = (dir: string): string[] =>
        fs.existsSync(dir)
            ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
                  const file = path.join(dir, e.name);
                  return e.isDirectory() ? extra(file) : expected.has(file) ? [] : [file];
              })
            : [];
    stale.push(...extra(SHARED).map((f) => path.relative(ROOT, f)));
    return stale.sort();
}

function main(): number {
    const command = new Command("policy:shared")
        .description("copy into policy/shared/ the program's modules the policy pack uses")
        .option("--check", "write nothing; list what is stale, exit 1")
        .addHelpText(
            "after",
            "\nExit codes: 0 current (or written); 1 stale (--check); 2 could not run: bad usage, or a file could not be read or written.",
        );
    return runScript<{ check?: boolean }>(command, process.argv.slice(2), sync);
}

/** Writes policy/shared/, or with `check` lists what is stale (exit 1). */
function sync(opts: { check?: boolean }): number {
    const expected = expectedFiles();
    const stale = staleFiles(expected);
    if (opts.check) {
        if (stale.length > 0) {
            process.stderr.write(
                `policy/ is not current with components/ (run npm run policy:shared):\n${stale.map((f) => `  ${f}`).join("\n")}\n`,
            );
            return 1;
        }
        return 0;
    }
    fs.rmSync(SHARED, { recursive: true, force: true });
    for (const [file, text] of expected) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
    }
    process.stderr.write(
        `policy/shared: ${[...expected.keys()].filter((f) => f.startsWith(SHARED)).length} files\n`,
    );
    return 0;
}

if (require.main === module) {
    process.exit(main());
}
