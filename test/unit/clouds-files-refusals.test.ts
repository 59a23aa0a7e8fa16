// What the clouds files refuse beyond YAML duplicates: OS_CLIENT_SECURE_FILE naming no file,
// secure.yaml's own expectation in its parse errors, a duplicate key in clouds.json, and which
// errors of resolveAuth are the operator's configuration (kind config) and which are not (run).
// openstacksdk's loader (Debian's, through tools/reference/resolve.py) is the reference for what
// it would do instead: skip the missing file, keep the last of two JSON keys.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveAuth } from "../../components/openstack/credentials";
import { errorDocument } from "../../tools/cli/output";

const MARK = "S8LEAKfiles";

const CLOUDS = {
    clouds: {
        prod: {
            auth: {
                auth_url: "http://127.0.0.1:9/v3",
                username: "u",
                project_name: "p",
                user_domain_name: "Default",
                project_domain_name: "Default",
            },
        },
    },
};

/** openstacksdk's reading of cloud prod in `dir` (null when the reference is not installed). */
function reference(dir: string, env: Record<string, string>): { username?: string } | null {
    try {
        execFileSync("/usr/bin/python3", ["-c", "import openstack.config.loader"]);
    } catch (err) {
        if (process.env.CI === "true") {
            throw err; // CI installs python3-openstacksdk, as for credentials-reference
        }
        return null;
    }
    const resolver = path.join(__dirname, "../../tools/reference/resolve.py");
    const input = [{ id: "0", cwd: dir, env: { HOME: dir, ...env }, cloud: "prod" }];
    const output = execFileSync("/usr/bin/python3", [resolver], { input: JSON.stringify(input) });
    const [answer] = JSON.parse(output.toString()) as { identity?: { username?: string } }[];
    return answer.identity ?? {};
}

describe("clouds files: refusals", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "clouds-refusals-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const refusal = (env: Record<string, string> = {}): Error => {
        try {
            resolveAuth({ cloud: "prod", env: { HOME: dir, ...env }, cwd: dir });
        } catch (err) {
            const e = err as Error;
            assert.equal(e.message.includes(MARK), false, `a value in: ${e.message}`);
            return e;
        }
        assert.fail("accepted");
    };

    it("OS_CLIENT_SECURE_FILE naming no file: refused, naming the variable and the path", () => {
        fs.writeFileSync(path.join(dir, "clouds.yaml"), JSON.stringify(CLOUDS));
        const missing = path.join(dir, "nowhere", "secure.yaml");
        const err = refusal({ OS_CLIENT_SECURE_FILE: missing, OS_PASSWORD: MARK });
        assert.equal(err.name, "EnvironmentError");
        assert.equal(
            err.message,
            `OS_CLIENT_SECURE_FILE names ${missing}, which does not exist; expected a secure.yaml there`,
        );
        // openstacksdk reads the cloud without a word; an empty variable is unset for both.
        const sdk = reference(dir, { OS_CLIENT_SECURE_FILE: missing });
        if (sdk) {
            assert.equal(sdk.username, "u");
        }
        const env = { HOME: dir, OS_CLIENT_SECURE_FILE: "", OS_PASSWORD: MARK };
        assert.equal(resolveAuth({ cloud: "prod", env, cwd: dir }).settings.username, "u");
    });

    it("a secure.yaml parse error names secure.yaml's own expectation", () => {
        fs.writeFileSync(path.join(dir, "clouds.yaml"), JSON.stringify(CLOUDS));
        fs.writeFileSync(path.join(dir, "secure.yaml"), `clouds:\n  prod:\n\tpassword: ${MARK}\n`);
        const err = refusal();
        assert.equal(
            err.message,
            `${path.join(dir, "secure.yaml")}: not valid YAML at line 3, column 1 (TAB_AS_INDENT); ` +
                "expected a secure.yaml (clouds.<name> with the secrets merged into clouds.yaml's " +
                "entries)",
        );
    });

    describe("clouds.json: a duplicate key is refused by key path, line and column", () => {
        const tail =
            "; a key may appear once in its object: keep one (openstacksdk's loader, " +
            "through Python's json, would use the last value silently; refused here, failing " +
            "closed: which value is meant is not clear)";
        const cases: [string, string, string, string][] = [
            [
                "a password",
                `{"clouds": {"prod": {"auth": {"password": "${MARK}1",\n "password": "${MARK}2"}}}}`,
                "clouds.prod.auth.password",
                "line 2, column 2",
            ],
            [
                "a cloud, spelt with an escape",
                `{"clouds": {"prod": {}, "pr\\u006fd": {}}}`,
                "clouds.prod",
                "line 1, column 25",
            ],
            ["the top level", `{"clouds": {},\n\n  "clouds": {}}`, "clouds", "line 3, column 3"],
        ];
        for (const [what, text, key, at] of cases) {
            it(what, () => {
                const file = path.join(dir, "clouds.json");
                fs.writeFileSync(file, text);
                const err = refusal({ OS_PASSWORD: MARK });
                assert.equal(err.name, "EnvironmentError");
                assert.equal(err.message, `${file}: duplicate key ${key} at ${at}${tail}`);
            });
        }

        it("openstacksdk keeps the last value; JSON without duplicates still reads", () => {
            const clouds = structuredClone(CLOUDS);
            const file = path.join(dir, "clouds.json");
            fs.writeFileSync(
                file,
                JSON.stringify(clouds).replace('"username"', '"username":"a","username"'),
            );
            const sdk = reference(dir, {});
            if (sdk) {
                assert.equal(sdk.username, "u");
            }
            assert.match(refusal().message, /duplicate key clouds\.prod\.auth\.username at/);
            fs.writeFileSync(file, JSON.stringify(clouds));
            const env = { HOME: dir, OS_PASSWORD: MARK };
            assert.equal(resolveAuth({ cloud: "prod", env, cwd: dir }).settings.username, "u");
        });
    });

    describe("error kinds", () => {
        it("a refusal of the configuration is kind config, exit 2", () => {
            const err = refusal({ OS_CLIENT_CONFIG_FILE: path.join(dir, "none.yaml") });
            const { error } = errorDocument("audit", err);
            assert.equal(error.kind, "config");
            assert.equal(error.exitCode, 2);
        });

        it("a plain Error from inside resolveAuth (a fault, not the configuration) is kind run", () => {
            // An environment whose reading fails stands for any fault of the program itself.
            const env = new Proxy({} as NodeJS.ProcessEnv, {
                get: () => {
                    throw new Error("reading failed");
                },
            });
            let thrown: unknown;
            try {
                resolveAuth({ cloud: "prod", env, cwd: dir });
            } catch (err) {
                thrown = err;
            }
            assert.equal((thrown as Error).name, "Error");
            const { error } = errorDocument("audit", thrown);
            assert.equal(error.kind, "run");
        });
    });
});
