// `schema --check` compares content, not formatting: a file prettier would only reformat is
// "unformatted" (exit 0); one with the same content in another order is "rearranged", which only
// `npm run schema` restores; one missing the schema reference or with other data is "stale". The
// hint printed for each is followed here, and the check passes afterwards.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { parseDocument, YAMLMap } from "yaml";
import { fileState, generatedFiles, SCHEMA_MODELINE } from "../../tools/config-schema";

const ROOT = path.resolve(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "stacks", "Pulumi.example.yaml");
const LAUNCHER = path.join(ROOT, "tools", "cli", "capi-mgmt-ingress.js");

/** `schema --check` as an operator runs it from the project's root: its exit code and output. */
function check(): { code: number | null; stdout: string } {
    const r = spawnSync(process.execPath, [LAUNCHER, "schema", "--check"], {
        cwd: ROOT,
        encoding: "utf8",
    });
    return { code: r.status, stdout: r.stdout };
}

/** Runs the command a hint names, as written (`npm run schema`, `npx prettier --write <file>`). */
function follow(hint: string): void {
    const command = /[;(] ?(npm run schema|npx prettier --write [^\s)]+)/.exec(hint)?.[1];
    assert.ok(command, `no command in the hint: ${hint}`);
    const [tool, ...args] = command.split(" ");
    const r = spawnSync(tool, args, { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
}

describe("schema --check", function () {
    this.timeout(60000);
    let generated: string;
    before(async () => {
        const found = (await generatedFiles()).find((f) => f.file === EXAMPLE);
        assert.ok(found, "the example stack is a generated file");
        generated = found.text;
    });

    it("the committed stack file is current", async () => {
        assert.equal(
            await fileState(EXAMPLE, fs.readFileSync(EXAMPLE, "utf8"), generated),
            "current",
        );
    });

    it("only formatting differs: unformatted, not stale", async () => {
        // Indentation and a missing final newline change no content.
        const reformatted = generated.replace(/^( +)/gm, "$1  ").replace(/\n$/, "");
        assert.notEqual(reformatted, generated);
        assert.equal(await fileState(EXAMPLE, reformatted, generated), "unformatted");
        // Quoting and blank lines change no content either, but prettier keeps them.
        const quoted = generated.replace(/: ([a-z][a-z-]*)$/m, ': "$1"');
        const spaced = generated.replace("\nconfig:", "\n\n\nconfig:");
        for (const text of [quoted, spaced]) {
            assert.notEqual(text, generated);
            assert.equal(await fileState(EXAMPLE, text, generated), "rearranged");
        }
    });

    it("the schema reference missing: stale", async () => {
        const without = generated.replace(`${SCHEMA_MODELINE}\n`, "");
        assert.equal(await fileState(EXAMPLE, without, generated), "stale");
    });

    it("other content: stale; a missing or unparseable file: stale", async () => {
        const json = path.join(ROOT, "stacks", "config.schema.json");
        const schema = (await generatedFiles()).find((f) => f.file === json);
        assert.ok(schema);
        const changed = schema.text.replace('"type": "object"', '"type": "array"');
        assert.notEqual(changed, schema.text);
        assert.equal(await fileState(json, changed, schema.text), "stale");
        // Objects on one line stay on one line under prettier: only `npm run schema` restores them.
        assert.equal(
            await fileState(json, JSON.stringify(JSON.parse(schema.text)), schema.text),
            "rearranged",
        );
        assert.equal(
            await fileState(json, schema.text.replace(/^( +)/gm, "$1$1"), schema.text),
            "unformatted",
        );
        assert.equal(await fileState(json, undefined, schema.text), "stale");
        assert.equal(await fileState(json, "{ not json", schema.text), "stale");
    });

    describe("the hint it prints makes the check pass", function () {
        // Each runs the command-line tool three times.
        this.timeout(240000);
        const PULUMI = path.join(ROOT, "Pulumi.yaml");
        const SCHEMA = path.join(ROOT, "stacks", "config.schema.json");
        const saved = new Map<string, string>();
        beforeEach(() => [PULUMI, SCHEMA].forEach((f) => saved.set(f, fs.readFileSync(f, "utf8"))));
        afterEach(() => saved.forEach((text, f) => fs.writeFileSync(f, text)));

        it("keys reordered (prettier keeps the order): rearranged, npm run schema", async () => {
            const doc = parseDocument(saved.get(PULUMI) as string);
            (doc.get("config") as YAMLMap).items.reverse();
            const options = await prettier.resolveConfig(PULUMI);
            const reordered = await prettier.format(doc.toString({ lineWidth: 98 }), {
                ...options,
                filepath: PULUMI,
            });
            assert.notEqual(reordered, saved.get(PULUMI));
            fs.writeFileSync(PULUMI, reordered);

            const before = check();
            assert.equal(before.code, 1, before.stdout);
            assert.equal(
                before.stdout,
                "rearranged Pulumi.yaml (same content, arranged otherwise than generated; " +
                    "npm run schema rewrites it)\n",
            );
            follow(before.stdout);
            assert.deepEqual(check(), { code: 0, stdout: "" });
            assert.equal(fs.readFileSync(PULUMI, "utf8"), saved.get(PULUMI));
        });

        it("only unformatted: npx prettier --write", () => {
            const json = saved.get(SCHEMA) as string;
            fs.writeFileSync(SCHEMA, json.replace(/^( +)/gm, "$1$1"));
            const before = check();
            assert.equal(before.code, 0, before.stdout);
            assert.equal(
                before.stdout,
                "unformatted stacks/config.schema.json (content current; npx prettier --write " +
                    "stacks/config.schema.json)\n",
            );
            follow(before.stdout);
            assert.deepEqual(check(), { code: 0, stdout: "" });
        });

        it("content changed: stale, npm run schema", () => {
            const json = saved.get(SCHEMA) as string;
            fs.writeFileSync(SCHEMA, json.replace('"type": "object"', '"type": "array"'));
            const before = check();
            assert.equal(before.code, 1, before.stdout);
            assert.equal(
                before.stdout,
                "stale stacks/config.schema.json (npm run schema rewrites it)\n",
            );
            follow(before.stdout);
            assert.deepEqual(check(), { code: 0, stdout: "" });
        });
    });
});
