// The operator's clouds.yaml and secure.yaml as the command line reports them: a secret that is
// not a string, a parse error, a duplicate key, OS_CLIENT_CONFIG_FILE or OS_CLIENT_SECURE_FILE
// naming no file, and an identity incomplete for password auth are kind config (exit 2), naming
// the file and key, never a value.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { resolveAuth } from "../../components/openstack/credentials";
import { cliStackConfig, run } from "../support/cli-run";

const MARK = "S7LEAKcred";

const entry = (password: string, extra = "") => `clouds:
  prod:
    auth:
      auth_url: http://127.0.0.1:9/v3
      username: u
${password}
      project_name: p
      user_domain_name: Default
      project_domain_name: Default
${extra}`;

describe("capi-mgmt-ingress clouds.yaml and secure.yaml errors", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-file-errors-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (name: string, text: string) => {
        const file = path.join(fs.mkdtempSync(path.join(dir, "c-")), name);
        fs.writeFileSync(file, text);
        return file;
    };

    describe("a secret that is not a string is refused, naming the key path and the type", () => {
        // [type, the auth: line, the key path under the cloud, a line at the cloud's top level]
        const cases: [string, string, string, string][] = [
            ["a list", `      password: [${MARK}a, ${MARK}b]`, "auth.password", ""],
            ["a mapping", `      password: {${MARK}: x}`, "auth.password", ""],
            ["a fraction", "      password: 1.50", "auth.password", ""],
            ["an integer", "      password: 012", "auth.password", ""],
            ["a boolean", "      password: yes", "auth.password", ""],
            ["a list", "", "password", `    password: [${MARK}]`],
        ];
        for (const [type, line, key, extra] of cases) {
            it(`${(line || extra).trim()}: ${type}`, () => {
                const file = write("clouds.yaml", entry(line, extra));
                const env = { OS_CLIENT_CONFIG_FILE: file, HOME: dir };
                assert.throws(
                    () => resolveAuth({ cloud: "prod", env }),
                    (err: Error) => {
                        assert.equal(err.name, "EnvironmentError");
                        assert.equal(
                            err.message,
                            `cloud "prod" of ${file} sets clouds.prod.${key} to ${type}, not a ` +
                                "string; expected the secret as text, quoted if YAML would read " +
                                "it otherwise (a number, yes/no, a date)",
                        );
                        return true;
                    },
                );
            });
        }

        it("an application credential secret from secure.yaml, and a top-level one", () => {
            const clouds = write(
                "clouds.yaml",
                stringify({
                    clouds: {
                        app: {
                            auth_type: "v3applicationcredential",
                            auth: {
                                auth_url: "http://127.0.0.1:9/v3",
                                application_credential_id: "i",
                            },
                        },
                    },
                }),
            );
            const secure = write(
                "secure.yaml",
                `clouds:\n  app:\n    auth:\n      application_credential_secret: [${MARK}]\n`,
            );
            const env = { OS_CLIENT_CONFIG_FILE: clouds, OS_CLIENT_SECURE_FILE: secure, HOME: dir };
            assert.throws(
                () => resolveAuth({ cloud: "app", env }),
                new RegExp(
                    `cloud "app" of ${clouds} \\(and ${secure}\\) sets ` +
                        "clouds\\.app\\.auth\\.application_credential_secret to a list, not a string",
                ),
            );
            fs.writeFileSync(secure, "clouds:\n  app:\n    application_credential_secret: 7\n");
            assert.throws(
                () => resolveAuth({ cloud: "app", env }),
                /sets clouds\.app\.application_credential_secret to an integer, not a string/,
            );
        });

        it("a quoted number is the text written", () => {
            const file = write("clouds.yaml", entry('      password: "012"'));
            const env = { OS_CLIENT_CONFIG_FILE: file, HOME: dir };
            assert.equal(resolveAuth({ cloud: "prod", env }).secrets.password, "012");
        });
    });

    describe("on the command line: kind config, exit 2, no value printed", () => {
        async function configError(vars: Record<string, string>): Promise<string> {
            const saved = { ...process.env };
            for (const key of Object.keys(process.env)) {
                if (key.startsWith("OS_") || key.startsWith("XDG_")) {
                    delete process.env[key];
                }
            }
            Object.assign(process.env, { HOME: dir }, vars);
            try {
                const stack = path.join(dir, "Pulumi.t.yaml");
                fs.writeFileSync(stack, stringify({ config: cliStackConfig("prod") }));
                const r = await run("audit", "--stack", stack, "--json");
                assert.equal(r.code, 2, r.stdout + r.stderr);
                const { error } = JSON.parse(r.stdout);
                assert.equal(error.kind, "config", error.message);
                assert.equal(error.exitCode, 2);
                assert.equal(r.stdout.includes(MARK), false, r.stdout);
                return error.message;
            } finally {
                for (const key of Object.keys(process.env)) {
                    if (!(key in saved)) {
                        delete process.env[key];
                    }
                }
                Object.assign(process.env, saved);
            }
        }

        it("a password that is a list", async () => {
            const file = write("clouds.yaml", entry(`      password: [${MARK}]`));
            const message = await configError({ OS_CLIENT_CONFIG_FILE: file });
            assert.match(message, /sets clouds\.prod\.auth\.password to a list, not a string/);
        });

        it("clouds.yaml not valid YAML, and a duplicate key", async () => {
            const broken = write("clouds.yaml", `clouds:\n  prod:\n\tauth: ${MARK}\n`);
            assert.match(
                await configError({ OS_CLIENT_CONFIG_FILE: broken }),
                /clouds\.yaml: not valid YAML at line \d+, column \d+/,
            );
            const dup = write(
                "clouds.yaml",
                entry(`      password: ${MARK}1\n      password: ${MARK}2`),
            );
            assert.match(
                await configError({ OS_CLIENT_CONFIG_FILE: dup }),
                /duplicate key clouds\.prod\.auth\.password/,
            );
        });

        it("secure.yaml not valid YAML", async () => {
            const clouds = write("clouds.yaml", entry(`      password: ${MARK}`));
            const secure = write("secure.yaml", `clouds: [${MARK}\n`);
            assert.match(
                await configError({ OS_CLIENT_CONFIG_FILE: clouds, OS_CLIENT_SECURE_FILE: secure }),
                /secure\.yaml: not valid YAML/,
            );
        });

        it("OS_CLIENT_CONFIG_FILE naming a file that does not exist", async () => {
            const missing = path.join(dir, "nowhere", "clouds.yaml");
            assert.match(
                await configError({ OS_CLIENT_CONFIG_FILE: missing }),
                /^OS_CLIENT_CONFIG_FILE names .*, which does not exist/,
            );
        });

        it("OS_CLIENT_SECURE_FILE naming a file that does not exist", async () => {
            const clouds = write("clouds.yaml", entry(`      password: ${MARK}`));
            const missing = path.join(dir, "nowhere", "secure.yaml");
            assert.equal(
                await configError({
                    OS_CLIENT_CONFIG_FILE: clouds,
                    OS_CLIENT_SECURE_FILE: missing,
                }),
                `OS_CLIENT_SECURE_FILE names ${missing}, which does not exist; expected a secure.yaml there`,
            );
        });

        it("an identity incomplete for password auth", async () => {
            const file = write("clouds.yaml", entry(""));
            assert.match(
                await configError({ OS_CLIENT_CONFIG_FILE: file }),
                /is incomplete for password auth: expected password \(OS_PASSWORD\)/,
            );
        });
    });
});
