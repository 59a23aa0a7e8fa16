// The helper scripts the workflows run answer as the main command line does: `--help` on stdout
// with exit 0 (even among bad arguments), a usage error as `<script>: <message>` in commander's
// words with the line naming the help, exit 2; no arguments where one is required is such an
// error. Read in-process through runScript, and once through a real script.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Command } from "commander";
import { runScript } from "../../tools/cli/usage";
import { run } from "../support/cli-run";

const ROOT = path.resolve(__dirname, "..", "..");

/** A script's command as policy:config declares it, read with `argv`. */
function read(argv: string[]) {
    const out = { stdout: "", stderr: "" };
    const command = new Command("policy:config").requiredOption("--stack <env>", "stack");
    let opts: { stack: string } | undefined;
    const code = runScript<{ stack: string }>(
        command,
        argv,
        (o) => {
            opts = o;
            return 0;
        },
        {
            stdout: (t) => void (out.stdout += t),
            stderr: (t) => void (out.stderr += t),
        },
    );
    return { result: opts === undefined ? { exitCode: code } : { opts }, ...out };
}

const RUN_HELP = '(run "npm run -s policy:config -- --help" for usage)\n';

/** The policy:config script itself, run as the workflows run it. */
const policyConfig = (...args: string[]) =>
    spawnSync(
        path.join(ROOT, "node_modules", ".bin", "ts-node"),
        ["--transpile-only", path.join(ROOT, "tools", "policy-config.ts"), ...args],
        { cwd: ROOT, encoding: "utf8" },
    );

describe("helper scripts: usage as the main command line's", () => {
    it("--help: the help on stdout, exit 0, wherever it is and whatever else is wrong", () => {
        for (const argv of [
            ["--help"],
            ["-h"],
            ["--stack", "a", "--stack", "b", "--help"],
            ["--bogus", "--help"],
        ]) {
            const r = read(argv);
            assert.deepEqual(r.result, { exitCode: 0 }, argv.join(" "));
            assert.match(r.stdout, /^Usage: policy:config \[options\]/);
            assert.match(r.stdout, /Run as: npm run -s policy:config -- \[options\]/);
            assert.equal(r.stderr, "");
        }
    });

    it("no arguments, an unknown option, a missing value: the main command line's words, exit 2", async () => {
        const audit = await run("audit", "--bogus");
        assert.match(audit.stderr, /^audit: unknown option '--bogus'\n/);
        for (const [argv, message] of [
            [[], "required option '--stack <env>' not specified"],
            [["--bogus"], "unknown option '--bogus'"],
            [["--stack", "a", "--bogus"], "unknown option '--bogus'"],
            [
                ["--stack", "-x"],
                "option '--stack <env>' argument missing ('-x' is an option, not its value)",
            ],
        ] as const) {
            const r = read([...argv]);
            assert.deepEqual(r.result, { exitCode: 2 }, argv.join(" "));
            assert.equal(r.stderr, `policy:config: ${message}\n${RUN_HELP}`);
            assert.equal(r.stdout, "");
        }
    });

    it("good arguments: the options", () => {
        assert.deepEqual(read(["--stack", "a"]).result, { opts: { stack: "a" } });
    });

    it("policy:config with no arguments, and -h, through the script", function () {
        this.timeout(60_000);
        const none = policyConfig();
        assert.equal(none.status, 2);
        assert.equal(none.stdout, "");
        assert.equal(
            none.stderr,
            `policy:config: required option '--stack <env>' not specified\n${RUN_HELP}`,
        );
        const help = policyConfig("-h");
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /^Usage: policy:config \[options\]/);
        assert.equal(help.stderr, "");
    });

    it("policy:config refuses a --stack that names no stack as audit does: same words, first, masked", async function () {
        this.timeout(60_000);
        for (const args of [
            ["--stack", "../x"],
            ["--stack", "../x", "--bogus"],
            ["--stack", "password=Hunter2-SECRET-xyz"],
        ]) {
            const audit = await run("audit", ...args);
            const policy = policyConfig(...args);
            assert.equal(policy.status, 2, policy.stderr);
            assert.equal(policy.stdout, "");
            assert.doesNotMatch(policy.stderr, /Hunter2/);
            assert.match(policy.stderr, /^policy:config: option '--stack <env>' argument '/);
            assert.equal(
                policy.stderr.replace(/^policy:config: /, "").replace(RUN_HELP, ""),
                audit.stderr
                    .replace(/^audit: /, "")
                    .replace('(run "capi-mgmt-ingress audit --help" for usage)\n', ""),
                args.join(" "),
            );
        }
    });
});
