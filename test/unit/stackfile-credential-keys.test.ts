// A key of this namespace named like a credential (CREDENTIAL_NAME: `capi-mgmt-ingress:password`)
// in plain text is refused as a credential in the stack file, by the tools (parseStackFileText)
// and by the program (readPulumiConfig under Pulumi's mock runtime) alike: named with its line,
// never its value, and not again as an unknown key; every other problem still reported.
import "../support/program";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../../components/config/schema";
import { parseStackFileText } from "../../components/config/stackfile";
import { readPulumiConfig } from "../../components/program";

const SENTINEL = "s3cr3t-sentinel-key";
const NS = "capi-mgmt-ingress";

const HEAD = [
    "config:",
    `  ${NS}:securityGroup: { name: capi-mgmt-sg }`,
    `  ${NS}:api: { address: 10.12.7.222 }`,
    `  ${NS}:conductors: { juju: { model: openstack } }`,
    `  ${NS}:operator: { cidrs: [10.12.4.1/32], reason: operator via the VR0 NAT }`,
];

const ENGINE: Record<string, string> = {
    [`${NS}:securityGroup`]: '{"name":"capi-mgmt-sg"}',
    [`${NS}:api`]: '{"address":"10.12.7.222"}',
    [`${NS}:conductors`]: '{"juju":{"model":"openstack"}}',
    [`${NS}:operator`]: '{"cidrs":["10.12.4.1/32"],"reason":"operator via the VR0 NAT"}',
};

const LINES = [
    `  ${NS}:password: ${SENTINEL}`,
    `  ${NS}:bogusKey: 1`,
    `  ${NS}:db_Token: "${SENTINEL}"`,
    `  ${NS}:protectedPorts: not-a-list`,
];

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "credential-keys-"))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function refused(read: () => unknown): string[] {
    try {
        read();
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.message.includes(SENTINEL), false, err.message);
        return err.problems;
    }
    assert.fail("the stack file was accepted");
}

function assertProblems(problems: string[], file: string, program: boolean): void {
    const credential = (key: string, at: string) =>
        `${NS}:${key} is named like a credential and is plain text in the stack file (at ` +
        `${file}:${at}); no key of ${NS} takes a credential (the cloud's come from clouds.yaml ` +
        "or OS_* variables): remove it; a custom check's credential goes in its env as a Pulumi " +
        "secret (`pulumi config set --secret --path 'verify.custom[<i>].env.<NAME>' <value>`); " +
        "rotate it if the file was ever shared";
    // The program places a key at its value (the engine gives no key's place).
    assert.deepEqual(problems.slice(0, 2), [
        credential("password", program ? "6:31" : "6:3"),
        credential("db_Token", program ? "8:31" : "8:3"),
    ]);
    // The schema's, in its own order: the credential keys are not among its unknown keys.
    assert.deepEqual(
        problems
            .slice(2)
            .map((p) => p.split(" (for example")[0])
            .sort(),
        [
            `${NS}: unknown key bogusKey; remove it`,
            `${NS}:protectedPorts: expected array, got string`,
        ],
    );
}

describe("stack file: a key of this namespace named like a credential", () => {
    it("the tools: refused as a plain-text credential with its line, beside every other problem", () => {
        const file = path.join(dir, "Pulumi.tools.yaml");
        const text = [...HEAD, ...LINES, ""].join("\n");
        assertProblems(
            refused(() => parseStackFileText(text, file)),
            file,
            false,
        );
    });

    it("the program: the same refusal, nothing else about the key", () => {
        const file = path.join(dir, "Pulumi.program.yaml");
        fs.writeFileSync(file, [...HEAD, ...LINES, ""].join("\n"));
        pulumi.runtime.setAllConfig(
            {
                ...ENGINE,
                [`${NS}:password`]: SENTINEL,
                [`${NS}:bogusKey`]: "1",
                [`${NS}:db_Token`]: SENTINEL,
                [`${NS}:protectedPorts`]: "not-a-list",
            },
            [],
        );
        try {
            assertProblems(
                refused(() => parseStackConfig(readPulumiConfig(file))),
                file,
                true,
            );
        } finally {
            pulumi.runtime.setAllConfig({}, []);
        }
    });

    it("the tools: as a secret, removed rather than set in plain text", () => {
        const text = [...HEAD, `  ${NS}:password:`, `    secure: ${SENTINEL}`, ""].join("\n");
        const file = path.join(dir, "Pulumi.secure.yaml");
        assert.deepEqual(
            refused(() => parseStackFileText(text, file)),
            [
                `${NS}:password is a secret at ${file}:7:5; no key of ${NS} takes a credential: ` +
                    "remove it; this project takes secrets from stack config only as the values " +
                    "of verify.custom[].env (credentials come from clouds.yaml or OS_* variables)",
            ],
        );
    });
});
