// A stack file read by the tools (parseStackFileText) and by the program (readPulumiConfig under
// Pulumi's mock runtime, given the text the engine would pass for the same file): quoted scalars
// accepted alike, the same refusals, and a check env value named like a credential refused in
// plain text by both, naming its key path and line, never its value.
import "../support/program";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, StackConfig } from "../../components/config/schema";
import { parseStackFileText, SECRET_NOT_SHOWN } from "../../components/config/stackfile";
import { readPulumiConfig } from "../../components/program";
import { CREDENTIAL_NAME, plainCredentialEnv } from "../../components/config/values";

const SENTINEL = "s3cr3t-sentinel-quoted";
const NS = "capi-mgmt-ingress";

const HEAD = [
    "config:",
    `  ${NS}:cloud: "production"`,
    `  ${NS}:securityGroup:`,
    "    name: capi-mgmt-sg",
    `  ${NS}:api:`,
    "    address: 10.12.7.222",
    `  ${NS}:conductors:`,
    "    juju:",
    "      model: openstack",
    `  ${NS}:operator:`,
    "    cidrs: [10.12.4.1/32]",
    "    reason: operator via the VR0 NAT",
];

/** What the engine passes the program for HEAD: each value as text, a mapping as its JSON. */
const HEAD_ENGINE: Record<string, string> = {
    [`${NS}:cloud`]: "production",
    [`${NS}:securityGroup`]: '{"name":"capi-mgmt-sg"}',
    [`${NS}:api`]: '{"address":"10.12.7.222"}',
    [`${NS}:conductors`]: '{"juju":{"model":"openstack"}}',
    [`${NS}:operator`]: '{"cidrs":["10.12.4.1/32"],"reason":"operator via the VR0 NAT"}',
};

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-values-"))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The stack file's text, written where the program's path reads which leaves are secret. */
function stackFile(lines: string[]): { text: string; file: string } {
    const text = [...HEAD, ...lines, ""].join("\n");
    const file = path.join(dir, `Pulumi.t${fs.readdirSync(dir).length}.yaml`);
    fs.writeFileSync(file, text);
    return { text, file };
}

type Outcome = { config: StackConfig } | { problems: string[] };

function outcome(read: () => StackConfig): Outcome {
    try {
        return { config: read() };
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.message.includes(SENTINEL), false, err.message);
        assert.equal(err.problems.join("\n").includes(SENTINEL), false);
        return { problems: err.problems };
    }
}

function viaTools(lines: string[], secrets: "environment" | "masked" = "environment"): Outcome {
    const { text, file } = stackFile(lines);
    return outcome(() => parseStackConfig(parseStackFileText(text, file, secrets)));
}

function viaProgram(lines: string[], engine: Record<string, string>, secret: string[] = []) {
    const { file } = stackFile(lines);
    pulumi.runtime.setAllConfig({ ...HEAD_ENGINE, ...engine }, secret);
    try {
        return outcome(() => parseStackConfig(readPulumiConfig(file)));
    } finally {
        pulumi.runtime.setAllConfig({}, []);
    }
}

function config(o: Outcome): StackConfig {
    assert.ok("config" in o, `refused: ${"problems" in o ? o.problems.join("; ") : ""}`);
    return o.config;
}

function problems(o: Outcome): string[] {
    assert.ok("problems" in o, "the stack file was accepted");
    // Each read writes its own file: compare problems by line and column, not file name.
    return o.problems.map((p) => p.replace(/Pulumi\.t\d+\.yaml/g, "Pulumi.t.yaml"));
}

describe("stack values as the program reads them", () => {
    // `pulumi config set allowDestroy false` writes "false" (a string): Pulumi passes it as false.
    const quoted = [
        `  ${NS}:allowDestroy: "false"`,
        `  ${NS}:minPrefixLength: "16"`,
        `  ${NS}:minPrefixLengthIpv6: '48'`,
        `  ${NS}:waivers: "[]"`,
    ];
    const engine = {
        [`${NS}:allowDestroy`]: "false",
        [`${NS}:minPrefixLength`]: "16",
        [`${NS}:minPrefixLengthIpv6`]: "48",
        [`${NS}:waivers`]: "[]",
    };

    it("accepts quoted scalars in the tools and the program alike, as the unquoted ones", () => {
        const tools = config(viaTools(quoted));
        assert.equal(tools.allowDestroy, false);
        assert.equal(tools.minPrefixLength, 16);
        assert.equal(tools.minPrefixLengthIpv6, 48);
        assert.equal(tools.cloud, "production");
        assert.deepEqual(config(viaProgram(quoted, engine)), tools);
        const unquoted = quoted.map((l) => l.replace(/["']/g, ""));
        assert.deepEqual(config(viaTools(unquoted)), tools);
    });

    it("reads a quoted true as true, and keeps cloud as text", () => {
        const lines = [`  ${NS}:allowDestroy: "true"`];
        assert.equal(config(viaTools(lines)).allowDestroy, true);
        assert.equal(
            config(viaProgram(lines, { [`${NS}:allowDestroy`]: "true" })).allowDestroy,
            true,
        );
        const numeric = [...HEAD.slice(0, 1), `  ${NS}:cloud: 2024`, ...HEAD.slice(2)];
        const text = [...numeric, ""].join("\n");
        const c = parseStackConfig(parseStackFileText(text, path.join(dir, "Pulumi.n.yaml")));
        assert.equal(c.cloud, "2024");
    });

    it("refuses what the program refuses, with the same problems", () => {
        for (const [line, value] of [
            [`  ${NS}:allowDestroy: "yes"`, "yes"],
            [`  ${NS}:minPrefixLength: "sixteen"`, "sixteen"],
            [`  ${NS}:minPrefixLength: "16.5"`, "16.5"],
        ]) {
            const key = `${NS}:${line.trim().split(":")[1]}`;
            const tools = problems(viaTools([line]));
            assert.ok(tools.length > 0, line);
            assert.deepEqual(problems(viaProgram([line], { [key]: value })), tools, line);
        }
    });
});

describe("a check env value named like a credential", () => {
    const check = (env: string[]) => [
        `  ${NS}:verify:`,
        "    custom:",
        "      - name: api-auth",
        "        command: curl -fsS https://10.12.7.222:6443/readyz",
        "        env:",
        ...env.map((l) => `          ${l}`),
    ];
    const engineVerify = (env: Record<string, string>) => ({
        [`${NS}:verify`]: JSON.stringify({
            custom: [
                { name: "api-auth", command: "curl -fsS https://10.12.7.222:6443/readyz", env },
            ],
        }),
    });

    afterEach(() => delete process.env.OS_PASSWORD);

    it("is refused in plain text by the tools, naming the key path and line, never the value", () => {
        const lines = check([
            "CLUSTER: beta",
            `OS_PASSWORD: ${SENTINEL}`,
            `API_TOKEN: "${SENTINEL}2"`,
        ]);
        for (const secrets of ["environment", "masked"] as const) {
            const found = problems(viaTools(lines, secrets));
            assert.equal(found.length, 2, found.join("\n"));
            assert.match(
                found[0],
                /^capi-mgmt-ingress:verify\.custom\[0\]\.env\.OS_PASSWORD is named like a credential but is plain text \(at \S+Pulumi\.t\.yaml:19:24\); .*pulumi config set --secret --path 'verify\.custom\[0\]\.env\.OS_PASSWORD'/,
            );
            assert.match(found[1], /verify\.custom\[0\]\.env\.API_TOKEN .*\.yaml:20:22\)/);
            assert.match(
                found[0],
                /the environment variable OS_PASSWORD\), and rotate it if the file was ever shared$/,
            );
        }
    });

    it("is refused in plain text by the program, naming the key path and line, never the value", () => {
        const lines = check(["CLUSTER: beta", `OS_PASSWORD: ${SENTINEL}`]);
        const found = problems(
            viaProgram(lines, engineVerify({ CLUSTER: "beta", OS_PASSWORD: SENTINEL })),
        );
        assert.deepEqual(found, problems(viaTools(lines)));
        assert.match(found[0], /env\.OS_PASSWORD is named like a credential .*\.yaml:19:24\)/);
        // A stack file without the key, or none at all: the file and key name the place.
        pulumi.runtime.setAllConfig(engineVerify({ OS_PASSWORD: SENTINEL }), []);
        try {
            for (const file of [stackFile([]).file, path.join(dir, "Pulumi.none.yaml")]) {
                assert.throws(
                    () => readPulumiConfig(file),
                    (err: ConfigError) =>
                        err.problems[0].includes(`(at ${file}, key ${NS}:verify)`) &&
                        !err.message.includes(SENTINEL),
                );
            }
        } finally {
            pulumi.runtime.setAllConfig({}, []);
        }
    });

    it("is accepted as a secure: value by both, and a plain value of another name too", () => {
        const lines = check(["CLUSTER: beta", "OS_PASSWORD:", "  secure: v1:AAAAbm90LWEtc2VjcmV0"]);
        process.env.OS_PASSWORD = SENTINEL;
        const tools = config(viaTools(lines));
        assert.deepEqual(tools.verify.custom[0].env, { CLUSTER: "beta", OS_PASSWORD: SENTINEL });
        const masked = config(viaTools(lines, "masked"));
        assert.equal(masked.verify.custom[0].env?.OS_PASSWORD, SECRET_NOT_SHOWN);
        // Pulumi hands the program the decrypted value and marks the whole key secret.
        const program = config(
            viaProgram(lines, engineVerify({ CLUSTER: "beta", OS_PASSWORD: SENTINEL }), [
                `${NS}:verify`,
            ]),
        );
        assert.deepEqual(program.verify, tools.verify);
    });

    it("is refused in plain text beside a secure one in a secret key, by the program too", () => {
        const lines = check([
            "OS_PASSWORD:",
            "  secure: v1:AAAAbm90LWEtc2VjcmV0",
            `OS_TOKEN: ${SENTINEL}`,
        ]);
        const found = problems(
            viaProgram(lines, engineVerify({ OS_PASSWORD: "decrypted", OS_TOKEN: SENTINEL }), [
                `${NS}:verify`,
            ]),
        );
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0],
            /verify\.custom\[0\]\.env\.OS_TOKEN is named like a credential .*\.yaml:20:21\)/,
        );
    });
});

describe("names like a credential, and check env shapes the schema refuses", () => {
    it("matches the names the review hides, and no other", () => {
        const named = ["OS_PASSWORD", "DB_PASSWD", "CLIENT_SECRET", "OS_TOKEN", "GIT_CREDENTIALS"];
        const keys = ["API_KEY", "APIKEY", "API-KEY", "PRIVATE_KEY", "PRIVATEKEY", "private-key"];
        const short = ["DB_PW", "pwd", "OS_PWD2", "pw.file", "GPG_PASSPHRASE", "passphrase"];
        for (const name of [...named, ...keys, ...short]) {
            assert.equal(CREDENTIAL_NAME.test(name), true, name);
        }
        const words = ["CLUSTER", "API_URL", "PRIVATE_NETWORK", "KEYSTONE_URL", "PASS", "UPWARD"];
        for (const name of [...words, "pwm", "SPWD", "adminPw"]) {
            assert.equal(CREDENTIAL_NAME.test(name), false, name);
        }
    });

    it("finds no credential where verify, custom, a check or its env is not an object", () => {
        for (const verify of [undefined, null, "x", { mode: "onChange" }, { custom: "x" }]) {
            assert.deepEqual(plainCredentialEnv(verify, []), [], JSON.stringify(verify));
        }
        const checks = [null, {}, { env: null }, { env: "OS_PASSWORD" }, { env: ["OS_TOKEN"] }];
        assert.deepEqual(plainCredentialEnv({ custom: checks }, []), []);
        assert.deepEqual(plainCredentialEnv({ custom: [null, { env: { OS_TOKEN: "x" } }] }, []), [
            ["custom", 1, "env", "OS_TOKEN"],
        ]);
    });

    it("looks for check env credentials under verify only", () => {
        const lines = [
            `  ${NS}:hairpin:`,
            "    custom:",
            "      - env:",
            `          OS_PASSWORD: ${SENTINEL}`,
        ];
        const tools = problems(viaTools(lines));
        assert.equal(
            tools.some((p) => p.includes("named like a credential")),
            false,
            tools.join("\n"),
        );
        assert.ok(
            tools.some((p) => p.includes("hairpin")),
            tools.join("\n"),
        );
        const engine = { [`${NS}:hairpin`]: `{"custom":[{"env":{"OS_PASSWORD":"${SENTINEL}"}}]}` };
        assert.deepEqual(problems(viaProgram(lines, engine)), tools);
    });

    it("leaves a malformed verify to the schema, in the tools and the program", () => {
        const lines = [`  ${NS}:verify:`, "    custom:", "      - env: null"];
        const tools = problems(viaTools(lines));
        assert.ok(
            tools.some((p) => /verify\.custom\[0\]/.test(p)),
            tools.join("\n"),
        );
        const engine = { [`${NS}:verify`]: '{"custom":[{"env":null}]}' };
        assert.deepEqual(problems(viaProgram(lines, engine)), tools);
    });
});
