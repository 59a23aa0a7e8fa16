// The command line: help that starts nothing, exit codes, and errors as JSON.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { colorEnabled, progressOn } from "../../tools/cli/output";
import { run } from "../support/cli-run";

const ROOT = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(ROOT, "tools", "cli", "capi-mgmt-ingress.js");
const SUBCOMMANDS = ["audit", "review", "verify", "rehearse", "cloud", "bench", "schema"];
const HELP_ARGS = [
    ["--help"],
    ...SUBCOMMANDS.map((s) => [s, "--help"]),
    ["cloud", "up", "--help"],
    ["cloud", "down", "--help"],
    ["help", "audit"],
];

describe("capi-mgmt-ingress command line", () => {
    describe("--help", () => {
        for (const argv of HELP_ARGS) {
            it(`${argv.join(" ")}: usage on stdout, exit 0, no tool loaded`, async () => {
                const r = await run(...argv);
                assert.equal(r.code, 0, r.stderr);
                const command = argv[0] === "help" ? argv[1] : argv.slice(0, -1).join(" ");
                assert.match(r.stdout, new RegExp(`^Usage: capi-mgmt-ingress ${command}`.trim()));
                assert.equal(r.toolsLoaded, 0);
                assert.equal(r.stderr, "");
            });
        }

        it("lists every subcommand and the exit codes at the root", async () => {
            const { stdout } = await run("--help");
            for (const name of SUBCOMMANDS) {
                assert.match(stdout, new RegExp(`^  ${name}\\b`, "m"));
            }
            assert.match(stdout, /^ {2}2 +could not run/m);
        });

        it("through the launcher: answers without Juju, a cloud or a connection", async function () {
            this.timeout(120000);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-help-"));
            const marker = path.join(dir, "started");
            for (const tool of ["juju", "keystone", "neutron-server", "openstack", "kubectl"]) {
                fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho ${tool} >> ${marker}\n`, {
                    mode: 0o755,
                });
            }
            const connections: string[] = [];
            const server = net.createServer((s) => {
                connections.push(String(s.remoteAddress));
                s.destroy();
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            try {
                const port = (server.address() as net.AddressInfo).port;
                const env = {
                    ...process.env,
                    PATH: `${dir}:${process.env.PATH}`,
                    OS_CLOUD: "",
                    OS_AUTH_URL: `http://127.0.0.1:${port}/v3`,
                    LOCAL_CLOUD_HOST: "127.0.0.1",
                };
                const times: Record<string, number> = {};
                for (const argv of HELP_ARGS) {
                    const started = Date.now();
                    const r = spawnSync(LAUNCHER, argv, { encoding: "utf8", env, cwd: dir });
                    times[argv.join(" ")] = Date.now() - started;
                    assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stderr}`);
                    assert.match(r.stdout, /^Usage: capi-mgmt-ingress/);
                }
                assert.equal(fs.existsSync(marker), false, "a tool was started");
                assert.deepEqual(connections, []);
                // Seen, not asserted: timing belongs to `npm run bench`.
                console.log(`      help, ms: ${JSON.stringify(times)}`);
            } finally {
                server.close();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("--help and argument errors load commander and the command line only", function () {
        this.timeout(120000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-modules-"));
        const hook = path.join(dir, "hook.js");
        const list = path.join(dir, "modules.txt");
        fs.writeFileSync(
            hook,
            `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(list)}, ` +
                `Object.keys(require.cache).join("\\n")));\n`,
        );
        // sucrase compiles the command line once (kept in .cache/cli): measured after that.
        const allowed =
            /^(tools\/cli\/[^/]+|components\/config\/(stackname|credential-name)\.ts|components\/mask\.ts|tools\/rehearsal\/scenario-names\.ts|node_modules\/(commander|pirates)\/.*)$/;
        try {
            for (const argv of [["--help"], ["audit", "--help"], ["verify", "--stack", "../x"]]) {
                spawnSync(process.execPath, [LAUNCHER, ...argv], { cwd: dir });
                spawnSync(process.execPath, ["-r", hook, LAUNCHER, ...argv], { cwd: dir });
                const loaded = fs
                    .readFileSync(list, "utf8")
                    .split("\n")
                    .filter((m) => m !== hook)
                    .map((m) => path.relative(ROOT, m));
                const heavy = loaded.filter((m) => !allowed.test(m));
                assert.deepEqual(heavy, [], argv.join(" "));
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("bad arguments: exit 2", () => {
        const cases: [string[], RegExp][] = [
            [["audit", "--stack", "x", "--bogus"], /unknown option '--bogus'/],
            [["verify"], /required option '--stack <env>' not specified/],
            [["review", "--stack"], /option '--stack <env>' argument missing/],
            [
                ["bench", "nosuch"],
                /value 'nosuch' is invalid for argument 'suite'. Allowed choices are cli, discovery/,
            ],
            [["frobnicate"], /unknown command 'frobnicate'/],
            [["cloud", "sideways"], /unknown command 'sideways'/],
        ];
        for (const [argv, message] of cases) {
            it(`${argv.join(" ")}: a clear message on stderr`, async () => {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.match(r.stderr, message);
                assert.equal(r.stdout, "");
                assert.equal(r.toolsLoaded, 0);
            });
        }

        it("no subcommand: the usage on stderr", async () => {
            const r = await run();
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^Usage: capi-mgmt-ingress/);
        });

        it("with --json: the error names the subcommand, nested ones too", async () => {
            const names = async (...argv: string[]) =>
                JSON.parse((await run(...argv, "--json")).stdout).error.command;
            assert.equal(await names("cloud", "up", "--bogus"), "cloud up");
            assert.equal(await names("frobnicate"), "capi-mgmt-ingress");
            assert.equal(await names("verify"), "verify");
        });

        it("with --json: one error document on stdout, nothing on stderr", async () => {
            const r = await run("audit", "--stack", "x", "--json", "--bogus");
            assert.equal(r.code, 2);
            assert.equal(r.stderr, "");
            assert.deepEqual(JSON.parse(r.stdout), {
                error: {
                    kind: "usage",
                    command: "audit",
                    message: "unknown option '--bogus'",
                    exitCode: 2,
                },
            });
        });
    });

    describe("stack files: exit 0, or exit 2 with the error as text or JSON", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-config-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        function stackFile(values: Record<string, unknown>): string {
            const file = path.join(dir, "Pulumi.bad.yaml");
            const config = Object.fromEntries(
                Object.entries(values).map(([k, v]) => [`capi-mgmt-ingress:${k}`, v]),
            );
            fs.writeFileSync(file, stringify({ config }));
            return file;
        }

        for (const command of ["audit", "verify", "review"]) {
            it(`${command}: a bad config lists every problem`, async () => {
                const file = stackFile({ securityGroup: {}, api: { address: "10.0.0.300" } });
                const r = await run(command, "--stack", file, "--json");
                assert.equal(r.code, 2);
                assert.equal(r.stderr, "");
                const { error } = JSON.parse(r.stdout);
                assert.equal(error.kind, "config");
                assert.equal(error.command, command);
                assert.equal(error.exitCode, 2);
                const problems = (error.problems as string[]).join("\n");
                for (const key of ["securityGroup", "api.address", "conductors", "operator"]) {
                    assert.match(problems, new RegExp(`capi-mgmt-ingress:${key}: `));
                }
            });
        }

        it("review --json without --live: settings with secrets masked, the Markdown, exit 0", async () => {
            const file = stackFile({
                securityGroup: { name: "capi-mgmt-sg" },
                api: { address: "10.20.0.70" },
                conductors: { static: { addresses: ["10.20.0.71"], reason: "a test's unit" } },
                operator: { cidrs: ["203.0.113.1/32"], reason: "a test's operator" },
                verify: {
                    conductors: { enabled: false },
                    custom: [{ name: "api", command: "curl -H 'Authorization: Bearer s3cr3t'" }],
                },
            });
            const r = await run("review", "--stack", file, "--json");
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.equal(r.stdout.includes("s3cr3t"), false);
            const doc = JSON.parse(r.stdout);
            assert.equal(doc.drift, 0);
            assert.equal(doc.stacks[0].settings["securityGroup.name"], "capi-mgmt-sg");
            // Custom checks by name; their command lines are never shown.
            assert.equal(doc.stacks[0].settings["verify.custom[api].command"], "(not shown)");
            assert.equal(r.stdout.includes("curl"), false);
            assert.equal(doc.stacks[0].live, undefined);
            assert.match(doc.markdown, /^## capi-mgmt-ingress: stack `.*Pulumi\.bad\.yaml`/);
        });

        it("without --json the message goes to stderr, named by the subcommand", async () => {
            const r = await run("audit", "--stack", "no-such-env");
            assert.equal(r.code, 2);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, /^audit: no stack "no-such-env": .*Pulumi\.no-such-env\.yaml/);
        });

        it("a missing stack file is kind config", async () => {
            const r = await run("verify", "--stack", "no-such-env", "--json");
            assert.equal(r.code, 2);
            const { error } = JSON.parse(r.stdout);
            assert.equal(error.kind, "config");
            assert.match(error.message, /no stack "no-such-env"/);
            assert.deepEqual(error.problems, [error.message]);
        });
    });

    describe("progress and colour", () => {
        const stream = (isTTY: boolean) => {
            const lines: string[] = [];
            return {
                lines,
                stream: {
                    isTTY,
                    write: (chunk: string) => lines.push(chunk) > 0,
                } as unknown as NodeJS.WritableStream & { isTTY: boolean },
            };
        };

        it("is silent when stderr is not a terminal", async () => {
            const { lines, stream: s } = stream(false);
            const progress = progressOn(s, {});
            assert.equal(await progress.step("juju", async () => 7), 7);
            progress.note("x");
            assert.deepEqual(lines, []);
        });

        it("on a terminal: start, ticks while it runs, the end; no colour with NO_COLOR", async () => {
            const { lines, stream: s } = stream(true);
            const progress = progressOn(s, { NO_COLOR: "1" }, 20);
            await progress.step("listing units", () => new Promise((r) => setTimeout(r, 70)));
            assert.match(lines[0], /^· listing units …\n$/);
            assert.ok(lines.some((l) => /^· still listing units \(0\.\d s\)/.test(l)));
            assert.match(lines[lines.length - 1], /^· listing units: done in \d+\.\d s\n$/);
            assert.ok(lines.every((l) => !l.includes("\u001b[")));
        });

        it("says which step failed, and rethrows", async () => {
            const { lines, stream: s } = stream(true);
            await assert.rejects(
                progressOn(s, {}).step("juju exec", () => Promise.reject(new Error("boom"))),
                /boom/,
            );
            assert.match(lines[lines.length - 1], /juju exec: failed after/);
            assert.ok(lines[0].startsWith("\u001b[2m"), "dim on a terminal without NO_COLOR");
        });

        it("colour needs a terminal and no NO_COLOR", () => {
            assert.equal(colorEnabled({ isTTY: true }, {}), true);
            assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: "1" }), false);
            assert.equal(colorEnabled({ isTTY: false }, {}), false);
            assert.equal(colorEnabled({}, {}), false);
        });
    });
});
