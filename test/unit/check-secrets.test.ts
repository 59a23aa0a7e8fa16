// Secrets around the checks: a kubeconfig with a token, a custom check that prints a token and
// fails, and Pulumi secrets in verify.custom[].env. Each sentinel must appear in no result, error
// or line printed.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { execFileSync } from "node:child_process";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import {
    assertSecretsOnlyInCheckEnv,
    checkEnvFromEnvironment,
    secureLeaves,
} from "../../components/verify/check-env";
import { checkCustom } from "../../components/verify/custom";
import { checkOperatorReadyz } from "../../components/verify/operator";
import { parseStackConfig } from "../../components/config/schema";

const TOKEN = "s3cr3t-sentinel-kubeconfig-token";
const PRINTED = "s3cr3t-sentinel-check-output";
const CIPHER = "s3cr3t-sentinel-ciphertext";

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-secrets-"))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function kubeconfig(server: string, ca: string, context = "mgmt"): string {
    const file = path.join(dir, `kubeconfig-${Math.random().toString(16).slice(2)}`);
    fs.writeFileSync(
        file,
        stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                {
                    name: "mgmt",
                    cluster: {
                        server,
                        "certificate-authority-data": Buffer.from(ca).toString("base64"),
                    },
                },
            ],
            users: [{ name: "operator", user: { token: TOKEN } }],
            contexts: [{ name: context, context: { cluster: "mgmt", user: "operator" } }],
            "current-context": context,
        }),
    );
    return file;
}

describe("secrets: a kubeconfig with a token", function () {
    this.timeout(20000);
    let server: https.Server;
    let url: string;
    let ca: string;
    let seen: string[];
    before(async () => {
        seen = [];
        execFileSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-keyout",
                path.join(dir, "key.pem"),
                "-out",
                path.join(dir, "cert.pem"),
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            { stdio: "ignore" },
        );
        ca = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
        const key = fs.readFileSync(path.join(dir, "key.pem"), "utf8");
        server = https.createServer({ key, cert: ca }, (req, res) => {
            seen.push(req.headers.authorization ?? "");
            // A server that rejects the token.
            res.writeHead(401, { "content-type": "text/plain" });
            res.end("Unauthorized");
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    it("sends the token and keeps it out of a refused result", async () => {
        const result = await checkOperatorReadyz({
            kubeconfig: kubeconfig(url, ca),
            timeoutSeconds: 5,
        });
        assert.deepEqual(seen, [`Bearer ${TOKEN}`], "the token was really used");
        assert.equal(result.outcome, "unauthorized");
        assert.equal(result.passed, false);
        assert.ok(!JSON.stringify(result).includes(TOKEN));
    });

    it("keeps it out of an unknown context and of a kubeconfig that does not parse", async () => {
        const unknown = await checkOperatorReadyz({
            kubeconfig: kubeconfig(url, ca),
            context: "other",
            timeoutSeconds: 5,
        });
        assert.match(unknown.detail, /no context "other" \(contexts: mgmt\)/);
        const broken = path.join(dir, "broken");
        fs.writeFileSync(
            broken,
            `users:\n- name: operator\n  user:\n    token: ${TOKEN}\n   bad: [\n`,
        );
        const unparsed = await checkOperatorReadyz({ kubeconfig: broken, timeoutSeconds: 5 });
        assert.equal(unparsed.outcome, "error");
        for (const result of [unknown, unparsed]) {
            assert.ok(!JSON.stringify(result).includes(TOKEN), result.detail);
        }
    });
});

describe("secrets: a custom check that prints a token and fails", function () {
    this.timeout(20000);

    it("judges it without its output in the result", async () => {
        const result = await checkCustom({
            name: "leaky",
            command: `echo "Authorization: ${PRINTED}"; echo "${PRINTED}" >&2; exit 2`,
            expect: { exitCode: 0, stdoutMatches: "^ok$" },
            timeoutSeconds: 10,
        });
        assert.equal(result.passed, false);
        assert.equal(result.outcome, "exit-2");
        assert.equal(
            result.detail,
            "expected exit status 0, got 2; expected stdout to match expect.stdoutMatches; it did not",
        );
        assert.ok(!JSON.stringify(result).includes(PRINTED));
    });

    it("hands it a secret env value it can use", async () => {
        const result = await checkCustom({
            name: "uses-token",
            command: `test "$API_TOKEN" = "${PRINTED}-env"`,
            expect: { exitCode: 0 },
            timeoutSeconds: 10,
            env: { API_TOKEN: `${PRINTED}-env` },
        });
        assert.equal(result.passed, true, result.detail);
    });
});

describe("secrets: Pulumi secrets in verify.custom[].env", () => {
    const secure = { secure: `v1:${CIPHER}` };
    const verify = (env: unknown, command: unknown = "./resize.sh") => ({
        custom: [{ name: "resize", command, env }],
    });
    const file = "stacks/Pulumi.prod.yaml";

    it("finds the secure leaves of a stack file value", () => {
        assert.deepEqual(secureLeaves(verify({ TOKEN: secure, PLAIN: "x" })), [
            ["custom", 0, "env", "TOKEN"],
        ]);
    });

    it("accepts a secret verify key whose secrets are all check env values", () => {
        assert.doesNotThrow(() =>
            assertSecretsOnlyInCheckEnv(
                "capi-mgmt-ingress:verify",
                "verify",
                verify({ TOKEN: secure }),
                file,
            ),
        );
    });

    it("refuses a secret anywhere else, naming the path and never the value", () => {
        const refusals = [
            () =>
                assertSecretsOnlyInCheckEnv(
                    "capi-mgmt-ingress:verify",
                    "verify",
                    verify({ TOKEN: secure }, secure),
                    file,
                ),
            () => assertSecretsOnlyInCheckEnv("capi-mgmt-ingress:cloud", "cloud", secure, file),
            () =>
                assertSecretsOnlyInCheckEnv("capi-mgmt-ingress:verify", "verify", undefined, file),
        ];
        const messages = refusals.map((refuse) => {
            const err = (() => {
                try {
                    refuse();
                } catch (e) {
                    return e as Error;
                }
                return assert.fail("expected a refusal");
            })();
            assert.ok(!err.message.includes(CIPHER));
            return err.message;
        });
        assert.match(
            messages[0],
            /^capi-mgmt-ingress:verify is a secret; verify\.custom\[0\]\.command is secret/,
        );
        assert.match(messages[1], /^capi-mgmt-ingress:cloud is a secret; it is not verify/);
        assert.match(messages[2], /shows no secure value under it to check/);
    });

    it("names the secure leaves of a structured key that takes no secret, at any depth", () => {
        const value = { cidrs: [secure], reason: { nested: secure } };
        assert.throws(
            () =>
                assertSecretsOnlyInCheckEnv("capi-mgmt-ingress:operator", "operator", value, file),
            (err: Error) =>
                err.message.startsWith(
                    "capi-mgmt-ingress:operator is a secret; it is not verify (operator.cidrs[0], " +
                        `operator.reason.nested in ${file}).`,
                ) && !err.message.includes(CIPHER),
        );
    });

    it("takes a secret value from the environment outside pulumi, or names the variable", () => {
        const value = verify({ TOKEN: secure, PLAIN: "x" });
        const at = (path: (string | number)[]) => `${file}:12:${path.length}`;
        const resolved = checkEnvFromEnvironment(value, { TOKEN: `${PRINTED}-env` }, at);
        const config = parseStackConfig({
            securityGroup: { name: "g" },
            api: { address: "10.12.7.222" },
            conductors: {
                static: { addresses: ["10.12.4.154"], reason: "static conductors for this test" },
            },
            operator: { cidrs: ["10.12.4.1/32"], reason: "operator workstation for this test" },
            verify: { ...(resolved as object), conductors: { enabled: false } },
        });
        assert.deepEqual(config.verify.custom[0].env, { TOKEN: `${PRINTED}-env`, PLAIN: "x" });
        assert.throws(
            () => checkEnvFromEnvironment(value, {}, at),
            (err: Error) =>
                /^verify\.custom\[0\]\.env\.TOKEN is a Pulumi secret at stacks\/Pulumi\.prod\.yaml:12:4, which only pulumi can decrypt; export TOKEN/.test(
                    err.message,
                ) && !err.message.includes(CIPHER),
        );
    });
});
