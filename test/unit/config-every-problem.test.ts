// A stack file with several independent problems (credentials in plain text, a secret where none
// is taken, an unknown key, a wrong type) gets every one reported in one run, each naming its key,
// by every tool that checks it and by the program, with nothing declared; the planted credential
// values never appear in any output, stdout or stderr, --json or not.
import "../support/program";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/config/schema";
import { main as programMain } from "../../components/program";
import { registered, reset } from "../../tools/mock/runtime";
import { run } from "../support/cli-run";

const ROOT = path.resolve(__dirname, "..", "..");
const NS = "capi-mgmt-ingress";
const PLANTED = ["pl4nted-check-env-pw", "pl4nted-provider-pw", "AAAApl4ntedCiphertext"];

const STACK = [
    "config:",
    `  ${NS}:cloud:`,
    `    secure: ${PLANTED[2]}`,
    `  ${NS}:securityGroup: { name: capi-mgmt-sg }`,
    `  ${NS}:api: { address: 10.20.0.70 }`,
    `  ${NS}:conductors: { static: { addresses: [10.20.0.71], reason: a test's unit } }`,
    `  ${NS}:operator: { cidrs: [203.0.113.1/32], reason: a test's operator }`,
    `  ${NS}:protectedPorts: not-a-list`,
    `  ${NS}:bogusKey: 1`,
    `  ${NS}:verify:`,
    "    conductors: { enabled: false }",
    "    custom:",
    "      - name: smoke",
    "        command: exit 0",
    "        env:",
    `          OS_PASSWORD: ${PLANTED[0]}`,
    `  openstack:password: ${PLANTED[1]}`,
    "",
].join("\n");

/** One pattern per problem: each names its key. */
const EXPECTED = [
    /^openstack:password is a credential in plain text \(at \S+:17:3\)/,
    /^capi-mgmt-ingress:cloud is a secret at \S+:3:5; expected a plain value/,
    /^capi-mgmt-ingress:verify\.custom\[0\]\.env\.OS_PASSWORD is named like a credential but is plain text/,
    /^capi-mgmt-ingress: unknown key bogusKey; remove it$/,
    /^capi-mgmt-ingress:protectedPorts: expected array, got string/,
];

function assertEveryProblem(problems: string[]): void {
    for (const pattern of EXPECTED) {
        assert.equal(
            problems.filter((p) => pattern.test(p)).length,
            1,
            `${pattern} once in:\n${problems.join("\n")}`,
        );
    }
    assert.equal(problems.length, EXPECTED.length, problems.join("\n"));
}

function assertNothingPlanted(text: string): void {
    for (const value of PLANTED) {
        assert.equal(text.includes(value), false, `${value} printed`);
    }
}

describe("the config check reports every problem of a stack file in one run", function () {
    this.timeout(60_000);
    let dir: string;
    let file: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "every-problem-"));
        file = path.join(dir, "Pulumi.t.yaml");
        fs.writeFileSync(file, STACK);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const command of ["audit", "verify", "review"]) {
        it(`${command}: kind config, exit 2, every problem named, no planted value`, async () => {
            const j = await run(command, "--stack", file, "--json");
            assert.equal(j.code, 2, j.stdout);
            assertNothingPlanted(j.stdout + j.stderr);
            const { error } = JSON.parse(j.stdout);
            assert.equal(error.kind, "config");
            assertEveryProblem(error.problems);
            // A tool that declares nothing says what is true for it; one that only reads, nothing.
            const refused = `The stack config is not valid${command === "verify" ? "; no check was run" : ""}:\n`;
            assert.ok(error.message.startsWith(refused), error.message);

            const t = await run(command, "--stack", file);
            assert.equal(t.code, 2);
            assert.equal(t.stdout, "");
            assertNothingPlanted(t.stderr);
            assert.ok(t.stderr.startsWith(`${command}: ${refused}`), t.stderr);
            assert.doesNotMatch(t.stderr, /declared|changed/);
            assertEveryProblem(
                t.stderr
                    .split("\n")
                    .filter((l) => l.startsWith("  - "))
                    .map((l) => l.slice(4)),
            );
        });
    }

    it("review --against: both stacks checked, every problem of each named with its stack", async () => {
        const other = path.join(dir, "Pulumi.other.yaml");
        fs.writeFileSync(other, STACK.replace("bogusKey", "otherKey"));
        for (const args of [[], ["--json"]]) {
            const r = await run("review", "--stack", file, "--against", other, ...args);
            assert.equal(r.code, 2, r.stdout);
            assertNothingPlanted(r.stdout + r.stderr);
            assert.match(
                args.length ? JSON.parse(r.stdout).error.message : r.stderr,
                /The stack config is not valid:\n/,
            );
            const problems: string[] = args.length
                ? JSON.parse(r.stdout).error.problems
                : r.stderr
                      .split("\n")
                      .filter((l) => l.startsWith("  - "))
                      .map((l) => l.slice(4));
            const of = (stack: string) =>
                problems
                    .filter((p) => p.startsWith(`stack ${stack}: `))
                    .map((p) => p.slice(`stack ${stack}: `.length));
            assertEveryProblem(of(file));
            const others = of(other);
            assert.equal(others.length, EXPECTED.length, others.join("\n"));
            assert.ok(others.includes("capi-mgmt-ingress: unknown key otherKey; remove it"));
            assert.equal(problems.length, 2 * EXPECTED.length);
        }
    });

    it("a check secret the environment lacks is named beside an unknown key", async () => {
        const other = path.join(dir, "Pulumi.env.yaml");
        fs.writeFileSync(
            other,
            STACK.replace(`    secure: ${PLANTED[2]}`, "    lab")
                .replace(`  openstack:password: ${PLANTED[1]}\n`, "")
                .replace(`${NS}:protectedPorts: not-a-list`, `${NS}:protectedPorts: [6443, 22]`)
                .replace(`OS_PASSWORD: ${PLANTED[0]}`, `OS_PASSWORD: { secure: ${PLANTED[2]} }`),
        );
        const saved = process.env.OS_PASSWORD;
        delete process.env.OS_PASSWORD;
        const r = await run("audit", "--stack", other, "--json");
        if (saved !== undefined) {
            process.env.OS_PASSWORD = saved;
        }
        assert.equal(r.code, 2, r.stdout);
        assertNothingPlanted(r.stdout + r.stderr);
        const { error } = JSON.parse(r.stdout);
        assert.equal(error.problems.length, 2, error.problems.join("\n"));
        assert.match(
            error.problems[0],
            /verify\.custom\[0\]\.env\.OS_PASSWORD is a Pulumi secret .* export OS_PASSWORD/,
        );
        assert.match(error.problems[1], /^capi-mgmt-ingress: unknown key bogusKey; remove it$/);
    });

    it("policy:config: exit 2, every problem named, no planted value", () => {
        const r = spawnSync(
            path.join(ROOT, "node_modules", ".bin", "ts-node"),
            ["--transpile-only", path.join(ROOT, "tools", "policy-config.ts"), "--stack", file],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assertNothingPlanted(r.stderr);
        assert.ok(
            r.stderr.startsWith(
                "policy:config: The stack config is not valid; nothing was printed:\n",
            ),
            r.stderr,
        );
        assertEveryProblem(
            r.stderr
                .split("\n")
                .filter((l) => l.startsWith("  - "))
                .map((l) => l.slice(4)),
        );
    });

    it("the program: every problem in one ConfigError, nothing declared", async () => {
        reset();
        // What the engine hands the program for the same file (secure values decrypted).
        pulumi.runtime.setAllConfig(
            {
                [`${NS}:cloud`]: "decrypted-cloud",
                [`${NS}:securityGroup`]: '{"name":"capi-mgmt-sg"}',
                [`${NS}:api`]: '{"address":"10.20.0.70"}',
                [`${NS}:conductors`]:
                    '{"static":{"addresses":["10.20.0.71"],"reason":"a test\'s unit"}}',
                [`${NS}:operator`]: '{"cidrs":["203.0.113.1/32"],"reason":"a test\'s operator"}',
                [`${NS}:protectedPorts`]: "not-a-list",
                [`${NS}:bogusKey`]: "1",
                [`${NS}:verify`]: JSON.stringify({
                    conductors: { enabled: false },
                    custom: [
                        { name: "smoke", command: "exit 0", env: { OS_PASSWORD: PLANTED[0] } },
                    ],
                }),
                "openstack:password": PLANTED[1],
            },
            [`${NS}:cloud`],
        );
        try {
            await assert.rejects(programMain(), (err: unknown) => {
                assert.ok(err instanceof ConfigError, String(err));
                assertNothingPlanted(err.message);
                // The program is what declares: there it is true that nothing was.
                assert.match(
                    err.message,
                    /^The stack config is not valid; nothing was declared:\n/,
                );
                const problems = err.problems;
                assert.equal(problems.length, EXPECTED.length, problems.join("\n"));
                for (const key of [
                    "openstack:password is a credential in plain text",
                    `${NS}:cloud is a secret; it is not verify`,
                    `${NS}:verify.custom[0].env.OS_PASSWORD is named like a credential`,
                    `${NS}: unknown key bogusKey`,
                    `${NS}:protectedPorts: expected array, got string`,
                ]) {
                    assert.equal(problems.filter((p) => p.startsWith(key)).length, 1, key);
                }
                return true;
            });
            assert.deepEqual(registered, [], "nothing declared");
        } finally {
            pulumi.runtime.setAllConfig({}, []);
        }
    });
    it("the program: a key refused as a secret is not checked further, its value never shown", async () => {
        // Its decrypted value would show in the checks across keys: ports not among protectedPorts.
        const planted = "7443";
        pulumi.runtime.setAllConfig(
            {
                [`${NS}:securityGroup`]: '{"name":"capi-mgmt-sg"}',
                [`${NS}:api`]: '{"address":"10.20.0.70"}',
                [`${NS}:conductors`]: '{"juju":{"model":"openstack"}}',
                [`${NS}:operator`]: '{"cidrs":["203.0.113.1/32"],"reason":"a test\'s operator"}',
                [`${NS}:protectedPorts`]: `[${planted}]`,
                [`${NS}:bogusKey`]: "1",
            },
            [`${NS}:protectedPorts`],
        );
        try {
            await assert.rejects(programMain(), (err: unknown) => {
                assert.ok(err instanceof ConfigError, String(err));
                assert.equal(err.message.includes(planted), false, err.message);
                assert.equal(err.problems.length, 2, err.problems.join("\n"));
                assert.match(
                    err.problems[0],
                    /^capi-mgmt-ingress:protectedPorts is a secret; it is not verify/,
                );
                assert.equal(err.problems[1], "capi-mgmt-ingress: unknown key bogusKey; remove it");
                return true;
            });
        } finally {
            pulumi.runtime.setAllConfig({}, []);
        }
    });
});
