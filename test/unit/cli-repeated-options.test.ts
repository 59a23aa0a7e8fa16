// An option that takes one value, given twice, is a usage error naming the option and both values,
// for every such option of every subcommand (read from the command definitions, so a new option is
// covered too); nothing loads. commander alone would keep the last value silently. The helper
// scripts the workflows run refuse it the same way.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Command } from "commander";
import { addSubcommands } from "../../tools/cli/commands";
import { captureIo, run } from "../support/cli-run";

const LAUNCHER = path.resolve(__dirname, "..", "..", "tools", "cli", "capi-mgmt-ingress.js");

/** Every option taking one value: the subcommand's words, its long flag and its flags text. */
function singleValueOptions(): { words: string[]; long: string; flags: string }[] {
    const program = new Command("capi-mgmt-ingress");
    addSubcommands(program, captureIo().io, () => async () => undefined);
    const found: { words: string[]; long: string; flags: string }[] = [];
    const walk = (command: Command, words: string[]) => {
        for (const option of command.options) {
            if (!option.isBoolean() && !option.variadic) {
                found.push({ words, long: option.long!, flags: option.flags });
            }
        }
        command.commands.forEach((sub) => walk(sub, [...words, sub.name()]));
    };
    walk(program, []);
    return found;
}

describe("capi-mgmt-ingress: an option taking one value, given twice", () => {
    const options = singleValueOptions();

    it("finds every option taking one value", () => {
        assert.deepEqual(
            options.map((o) => `${o.words.join(" ")} ${o.long}`),
            [
                "audit --stack",
                "review --stack",
                "review --against",
                "review --base",
                "verify --stack",
                "rehearse --scenario",
            ],
        );
    });

    for (const { words, long, flags } of options) {
        const command = words.join(" ");
        it(`${command} ${long} first ${long} second: a usage error naming both, nothing loaded`, async () => {
            const said = `${command}: option '${flags}' given twice, 'first' and 'second'`;
            for (const argv of [
                [...words, long, "first", long, "second"],
                [...words, `${long}=first`, `${long}=second`],
            ]) {
                const r = await run(...argv);
                assert.equal(r.code, 2, r.stderr);
                assert.ok(r.stderr.startsWith(said), r.stderr);
                assert.ok(
                    r.stderr.endsWith(`(run "capi-mgmt-ingress ${command} --help" for usage)\n`),
                );
                assert.equal(r.stdout, "");
                assert.equal(r.toolsLoaded, 0, "refused before any tool loads");

                const j = await run(...argv, "--json");
                assert.equal(j.code, 2);
                const { error } = JSON.parse(j.stdout);
                assert.equal(error.kind, "usage");
                assert.equal(error.command, command);
                assert.equal(error.exitCode, 2);
                assert.ok(error.message.startsWith(said.slice(command.length + 2)), error.message);
                assert.equal(j.toolsLoaded, 0);
            }
        });
    }

    for (const { words, long, flags } of options) {
        const command = words.join(" ");
        it(`${command} ${long} given three and four times: every value named, in order`, async () => {
            for (const values of [
                ["one", "two", "three"],
                ["one", "two", "three", "four"],
            ]) {
                const r = await run(...words, ...values.flatMap((v) => [long, v]));
                assert.equal(r.code, 2, r.stderr);
                const listed = `${values
                    .slice(0, -1)
                    .map((v) => `'${v}'`)
                    .join(", ")} and '${values[values.length - 1]}'`;
                assert.ok(
                    r.stderr.startsWith(
                        `${command}: option '${flags}' given ${values.length} times, ${listed}; ` +
                            "it takes one value: give it once\n",
                    ),
                    r.stderr,
                );
                assert.equal(r.toolsLoaded, 0, "refused before any tool loads");
            }
        });

        it(`${command} ${long} ../x ${long} b: the repetition first, though ../x is refused on its own`, async () => {
            // --stack and --against refuse "../x" (no stack name); the repetition is still first.
            for (const argv of [
                [...words, long, "../x", long, "b"],
                [...words, long, "../x", long, "b", long, "../y", "--bogus"],
            ]) {
                const r = await run(...argv);
                assert.equal(r.code, 2, r.stderr);
                assert.match(r.stderr, new RegExp(`^${command}: option '${flags}' given `));
                assert.ok(
                    r.stderr.includes("'../x' and 'b'") ||
                        r.stderr.includes("'../x', 'b' and '../y'"),
                    r.stderr,
                );
                assert.doesNotMatch(r.stderr, /is invalid|unknown option/);
                assert.equal(r.toolsLoaded, 0);
            }
        });
    }

    it("two options repeated: both named with their values; then a value, then conflicts", async () => {
        const both = await run(
            "review",
            "--stack",
            "a",
            "--against",
            "b",
            "--stack",
            "c",
            "--against",
            "d",
        );
        assert.equal(both.code, 2);
        assert.ok(
            both.stderr.startsWith(
                "review: option '--stack <env>' given twice, 'a' and 'c'; option '--against <env>' " +
                    "given twice, 'b' and 'd'; each takes one value: give each once\n",
            ),
            both.stderr,
        );
        // Repeated options that also conflict: the repetition is the first mistake.
        const conflicting = await run(
            "review",
            "--changed",
            "--stack",
            "a",
            "--stack",
            "b",
            "--base",
            "m",
        );
        assert.match(
            conflicting.stderr,
            /^review: option '--stack <env>' given twice, 'a' and 'b'/,
        );
        // Options after an unknown one are read too (commander's Command.parseOptions).
        const unknown = await run("audit", "--bogus", "--stack", "a", "--stack", "b");
        assert.match(unknown.stderr, /^audit: option '--stack <env>' given twice, 'a' and 'b'/);
        // One value each: a value refused on its own comes before a missing required option.
        const value = await run("review", "--against", "../x");
        assert.match(
            value.stderr,
            /^review: option '--against <env>' argument '\.\.\/x' is invalid/,
        );
    });

    it("the same value twice is refused too; a value refused on its own is still refused", async () => {
        const twice = await run("verify", "--stack", "prod", "--stack", "prod");
        assert.equal(twice.code, 2);
        assert.match(
            twice.stderr,
            /^verify: option '--stack <env>' given twice, 'prod' and 'prod'/,
        );
        const bad = await run("audit", "--stack", "../x");
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /is not a stack name/);
    });

    it("a flag given twice is no error: it takes no value", async () => {
        const r = await run("rehearse", "--scenario", "nope", "--json", "--json");
        const { error } = JSON.parse(r.stdout);
        assert.match(error.message, /unknown scenario "nope"/, "parsed, then refused by its value");
    });

    it("through the launcher: exit 2, the message on stderr", () => {
        const r = spawnSync(process.execPath, [LAUNCHER, "audit", "--stack", "a", "--stack", "b"], {
            encoding: "utf8",
        });
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(
            r.stderr,
            /^audit: option '--stack <env>' given twice, 'a' and 'b'; it takes one value/,
        );
    });
    describe("the helper scripts (read as the command line reads them) refuse it too: exit 2", function () {
        this.timeout(60_000);
        const ROOT = path.resolve(__dirname, "..", "..");
        const NAMES: Record<string, string> = {
            "policy-config.ts": "policy:config",
            "changed-stacks.ts": "changed-stacks",
            "review-cut.ts": "review:cut",
        };
        const script = (file: string, args: readonly string[]) => {
            const r = spawnSync(
                path.join(ROOT, "node_modules", ".bin", "ts-node"),
                ["--transpile-only", path.join(ROOT, "tools", file), ...args],
                { cwd: ROOT, encoding: "utf8", input: "" },
            );
            assert.equal(r.status, 2, r.stderr);
            assert.equal(r.stdout, "");
            assert.ok(
                r.stderr.endsWith(`\n(run "npm run -s ${NAMES[file]} -- --help" for usage)\n`),
                r.stderr,
            );
            return r.stderr.slice(`${NAMES[file]}: `.length);
        };
        for (const [file, args, said] of [
            [
                "policy-config.ts",
                ["--stack", "a", "--stack=b"],
                "--stack <env>' given twice, 'a' and 'b'",
            ],
            [
                "changed-stacks.ts",
                ["--base", "HEAD", "--head", "x", "--head", "y"],
                "--head <git-ref>' given twice, 'x' and 'y'",
            ],
            [
                "review-cut.ts",
                ["--for", "comment", "--for", "summary"],
                "--for <where>' given twice, 'comment' and 'summary'",
            ],
            // Three times: every value; first before an unknown option or a value refused later.
            [
                "policy-config.ts",
                ["--stack", "a", "--stack", "b", "--stack=c", "--bogus"],
                "--stack <env>' given 3 times, 'a', 'b' and 'c'",
            ],
            [
                "changed-stacks.ts",
                ["--head", "x", "--base", "HEAD", "--head", "y", "--head", "z"],
                "--head <git-ref>' given 3 times, 'x', 'y' and 'z'",
            ],
            [
                "policy-config.ts",
                ["--bogus", "--stack", "a", "--stack", "b"],
                "--stack <env>' given twice, 'a' and 'b'",
            ],
            [
                "review-cut.ts",
                ["--for", "nope", "--for", "summary", "--for", "comment", "--bogus"],
                "--for <where>' given 3 times, 'nope', 'summary' and 'comment'",
            ],
        ] as const) {
            it(`${file} ${args.join(" ")}`, () => {
                const message = script(file, args);
                assert.ok(message.startsWith(`option '${said}; it takes one value`), message);
            });
        }
        for (const [file, args, said] of [
            ["review-cut.ts", ["--for", "comment", "--bogus"], "unknown option '--bogus'"],
            [
                "changed-stacks.ts",
                ["--base", "HEAD", "--head"],
                "option '--head <git-ref>' argument missing",
            ],
            [
                "policy-config.ts",
                ["--stack", "a", "--stack"],
                "option '--stack <env>' argument missing",
            ],
        ] as const) {
            it(`${file} ${args.join(" ")}: refused as usage, exit 2`, () => {
                assert.ok(script(file, args).startsWith(`${said}\n`));
            });
        }
    });
});
