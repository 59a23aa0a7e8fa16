// A helper script's run error (a git ref that names no commit, no repository, a stack file that
// does not exist, stdin that cannot be read) is reported as the main command line reports a
// subcommand's: `<script>: <message>` on stderr, or with --json the error document on stdout,
// exit 2 either way. In-process through runScript, then through the real scripts.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { runScript } from "../../tools/cli/usage";
import { run } from "../support/cli-run";

const ROOT = path.resolve(__dirname, "..", "..");

/** changed-stacks' options, run with `argv` and a work that throws `err`. */
function failing(argv: string[], err: unknown) {
    const out = { stdout: "", stderr: "" };
    const command = new Command("changed-stacks")
        .requiredOption("--base <git-ref>", "base")
        .option("--json", "json");
    const code = runScript(
        command,
        argv,
        () => {
            throw err;
        },
        { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t) },
    );
    return { code, ...out };
}

/** A script run through ts-node from `cwd`, stdin from `stdin` (a file descriptor) or empty. */
function script(file: string, args: string[], cwd = ROOT, stdin: number | "pipe" = "pipe") {
    const r = spawnSync(
        path.join(ROOT, "node_modules", ".bin", "ts-node"),
        [
            "--transpile-only",
            "--project",
            path.join(ROOT, "tsconfig.json"),
            path.join(ROOT, "tools", file),
            ...args,
        ],
        { cwd, encoding: "utf8", stdio: [stdin, "pipe", "pipe"] },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("helper scripts: a run error named by the script, as the command line's", () => {
    it("an error the script throws: '<script>: <message>' on stderr, exit 2", () => {
        const r = failing(["--base", "x"], new Error('git ref "x" names no commit here'));
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, 'changed-stacks: git ref "x" names no commit here\n');
    });

    it("with --json: the main command line's error document on stdout, exit 2", async () => {
        const r = failing(["--base", "x", "--json"], new Error("no commit"));
        assert.equal(r.code, 2);
        assert.equal(r.stderr, "");
        const doc = JSON.parse(r.stdout);
        assert.deepEqual(doc, {
            error: { kind: "run", command: "changed-stacks", message: "no commit", exitCode: 2 },
        });
        // The same keys the main command line's documents have.
        const audit = JSON.parse((await run("audit", "--bogus", "--json")).stdout);
        assert.deepEqual(Object.keys(doc.error), Object.keys(audit.error));
    });

    it("with --json, a usage error too; after --, --json is an operand", () => {
        const usage = failing(["--json"], new Error("not reached"));
        assert.equal(usage.code, 2);
        assert.equal(usage.stderr, "");
        assert.deepEqual(JSON.parse(usage.stdout), {
            error: {
                kind: "usage",
                command: "changed-stacks",
                message: "required option '--base <git-ref>' not specified",
                exitCode: 2,
            },
        });
        const operand = failing(["--base", "x", "--", "--json"], new Error("not reached"));
        assert.equal(operand.code, 2);
        assert.equal(operand.stdout, "");
        assert.match(operand.stderr, /^changed-stacks: too many arguments/);
    });

    it("changed-stacks against a missing base and outside a repository, review:cut, policy:config", function () {
        this.timeout(120_000);
        const missing = script("changed-stacks.ts", ["--base", "no-such-ref-here"]);
        assert.equal(missing.code, 2);
        assert.equal(missing.stdout, "");
        assert.match(missing.stderr, /^changed-stacks: git ref "no-such-ref-here" names no commit/);
        assert.equal(missing.stderr.split("\n").length, 2, missing.stderr);

        const json = script("changed-stacks.ts", ["--base", "no-such-ref-here", "--json"]);
        assert.equal(json.code, 2);
        assert.equal(json.stderr, "");
        const doc = JSON.parse(json.stdout);
        assert.equal(doc.error.kind, "run");
        assert.equal(doc.error.command, "changed-stacks");
        assert.match(doc.error.message, /^git ref "no-such-ref-here" names no commit/);

        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "changed-stacks-"));
        try {
            const r = script("changed-stacks.ts", ["--base", "HEAD"], outside);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^changed-stacks: \S/);
            assert.ok(
                r.stderr
                    .trimEnd()
                    .split("\n")
                    .every((line) => line.startsWith("changed-stacks: ")),
                r.stderr,
            );
        } finally {
            fs.rmSync(outside, { recursive: true, force: true });
        }

        const dir = fs.openSync(ROOT, "r");
        try {
            const cut = script("review-cut.ts", ["--for", "comment"], ROOT, dir);
            assert.equal(cut.code, 2);
            assert.equal(cut.stdout, "");
            assert.match(cut.stderr, /^review:cut: EISDIR/);
        } finally {
            fs.closeSync(dir);
        }

        const config = script("policy-config.ts", ["--stack", "no-such-stack"]);
        assert.equal(config.code, 2);
        assert.match(config.stderr, /^policy:config: no stack "no-such-stack"/);
    });
});
