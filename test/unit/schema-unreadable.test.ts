// `schema` and `schema --check` on a stack file that is not valid YAML: a config error naming the
// file, line, column and the parser's code, as every tool reads a stack file, never the text of
// its lines (prettier's code frame would quote them, credentials included).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../../components/config/schema";
import { generatedFiles } from "../../tools/config-schema";

const ROOT = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(ROOT, "tools", "cli", "capi-mgmt-ingress.js");
const BAD = path.join(ROOT, "stacks", "Pulumi.unreadable-test.yaml");
const SENTINEL = "LEAKschema123";

function schema(...args: string[]) {
    return spawnSync(process.execPath, [LAUNCHER, "schema", ...args], {
        cwd: ROOT,
        encoding: "utf8",
    });
}

describe("schema on a stack file that is not valid YAML", function () {
    this.timeout(120000);
    before(() => {
        // The fourth line indented with a tab.
        fs.writeFileSync(
            BAD,
            "# yaml-language-server: $schema=./config.schema.json\nconfig:\n" +
                `  capi-mgmt-ingress:cloud: lab\n\topenstack:password: ${SENTINEL}\n`,
        );
    });
    after(() => fs.rmSync(BAD, { force: true }));

    it("--check --json: kind config, the file's place and the parser's code, not the line", () => {
        const r = schema("--check", "--json");
        assert.equal(r.status, 2, r.stderr);
        const doc = JSON.parse(r.stdout) as { error: { kind: string; problems: string[] } };
        assert.equal(doc.error.kind, "config");
        assert.deepEqual(doc.error.problems, [
            "stacks/Pulumi.unreadable-test.yaml:4:1: not valid YAML: tab as indent " +
                "(TAB_AS_INDENT) at key openstack:password; YAML indents with spaces only: " +
                "replace the tab with spaces",
        ]);
        assert.ok(!`${r.stdout}${r.stderr}`.includes(SENTINEL));
    });

    it("without --check: the same refusal, nothing written", () => {
        const before = fs.readFileSync(BAD, "utf8");
        const r = schema();
        assert.equal(r.status, 2);
        assert.match(r.stderr, /stacks\/Pulumi\.unreadable-test\.yaml:4:1: .*\(TAB_AS_INDENT\)/);
        assert.match(r.stderr, /nothing was written/);
        assert.ok(!`${r.stdout}${r.stderr}`.includes(SENTINEL));
        assert.equal(fs.readFileSync(BAD, "utf8"), before);
    });
});

describe("schema on a Pulumi.yaml that is not valid YAML", () => {
    const PULUMI = path.join(ROOT, "Pulumi.yaml");
    let saved = "";
    before(() => (saved = fs.readFileSync(PULUMI, "utf8")));
    after(() => fs.writeFileSync(PULUMI, saved));

    it("a duplicate key after an empty value: its own line and key, nothing written", async () => {
        const line = saved.split("\n").length + 1; // the second x-test:
        fs.writeFileSync(PULUMI, `${saved}x-test:\nx-test: ${SENTINEL}\n`);
        await assert.rejects(generatedFiles(), (err: Error) => {
            assert.ok(err instanceof ConfigError, String(err));
            assert.deepEqual(err.problems, [
                `Pulumi.yaml:${line}:1: not valid YAML: duplicate key x-test (DUPLICATE_KEY); ` +
                    "a key may appear once in its mapping: keep one",
            ]);
            assert.match(err.message, /^Pulumi\.yaml cannot be read; nothing was written:/);
            assert.ok(!err.message.includes(SENTINEL));
            return true;
        });
    });
});
