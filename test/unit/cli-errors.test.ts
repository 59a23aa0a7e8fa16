// The command line's errors: worded `<subcommand>: <message>` like the tool's other errors, exit 2;
// stack names refused by Pulumi's rule; stack files that cannot be read are kind config; OS_CLOUD
// naming another cloud than the stack's is refused; an interrupted command exits 130.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { reportInterrupted } from "../../tools/cli/main";
import { captureIo, cliStackConfig, run } from "../support/cli-run";

const ROOT = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(ROOT, "tools", "cli", "capi-mgmt-ingress.js");

describe("capi-mgmt-ingress errors", () => {
    describe("argument errors: `<subcommand>: <message>` on stderr, exit 2", () => {
        const cases: [string[], string][] = [
            [["audit", "--stack", "x", "--bogus"], "audit: unknown option '--bogus'"],
            [["audit", "--bogus"], "audit: unknown option '--bogus'"],
            [["verify", "--jsn"], "verify: unknown option '--jsn'\n(Did you mean --json?)"],
            [["verify"], "verify: required option '--stack <env>' not specified"],
            [["review", "--stack"], "review: option '--stack <env>' argument missing"],
            [["bench", "nosuch"], "bench: command-argument value 'nosuch' is invalid"],
            [["cloud", "sideways"], "cloud: unknown command 'sideways'"],
            [["frobnicate"], "capi-mgmt-ingress: unknown command 'frobnicate'"],
        ];
        for (const [argv, start] of cases) {
            it(argv.join(" "), async () => {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.ok(r.stderr.startsWith(start), r.stderr);
                assert.doesNotMatch(r.stderr, /^error:/m);
                assert.match(r.stderr, /\(run "capi-mgmt-ingress .*--help" for usage\)\n$/);
                assert.equal(r.stdout, "");
                assert.equal(r.toolsLoaded, 0);
            });
        }
    });

    describe("every usage error, found by commander or after parsing, ends with the --help line", () => {
        const cases: [string[], string][] = [
            [["review"], "review: --stack <env> is required"],
            [["review", "--changed"], "review: --changed needs --base <git-ref>"],
            [
                ["review", "--changed", "--stack", "x", "--base", "main"],
                "review: option '--changed' cannot be used with option '--stack <env>'",
            ],
            [["rehearse", "--scenario", "nope"], "rehearse: "],
            [["audit", "--bogus"], "audit: unknown option '--bogus'"],
            [["cloud", "up", "--bogus"], "cloud up: unknown option '--bogus'"],
            [["bench"], "bench: missing required argument 'suite'"],
        ];
        for (const [argv, start] of cases) {
            it(argv.join(" "), async () => {
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.ok(r.stderr.startsWith(start), r.stderr);
                const help = `(run "capi-mgmt-ingress ${argv[0] === "cloud" ? "cloud up" : argv[0]} --help" for usage)\n`;
                assert.ok(r.stderr.endsWith(help), r.stderr);
                assert.equal(r.stdout, "");
                const doc = JSON.parse((await run(...argv, "--json")).stdout);
                assert.equal(doc.error.kind, "usage");
                assert.equal(doc.error.exitCode, 2);
            });
        }
    });

    describe("--stack and --against take stack names by Pulumi's rule", () => {
        for (const argv of [
            ["audit", "--stack", "../x"],
            ["verify", "--stack", "a/b"],
            ["review", "--stack", "prod", "--against", "../../etc/passwd"],
        ]) {
            it(argv.join(" "), async () => {
                const value = argv[argv.length - 1];
                const r = await run(...argv);
                assert.equal(r.code, 2);
                assert.equal(r.toolsLoaded, 0, "refused before any tool loads");
                assert.ok(r.stderr.startsWith(`${argv[0]}: option '--`), r.stderr);
                assert.match(r.stderr, /is not a stack name: Pulumi stack names are 1 to 100/);
                assert.equal(r.stderr.includes(`Pulumi.${value}.yaml`), false, "no made-up path");
                const doc = JSON.parse((await run(...argv, "--json")).stdout);
                assert.equal(doc.error.kind, "usage");
                assert.equal(doc.error.command, argv[0]);
            });
        }
    });

    describe("stack files", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-errors-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const stackFile = (config: Record<string, unknown>) => {
            const file = path.join(dir, "Pulumi.t.yaml");
            fs.writeFileSync(file, stringify({ config }));
            return file;
        };

        it("a directory named like a stack file is kind config, naming the path", async () => {
            const folder = path.join(dir, "folder.yaml");
            fs.mkdirSync(folder);
            const r = await run("audit", "--stack", folder, "--json");
            assert.equal(r.code, 2);
            const { error } = JSON.parse(r.stdout);
            assert.equal(error.kind, "config");
            assert.match(error.message, /folder\.yaml is not a file; expected a stack file/);
        });

        it("a secure: value and duplicate keys are kind config, naming the file", async () => {
            const secure = stackFile({ "capi-mgmt-ingress:cloud": { secure: "AAABAMv4lu3" } });
            const a = JSON.parse((await run("audit", "--stack", secure, "--json")).stdout);
            assert.equal(a.error.kind, "config");
            assert.match(
                a.error.message,
                /capi-mgmt-ingress:cloud is a secret at [^ ]*Pulumi\.t\.yaml:\d+:\d+; expected/,
            );
            assert.equal(a.error.message.includes("AAABAMv4lu3"), false);

            fs.writeFileSync(secure, "config:\n  a: 1\n  a: v4lu3\n");
            const r = await run("verify", "--stack", secure, "--json");
            assert.equal(r.code, 2);
            const { error } = JSON.parse(r.stdout);
            assert.equal(error.kind, "config");
            assert.deepEqual(error.problems, [
                `${secure}:3:3: not valid YAML: duplicate key a (DUPLICATE_KEY); a key may appear once in its mapping: keep one`,
            ]);
            assert.equal(r.stdout.includes("v4lu3"), false);
        });

        /** Runs `work` with OS_CLOUD and OS_CLIENT_CONFIG_FILE set, the OS_* variables cleared. */
        async function withCloudEnv(osCloud: string, clouds: string, work: () => Promise<void>) {
            const saved = { ...process.env };
            for (const key of Object.keys(process.env).filter((k) => k.startsWith("OS_"))) {
                delete process.env[key];
            }
            Object.assign(process.env, { OS_CLOUD: osCloud, OS_CLIENT_CONFIG_FILE: clouds });
            try {
                await work();
            } finally {
                for (const key of Object.keys(process.env).filter((k) => k.startsWith("OS_"))) {
                    delete process.env[key];
                }
                Object.assign(process.env, saved);
            }
        }
        const cloudsFile = () => {
            const file = path.join(dir, "clouds.yaml");
            const auth = { auth_url: "http://127.0.0.1:9/v3", username: "u", password: "p" };
            fs.writeFileSync(file, stringify({ clouds: { prod: { auth }, lab: { auth } } }));
            return file;
        };

        it("OS_CLOUD naming another cloud than the stack's: kind config, naming both, the clouds and files", async () => {
            const file = stackFile(cliStackConfig("prod"));
            const clouds = cloudsFile();
            await withCloudEnv("staging", clouds, async () => {
                for (const command of ["audit", "verify"]) {
                    const r = await run(command, "--stack", file, "--json");
                    assert.equal(r.code, 2, r.stdout);
                    const { error } = JSON.parse(r.stdout);
                    assert.equal(error.kind, "config");
                    assert.equal(error.exitCode, 2);
                    assert.deepEqual(error.problems, [error.message]);
                    assert.match(
                        error.message,
                        /^OS_CLOUD is "staging" but the stack config's cloud is "prod": the openstack provider .* takes OS_CLOUD's cloud "staging", while this tool .* reads cloud "prod"; clouds found: prod, lab; files read: (\S+); expected OS_CLOUD unset or "prod"$/,
                    );
                    assert.ok(error.message.includes(`files read: ${clouds};`), error.message);
                }
            });
        });

        it("OS_CLOUD naming a cloud clouds.yaml lacks: kind config, the clouds found and files read", async () => {
            const file = stackFile(cliStackConfig(""));
            const clouds = cloudsFile();
            await withCloudEnv("staging", clouds, async () => {
                const r = await run("audit", "--stack", file, "--json");
                assert.equal(r.code, 2, r.stdout);
                const { error } = JSON.parse(r.stdout);
                assert.equal(error.kind, "config");
                assert.equal(
                    error.message,
                    `Cloud "staging" is not in ${clouds} (named by OS_CLOUD); clouds found: ` +
                        `prod, lab; files read: ${clouds}; expected OS_CLOUD unset or one of: prod, lab`,
                );
                const text = await run("audit", "--stack", file);
                assert.equal(text.code, 2);
                assert.equal(text.stderr, `audit: ${error.message}\n`);
            });
        });

        it("review without --live: a source the preview refuses is kind config, not exit 0", async () => {
            const wide: Record<string, unknown> = cliStackConfig("");
            wide["capi-mgmt-ingress:operator"] = {
                cidrs: ["0.0.0.0/0"],
                reason: "a test's operator",
            };
            const r = await run("review", "--stack", stackFile(wide), "--json");
            assert.equal(r.code, 2, r.stdout);
            const { error } = JSON.parse(r.stdout);
            assert.equal(error.kind, "config");
            assert.deepEqual(error.problems, [
                "allow-set: operator source 0.0.0.0/0 (config operator.cidrs[0]: a test's operator) " +
                    "admits every address; it can never be allowed on a protected port",
            ]);
            wide["capi-mgmt-ingress:operator"] = {
                cidrs: ["10.0.0.0/8"],
                reason: "a test's operator",
            };
            const text = await run("review", "--stack", stackFile(wide));
            assert.equal(text.code, 2);
            assert.match(text.stderr, /^review: The stack config is not valid/);
            assert.match(text.stderr, /operator source 10\.0\.0\.0\/8 .* is wider than \/16/);
            wide["capi-mgmt-ingress:waivers"] = [
                { cidr: "10.0.0.0/8", reason: "the lab on purpose" },
            ];
            assert.equal((await run("review", "--stack", stackFile(wide))).code, 0, "waived");
        });

        it("interrupted: exit 130, `<subcommand>: interrupted` (through the launcher)", async function () {
            this.timeout(120000);
            // A Keystone that accepts the connection and never answers: the audit waits on it.
            const sockets: net.Socket[] = [];
            let connected: () => void = () => undefined;
            const seen = new Promise<void>((resolve) => (connected = resolve));
            const server = net.createServer((s) => {
                sockets.push(s);
                connected();
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            try {
                const port = (server.address() as net.AddressInfo).port;
                const clouds = path.join(dir, "clouds.yaml");
                fs.writeFileSync(
                    clouds,
                    stringify({
                        clouds: {
                            hang: {
                                auth: {
                                    auth_url: `http://127.0.0.1:${port}/v3`,
                                    username: "u",
                                    password: "p",
                                    project_name: "p",
                                    user_domain_name: "Default",
                                    project_domain_name: "Default",
                                },
                            },
                        },
                    }),
                );
                const file = stackFile(cliStackConfig("hang"));
                const env = Object.fromEntries(
                    Object.entries(process.env).filter(([k]) => !k.startsWith("OS_")),
                );
                const child = spawn(LAUNCHER, ["audit", "--stack", file], {
                    cwd: dir,
                    env: { ...env, OS_CLIENT_CONFIG_FILE: clouds },
                });
                let stderr = "";
                child.stderr.on("data", (d) => (stderr += d));
                const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
                await Promise.race([seen, exited]);
                child.kill("SIGINT");
                assert.equal(await exited, 130, stderr);
                assert.equal(stderr, "audit: interrupted (SIGINT)\n");
            } finally {
                sockets.forEach((s) => s.destroy());
                server.close();
            }
        });
    });

    it("interrupted with --json: the error document, exit code 130", () => {
        const { io, out } = captureIo();
        assert.equal(reportInterrupted(["cloud", "up", "--json"], io, "SIGTERM"), 130);
        assert.deepEqual(JSON.parse(out.stdout), {
            error: {
                kind: "interrupted",
                command: "cloud up",
                message: "interrupted (SIGTERM)",
                exitCode: 130,
            },
        });
        assert.equal(out.stderr, "");
    });

    it("--stack followed by another option is a usage error, not a stack named after it", async () => {
        const r = await run("audit", "--stack", "--json");
        assert.equal(r.code, 2);
        // The argument list holds --json, so the error is the JSON document.
        const { error } = JSON.parse(r.stdout);
        assert.equal(error.kind, "usage");
        assert.equal(
            error.message,
            "option '--stack <env>' argument missing ('--json' is an option, not its value)",
        );
        assert.equal(r.toolsLoaded, 0, "refused before any tool loads");
    });

    it("an empty or unknown --scenario is a usage error, not the default rehearsal", async () => {
        for (const name of ["", "Second-Group"]) {
            const r = await run("rehearse", "--scenario", name, "--json");
            assert.equal(r.code, 2, r.stderr);
            const doc = JSON.parse(r.stdout);
            assert.equal(doc.error.kind, "usage");
            assert.match(
                doc.error.message,
                new RegExp(`unknown scenario "${name}"; expected one of`),
            );
            assert.equal(r.toolsLoaded, 0, "refused while the options are read");
        }
    });

    it("a value refused on its own comes before an unknown option, for every validated option", async () => {
        for (const argv of [
            ["audit", "--stack", "../x", "--bogus"],
            ["review", "--against", "../x", "--stack", "a", "--bogus"],
            ["rehearse", "--scenario", "nope", "--bogus"],
        ]) {
            const r = await run(...argv);
            assert.equal(r.code, 2, r.stderr);
            assert.match(
                r.stderr,
                /^[a-z]+: option '--[a-z]+ <[a-z]+>' argument '[^']+' is invalid/,
            );
            assert.equal(r.toolsLoaded, 0);
        }
    });

    it("--help lists exit code 130", async () => {
        for (const argv of [["--help"], ["audit", "--help"]]) {
            assert.match((await run(...argv)).stdout, /^ {2}130 {2}interrupted/m);
        }
    });
});
