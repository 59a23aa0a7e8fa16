// Every subcommand's --help documents the exit codes; an unknown command is named however help is
// asked for; the README's benchmark list is the suites `bench` runs, so neither can drift.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { benchSuites } from "../../tools/bench";
import { main } from "../../tools/cli/main";
import { captureIo, run } from "../support/cli-run";

const ROOT = path.join(__dirname, "..", "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The subcommand paths the root's help lists, nested ones (`cloud up`) included. */
async function subcommands(prefix: string[] = []): Promise<string[][]> {
    const help = (await run(...prefix, "--help")).stdout;
    const section = help.split(/\nCommands:\n/)[1]?.split(/\n\n/)[0] ?? "";
    const names = [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
        .map((m) => m[1])
        .filter((n) => n !== "help");
    const paths: string[][] = [];
    for (const name of names) {
        paths.push([...prefix, name], ...(await subcommands([...prefix, name])));
    }
    return paths;
}

describe("capi-mgmt-ingress help", () => {
    it("every subcommand's --help lists exit codes 0, 1, 2 and 130, and starts nothing", async () => {
        const paths = await subcommands();
        assert.ok(paths.length >= 10, paths.map((p) => p.join(" ")).join(", "));
        for (const argv of [[], ...paths]) {
            for (const asked of [
                [...argv, "--help"],
                ["help", ...argv],
            ]) {
                const r = await run(...asked);
                const name = asked.join(" ");
                assert.equal(r.code, 0, name);
                assert.equal(r.toolsLoaded, 0, name);
                const codes = r.stdout.split("\nExit codes:\n")[1];
                assert.ok(codes !== undefined, `${name}: no exit-code section`);
                for (const code of ["0", "1", "2", "130"]) {
                    assert.match(codes, new RegExp(`^ {2}${code} +\\S`, "m"), `${name}: ${code}`);
                }
            }
        }
    });

    it("help asked of a command with subcommands answers, as the commands list it", async () => {
        for (const [asked, usage] of [
            [["cloud", "help"], "Usage: capi-mgmt-ingress cloud [options] [command]"],
            [["cloud", "help", "status"], "Usage: capi-mgmt-ingress cloud status [options]"],
        ] as const) {
            const r = await run(...asked);
            assert.equal(r.code, 0, asked.join(" "));
            assert.equal(r.toolsLoaded, 0, asked.join(" "));
            assert.ok(r.stdout.startsWith(usage), `${asked.join(" ")}: ${r.stdout.slice(0, 80)}`);
        }
    });

    it("review --help says when the review exits 1: the preview would refuse", async () => {
        const { stdout } = await run("review", "--help");
        assert.match(stdout, /exit 1 when, with --live, the preview would refuse/);
    });

    describe("--json: the help that describes it and the options accepted agree", () => {
        it("every subcommand whose help describes --json lists it among its options", async () => {
            for (const argv of await subcommands()) {
                const help = (await run(...argv, "--help")).stdout;
                if (/\nCommands:\n/.test(help) || !help.includes("--json")) {
                    continue;
                }
                const options = help.split(/\nOptions:\n/)[1]?.split(/\n\n/)[0] ?? "";
                assert.match(options, /^ {2}--json\b/m, `${argv.join(" ")} --help`);
            }
        });

        // The tools are not loaded here: an accepted --json gets the error document of a run.
        for (const argv of [
            ["cloud", "status", "--json"],
            ["cloud", "up", "--json"],
            ["bench", "cli", "--json"],
            ["schema", "--check", "--json"],
            ["audit", "--stack", "example", "--json"],
        ]) {
            it(argv.join(" "), async () => {
                const { io, out } = captureIo();
                io.loadTools = () => {
                    throw new Error("tools not loaded in this test");
                };
                const code = await main(argv, io);
                assert.equal(code, 2);
                const doc = JSON.parse(out.stdout);
                assert.equal(doc.error.kind, "run", out.stdout);
                assert.equal(doc.error.message, "tools not loaded in this test");
                assert.equal(out.stderr, "");
            });
        }
    });

    describe("an unknown command: named, the commands listed, exit 2", () => {
        const cases: [string[], string, string][] = [
            [["help", "nosuch"], "capi-mgmt-ingress", "audit, review, verify, rehearse, cloud"],
            [["nosuch", "--help"], "capi-mgmt-ingress", "audit, review, verify, rehearse, cloud"],
            [["nosuch", "-h"], "capi-mgmt-ingress", "audit, review, verify, rehearse, cloud"],
            [["help", "cloud", "sideways"], "cloud", "up, down, status"],
            [["cloud", "sideways", "--help"], "cloud", "up, down, status"],
        ];
        for (const [argv, command, listed] of cases) {
            const name = argv[argv.indexOf("help") === 0 ? argv.length - 1 : argv.length - 2];
            it(argv.join(" "), async () => {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.equal(r.stdout, "", "no help on stdout");
                assert.ok(
                    r.stderr.startsWith(`${command}: unknown command '${name}'; commands: `),
                    r.stderr,
                );
                assert.ok(r.stderr.includes(listed), r.stderr);
                assert.equal(r.toolsLoaded, 0);

                const doc = JSON.parse((await run(...argv, "--json")).stdout);
                assert.equal(doc.error.kind, "usage");
                assert.equal(doc.error.command, command);
                assert.equal(doc.error.exitCode, 2);
                assert.match(
                    doc.error.message,
                    new RegExp(`^unknown command '${name}'; commands: `),
                );
            });
        }

        it("known commands still answer: help audit, help cloud up", async () => {
            for (const argv of [
                ["help", "audit"],
                ["help", "cloud", "up"],
            ]) {
                const r = await run(...argv);
                assert.equal(r.code, 0, argv.join(" "));
                assert.match(r.stdout, /^Usage: capi-mgmt-ingress /);
            }
        });
    });

    it("the README lists every bench suite, each with what it measures and its target", () => {
        const section = README.split(/^### Benchmarks\n/m)[1]?.split(/^#/m)[0];
        assert.ok(section !== undefined, "README has a Benchmarks section");
        const rows = [...section.matchAll(/^\| `([a-z-]+)` +\| ([^|]+)\| ([^|]+)\|$/gm)];
        assert.deepEqual(rows.map((r) => r[1]).sort(), Object.keys(benchSuites).sort());
        for (const [, suite, measures, target] of rows) {
            assert.ok(measures.trim().length > 20, `${suite}: what it measures`);
            assert.ok(target.trim().length > 5, `${suite}: its target`);
        }
        // The usage line names them too.
        const usage = README.match(/`bench <([^>]+)>\.\.\.`/);
        assert.ok(usage, "README's bench usage line");
        assert.deepEqual(usage[1].split("\\|").sort(), Object.keys(benchSuites).sort());
    });

    it("the README's command-line table names every option of every subcommand", async () => {
        const table = README.split(/^\| subcommand +\|/m)[1]?.split(/\n\n/)[0] ?? "";
        for (const argv of await subcommands()) {
            const help = (await run(...argv, "--help")).stdout;
            if (/\nCommands:\n/.test(help)) {
                continue;
            }
            const rows = table
                .split("\n")
                .filter((row) => new RegExp(`\`${argv.join(" ")}[\` ]`).test(row));
            const options = help.split(/\nOptions:\n/)[1]?.split(/\n\n/)[0] ?? "";
            for (const [option] of options.matchAll(/--[a-z-]+/g)) {
                if (option !== "--help") {
                    assert.ok(
                        rows.some((row) => row.includes(option)),
                        `${argv.join(" ")} ${option}`,
                    );
                }
            }
        }
    });

    it("bench accepts exactly the suites the code knows", async () => {
        const help = (await run("bench", "--help")).stdout.replace(/\s+/g, " ");
        const choices = help.match(/choices: ([^)]+)\)/)?.[1];
        assert.deepEqual(
            choices
                ?.split(", ")
                .map((c) => c.replace(/"/g, ""))
                .sort(),
            Object.keys(benchSuites).sort(),
        );
    });

    describe("the README's commands", () => {
        it("run npm scripts the package has", () => {
            const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"))
                .scripts as Record<string, string>;
            const used = [...README.matchAll(/npm run(?: -s)? ([a-z][a-z:-]*)/g)].map((m) => m[1]);
            assert.ok(used.length > 10);
            for (const name of used) {
                assert.ok(name in scripts, `npm run ${name}`);
            }
        });

        it("say below the set-up commands how long npm test takes, and how to run unit tests alone", () => {
            const setup = README.split(/^## Set-up\n/m)[1]?.split(/^## /m)[0] ?? "";
            const [commands, after] = setup.split(/^```sh\n/m)[1]?.split(/^```\n/m) ?? [];
            assert.deepEqual(
                commands?.split("\n").map((l) => l.replace(/ +#.*$/, "")),
                ["npm run setup:debian && npm ci && npm run rehearse", "npm test", ""],
            );
            // An operator with 2 cores should know before starting it; the unit tests take minutes.
            const note = after?.trim().split("\n\n")[0].replace(/\n/g, " ") ?? "";
            assert.match(note, /^`npm test` takes \d+ to \d+ minutes on a 2-core machine/);
            assert.match(note, /`npm run test:unit`/);
        });

        it("run JSON through npm silent (-s): npm's banner would go to stdout first", () => {
            const lines = README.split("\n").filter((l) => /npm run .*(--json|\bbench\b)/.test(l));
            assert.ok(lines.length >= 2, lines.join("\n"));
            for (const line of lines) {
                assert.doesNotMatch(line, /npm run (?!-s )[a-z:-]+ --/, line);
            }
        });

        it("show no live command on the rehearsal stack, whose Juju stand-in answers only during a rehearsal", () => {
            const commands = README.split("\n").map((line) => line.replace(/#.*$/, ""));
            for (const line of commands) {
                assert.doesNotMatch(line, /(audit|verify)\b.*--stack rehearsal/, line);
                assert.doesNotMatch(
                    line,
                    /--stack rehearsal.*--live|--live.*--stack rehearsal/,
                    line,
                );
            }
        });

        it("the Juju stand-in outside a rehearsal says it is not running and how to start it", () => {
            const juju = path.join(ROOT, "tools", "rehearsal", "shims", "juju");
            const r = spawnSync(juju, ["status", "magnum", "--format=json"], {
                encoding: "utf8",
                env: {
                    ...process.env,
                    REHEARSAL_TOPOLOGY: path.join(ROOT, "no-such-topology.json"),
                },
            });
            assert.equal(r.status, 1);
            assert.match(r.stderr, /^ERROR the rehearsal is not running: .*`npm run rehearse`/);
        });
    });
});
