// An option taking a value followed by another option (`review --base -x`, `--base --help`) or
// by nothing is a usage error, worded and shaped like every other one, before anything loads;
// `--help` given as an option answers whatever else the line holds; after `--`, `--json` and
// `--help` are operands.
import * as assert from "node:assert/strict";
import { run } from "../support/cli-run";

const RUN_HELP = (command: string) => `(run "capi-mgmt-ingress ${command} --help" for usage)\n`;

describe("capi-mgmt-ingress: an option missing its value", () => {
    for (const [argv, flags, instead] of [
        [["review", "--base", "-x"], "--base <git-ref>", "-x"],
        [["review", "--base", "--help"], "--base <git-ref>", "--help"],
        [["review", "--base", "-x", "--changed"], "--base <git-ref>", "-x"],
        [["review", "--stack", "-x"], "--stack <env>", "-x"],
        [["review", "--stack", "a", "--against", "-h"], "--against <env>", "-h"],
        [["rehearse", "--scenario", "--json"], "--scenario <name>", "--json"],
    ] as const) {
        it(`${argv.join(" ")}: a usage error with the --help line, exit 2, nothing loaded`, async () => {
            const r = await run(...argv);
            assert.equal(r.code, 2, r.stderr);
            const message = `option '${flags}' argument missing ('${instead}' is an option, not its value)`;
            if ((argv as readonly string[]).includes("--json")) {
                assert.deepEqual(JSON.parse(r.stdout), {
                    error: { kind: "usage", command: argv[0], message, exitCode: 2 },
                });
            } else {
                assert.equal(r.stderr, `${argv[0]}: ${message}\n${RUN_HELP(argv[0])}`);
                assert.equal(r.stdout, "");
            }
            assert.equal(r.toolsLoaded, 0);
        });
    }

    it("with --json: the usage document, as for a repeated option", async () => {
        for (const argv of [
            ["review", "--stack", "-x", "--json"],
            ["review", "--base", "-x", "--json"],
            ["review", "--stack", "a", "--stack", "b", "--json"],
        ]) {
            const r = await run(...argv);
            assert.equal(r.code, 2);
            const { error } = JSON.parse(r.stdout);
            assert.equal(error.kind, "usage", argv.join(" "));
            assert.equal(r.stderr, "");
        }
    });

    it("missing at the end, and before a repetition: reported first", async () => {
        for (const argv of [
            ["audit", "--stack", "a", "--stack"],
            ["audit", "--stack", "a", "--stack", "b", "--stack", "-x"],
        ]) {
            const r = await run(...argv);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^audit: option '--stack <env>' argument missing/);
        }
    });
});

describe("capi-mgmt-ingress: --help anywhere answers, exit 0, nothing loaded", () => {
    for (const argv of [
        ["review", "--stack", "a", "--stack", "b", "--help"],
        ["review", "--help", "--stack", "a", "--stack", "b"],
        ["review", "--stack", "a", "--base", "-x", "-h"],
        ["audit", "--stack", "a", "--help", "--stack"],
        ["audit", "--stack", "../x", "--help"],
        ["rehearse", "--scenario", "nope", "--scenario", "nope", "--help", "--json"],
    ]) {
        it(argv.join(" "), async () => {
            const r = await run(...argv);
            assert.equal(r.code, 0, r.stderr);
            assert.match(
                r.stdout,
                new RegExp(`^Usage: capi-mgmt-ingress ${argv[0]} \\[options\\]`),
            );
            assert.equal(r.stderr, "");
            assert.equal(r.toolsLoaded, 0);
        });
    }
});

describe("capi-mgmt-ingress: after --, --json is an operand", () => {
    it("review --stack a -- --json: the error as text, not the JSON document", async () => {
        const r = await run("review", "--stack", "a", "--", "--json");
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^review: too many arguments for 'review'/);
        assert.ok(r.stderr.endsWith(RUN_HELP("review")), r.stderr);
    });

    it("after --, --help is an operand too, even after an unknown option", async () => {
        for (const argv of [
            ["review", "--stack", "a", "--", "--help"],
            ["review", "--bogus", "--", "--help"],
            ["schema", "--bogus", "--", "-h"],
        ]) {
            const r = await run(...argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.equal(r.stdout, "");
            assert.match(r.stderr, /^[a-z]+: (too many arguments|unknown option '--bogus')/);
        }
    });

    it("at the root, and in a command with subcommands, too: the option before -- is refused", async () => {
        for (const [argv, command, message] of [
            [["--stack", "--", "--help"], "capi-mgmt-ingress", "unknown option '--stack'"],
            [["--bogus", "--", "-h"], "capi-mgmt-ingress", "unknown option '--bogus'"],
            [["cloud", "--bogus", "--", "--help"], "cloud", "unknown option '--bogus'"],
        ] as const) {
            const r = await run(...argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.equal(r.stdout, "");
            const help = command === "capi-mgmt-ingress" ? "" : `${command} `;
            assert.equal(
                r.stderr,
                `${command}: ${message}\n(run "capi-mgmt-ingress ${help}--help" for usage)\n`,
            );
            assert.equal(r.toolsLoaded, 0);
        }
    });

    it("a -- taken as an option's value still ends the options: the value is missing", async () => {
        const r = await run("audit", "--stack", "--", "--help");
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.match(
            r.stderr,
            /^audit: option '--stack <env>' argument missing \('--' is an option, not its value\)\n/,
        );
    });

    it("before --, it still switches errors to JSON", async () => {
        const r = await run("review", "--stack", "a", "--json", "--", "x");
        assert.equal(r.code, 2);
        assert.equal(JSON.parse(r.stdout).error.kind, "usage");
    });
});
