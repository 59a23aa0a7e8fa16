// What an operator new to the command line types and what it must answer: `help` asked of help and
// of a nested subcommand, --help beside -V, an option's value given with `=`, a misspelt command,
// an empty argument, a Unicode dash pasted from a document. Every answer here starts nothing.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "../support/cli-run";

const ROOT = path.resolve(__dirname, "..", "..");

const ROOT_USAGE = "Usage: capi-mgmt-ingress [options] [command]";

describe("capi-mgmt-ingress: usage edge cases", () => {
    describe("help asked with the help command, as the commands list it", () => {
        for (const [argv, usage] of [
            [["help", "help"], ROOT_USAGE],
            [["help", "help", "help"], ROOT_USAGE],
            [["help", "-V"], ROOT_USAGE],
            [["cloud", "help", "help"], "Usage: capi-mgmt-ingress cloud [options] [command]"],
            [["help", "cloud", "status"], "Usage: capi-mgmt-ingress cloud status [options]"],
            [["help", "cloud", "help", "up"], "Usage: capi-mgmt-ingress cloud up [options]"],
            [["help", "audit", "--stack", "x"], "Usage: capi-mgmt-ingress audit [options]"],
        ] as const) {
            it(`${argv.join(" ")}: the usage of what it names, exit 0`, async () => {
                const r = await run(...argv);
                assert.equal(r.code, 0, r.stderr);
                assert.equal(r.stderr, "");
                assert.ok(r.stdout.startsWith(`${usage}\n`), r.stdout.slice(0, 80));
                assert.equal(r.toolsLoaded, 0);
            });
        }
    });

    describe("--help wins over -V, wherever each is", () => {
        for (const [argv, usage] of [
            [["-V", "--help"], ROOT_USAGE],
            [["--help", "-V"], ROOT_USAGE],
            [["--version", "-h"], ROOT_USAGE],
            [["audit", "-V", "--help"], "Usage: capi-mgmt-ingress audit [options]"],
            [
                ["-V", "cloud", "status", "--help"],
                "Usage: capi-mgmt-ingress cloud status [options]",
            ],
        ] as const) {
            it(argv.join(" "), async () => {
                const r = await run(...argv);
                assert.equal(r.code, 0);
                assert.ok(r.stdout.startsWith(`${usage}\n`), r.stdout.slice(0, 80));
            });
        }

        it("-V without a help flag (--help after `--` is an operand) prints the version", async () => {
            for (const argv of [
                ["-V"],
                ["audit", "-V"],
                ["cloud", "--version"],
                ["-V", "--", "--help"],
            ]) {
                const r = await run(...argv);
                assert.equal(r.code, 0, argv.join(" "));
                assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/, argv.join(" "));
            }
        });
    });

    describe("a value given with `=` is the value: one that starts with '-' is refused", () => {
        for (const [argv, option, value] of [
            [["audit", "--stack=--json"], "--stack <env>", "--json"],
            [["verify", "--stack=-x"], "--stack <env>", "-x"],
            [
                ["review", "--base=--output=/tmp/x", "--stack", "example"],
                "--base <git-ref>",
                "--output=/tmp/x",
            ],
            [["review", "--stack", "example", "--against=--live"], "--against <env>", "--live"],
            [["rehearse", "--scenario=--json"], "--scenario <name>", "--json"],
        ] as const) {
            it(argv.join(" "), async () => {
                const command = argv[0];
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.equal(r.toolsLoaded, 0);
                assert.ok(
                    r.stderr.startsWith(
                        `${command}: option '${option}' argument '${value}' is invalid. A value ` +
                            `that starts with "-" reads as an option: no stack name, git ref or ` +
                            `scenario starts with "-"\n`,
                    ),
                    r.stderr,
                );
                // Given with `=`, the value is there: never "argument missing".
                assert.doesNotMatch(r.stderr, /missing/);
                const doc = JSON.parse((await run(...argv, "--json")).stdout);
                assert.equal(doc.error.kind, "usage");
                assert.equal(doc.error.exitCode, 2);
            });
        }

        it("the repetition is still reported first, naming both values", async () => {
            const r = await run("audit", "--stack=--json", "--stack=b");
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^audit: option '--stack <env>' given twice, '--json' and 'b'/);
        });

        it("an ordinary value with `=` runs as with a space", async () => {
            const r = await run("audit", "--stack=no-such-env");
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^audit: no stack "no-such-env": .*\(stacks: /);
        });
    });

    it("review --base with a stack neither side has: named as audit names one, stacks listed", async () => {
        const r = await run("review", "--base", "HEAD", "--stack", "nope");
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.match(
            r.stderr,
            /^review: no stack "nope": neither HEAD:stacks\/Pulumi\.nope\.yaml nor \S+\/stacks\/Pulumi\.nope\.yaml in the working tree exists \(stacks: [^)]*\bexample\b[^)]*\)\n/,
        );
        assert.doesNotMatch(r.stderr, /not valid/);
        const doc = JSON.parse(
            (await run("review", "--base", "HEAD", "--stack", "nope", "--json")).stdout,
        );
        assert.equal(doc.error.kind, "config");
        assert.equal(doc.error.message, r.stderr.split("\n")[0].replace(/^review: /, ""));
        assert.deepEqual(doc.error.problems, [doc.error.message]);
    });

    it("review --base: the stacks of each side, when they differ", async () => {
        const file = path.join(ROOT, "stacks", "Pulumi.zz-not-at-head.yaml");
        fs.copyFileSync(path.join(ROOT, "stacks", "Pulumi.example.yaml"), file);
        try {
            const r = await run("review", "--base", "HEAD", "--stack", "nope");
            assert.equal(r.code, 2);
            assert.match(
                r.stderr,
                /\(stacks: at HEAD: [^;)]*\bexample\b[^;)]*; in the working tree: [^)]*\bzz-not-at-head\)\n/,
            );
            assert.doesNotMatch(r.stderr.split(";")[0], /zz-not-at-head/);
        } finally {
            fs.rmSync(file, { force: true });
        }
    });

    describe("an unknown command gets commander's suggestion, as an unknown option does", () => {
        for (const [argv, command, suggestion] of [
            [["audt"], "capi-mgmt-ingress", "audit"],
            [["help", "reveiw"], "capi-mgmt-ingress", "review"],
            [["cloud", "stauts"], "cloud", "status"],
            [["verify", "--jsn"], "verify", "--json"],
        ] as const) {
            it(argv.join(" "), async () => {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.match(r.stderr, new RegExp(`^${command}: unknown (command|option) `));
                assert.ok(r.stderr.includes(`\n(Did you mean ${suggestion}?)\n`), r.stderr);
                const doc = JSON.parse((await run(...argv, "--json")).stdout);
                assert.equal(doc.error.kind, "usage");
                assert.ok(doc.error.message.endsWith(`\n(Did you mean ${suggestion}?)`));
            });
        }

        it("`-- --help`: an unknown command, with no option's name offered for it", async () => {
            for (const [argv, command] of [
                [["--", "--help"], "capi-mgmt-ingress"],
                [["cloud", "--", "--help"], "cloud"],
            ] as const) {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.match(
                    r.stderr,
                    new RegExp(`^${command}: unknown command '--help'; commands: `),
                );
                assert.doesNotMatch(r.stderr, /Did you mean/);
            }
        });

        it("an option the root knows (-V) before a subcommand does not hide its unknown command", async () => {
            const r = await run("-V", "cloud", "nosuch");
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^cloud: unknown command 'nosuch'; commands: up, down, status/);
        });

        it("a name nothing resembles gets the list alone", async () => {
            const r = await run("frobnicate");
            assert.doesNotMatch(r.stderr, /Did you mean/);
        });
    });

    describe("an empty argument is named as one", () => {
        it('"" where a command goes', async () => {
            for (const argv of [[""], ["cloud", ""]]) {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.match(r.stderr, /: unknown command '' \(an empty argument\); commands: /);
            }
        });

        it('"" after the options of a subcommand that takes no argument', async () => {
            const r = await run("audit", "--stack", "example", "");
            assert.equal(r.code, 2);
            assert.equal(r.toolsLoaded, 0);
            assert.match(
                r.stderr,
                /^audit: too many arguments for 'audit'.*: '' \(an empty argument\)\n/,
            );
        });
    });

    describe("an empty --base, as an unset variable in quotes gives, is a usage error", () => {
        for (const argv of [
            ["review", "--base", "", "--stack", "example"],
            ["review", "--base=", "--changed"],
        ]) {
            it(argv.map((a) => a || '""').join(" "), async () => {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.equal(r.toolsLoaded, 0);
                assert.ok(
                    r.stderr.startsWith(
                        "review: option '--base <git-ref>' argument '' is invalid. An empty git " +
                            "ref names no commit: give a branch, tag or commit (a variable that " +
                            "is not set, quoted, gives one)\n",
                    ),
                    r.stderr,
                );
                const doc = JSON.parse((await run(...argv, "--json")).stdout);
                assert.equal(doc.error.kind, "usage");
            });
        }
    });

    it("changed-stacks: an empty --base or --head is the same usage error", function () {
        this.timeout(60000);
        for (const argv of [
            ["--base", ""],
            ["--base", "HEAD", "--head="],
        ]) {
            const r = spawnSync(
                path.join(ROOT, "node_modules", ".bin", "ts-node"),
                ["--transpile-only", path.join(ROOT, "tools", "changed-stacks.ts"), ...argv],
                { cwd: ROOT, encoding: "utf8" },
            );
            assert.equal(r.status, 2, r.stderr);
            assert.equal(r.stdout, "");
            assert.match(
                r.stderr,
                /^changed-stacks: option '--(base|head) <git-ref>' argument '' is invalid\. An empty git ref names no commit/,
            );
        }
    });

    describe("a subcommand's option before the subcommand: named as that subcommand's", () => {
        for (const [argv, command, flag, owner] of [
            [["--stack", "x", "audit"], "capi-mgmt-ingress", "--stack", "audit"],
            [["--stack=x", "verify"], "capi-mgmt-ingress", "--stack=x", "verify"],
            [["cloud", "--json", "status"], "cloud", "--json", "cloud status"],
        ] as const) {
            it(argv.join(" "), async () => {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.equal(r.toolsLoaded, 0);
                // --json before any `--` asks for the error document.
                const said = (argv as readonly string[]).includes("--json")
                    ? JSON.parse(r.stdout).error.message
                    : r.stderr.split("\n")[0].replace(`${command}: `, "");
                assert.equal(
                    said,
                    `unknown option '${flag}' (an option of '${owner}': give it after '${owner}')`,
                );
            });
        }

        it("an option no subcommand named has is unknown alone", async () => {
            const r = await run("--bogus", "audit");
            assert.equal(r.stderr.split("\n")[0], "capi-mgmt-ingress: unknown option '--bogus'");
        });
    });

    describe("a Unicode dash where '-' goes: named, with the option meant", () => {
        for (const [argv, command, arg, meant] of [
            [["audit", "--stack", "example", "\u2014json"], "audit", "\u2014json", "--json"],
            [["audit", "\u2013json"], "audit", "\u2013json", "--json"],
            [["\u2014help"], "capi-mgmt-ingress", "\u2014help", "--help"],
            [["cloud", "status", "\u2212\u2212json"], "cloud status", "\u2212\u2212json", "--json"],
        ] as const) {
            it(argv.join(" "), async () => {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.equal(r.toolsLoaded, 0);
                const code = arg.codePointAt(0)!.toString(16).toUpperCase();
                assert.ok(
                    r.stderr.startsWith(
                        `${command}: '${arg}' starts with U+${code}, not "-"; did you mean '${meant}'?\n`,
                    ),
                    r.stderr,
                );
            });
        }

        it("--help beside it still answers", async () => {
            const r = await run("audit", "\u2014json", "--help");
            assert.equal(r.code, 0);
            assert.match(r.stdout, /^Usage: capi-mgmt-ingress audit /);
        });
    });
});
