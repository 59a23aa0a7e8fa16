// `schema --check` compares content, not formatting: a stack file prettier would only reformat is
// "unformatted" (exit 0); one missing the schema reference or with other data is "stale".
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileState, generatedFiles, SCHEMA_MODELINE } from "../../tools/config-schema";

const ROOT = path.resolve(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "stacks", "Pulumi.example.yaml");

describe("schema --check", function () {
    this.timeout(60000);
    let generated: string;
    before(async () => {
        const found = (await generatedFiles()).find((f) => f.file === EXAMPLE);
        assert.ok(found, "the example stack is a generated file");
        generated = found.text;
    });

    it("the committed stack file is current", async () => {
        assert.equal(fileState(EXAMPLE, fs.readFileSync(EXAMPLE, "utf8"), generated), "current");
    });

    it("only formatting differs: unformatted, not stale", async () => {
        // Indentation, quoting, blank lines and a missing final newline change no content.
        const reformatted = generated
            .replace(/^( +)/gm, "$1  ")
            .replace(/: ([a-z][a-z-]*)$/m, ': "$1"')
            .replace(/\n$/, "")
            .replace("\nconfig:", "\n\n\nconfig:");
        assert.notEqual(reformatted, generated);
        assert.equal(fileState(EXAMPLE, reformatted, generated), "unformatted");
    });

    it("the schema reference missing: stale", async () => {
        const without = generated.replace(`${SCHEMA_MODELINE}\n`, "");
        assert.equal(fileState(EXAMPLE, without, generated), "stale");
    });

    it("other content: stale; a missing or unparseable file: stale", async () => {
        const json = path.join(ROOT, "stacks", "config.schema.json");
        const schema = (await generatedFiles()).find((f) => f.file === json);
        assert.ok(schema);
        const changed = schema.text.replace('"type": "object"', '"type": "array"');
        assert.notEqual(changed, schema.text);
        assert.equal(fileState(json, changed, schema.text), "stale");
        assert.equal(
            fileState(json, JSON.stringify(JSON.parse(schema.text)), schema.text),
            "unformatted",
        );
        assert.equal(fileState(json, undefined, schema.text), "stale");
        assert.equal(fileState(json, "{ not json", schema.text), "stale");
    });
});
