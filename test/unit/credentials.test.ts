// How credentials are read from clouds.yaml, secure.yaml and the OS_* variables.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveAuth } from "../../components/openstack/credentials";
import { APP_SECRET, PASSWORD } from "../support/fake-openstack";

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "openstack-test-"));
}

function writeYaml(dir: string, name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

describe("openstack: reading credentials", () => {
    const cloudsYaml = `
clouds:
  prod:
    auth_type: password
    auth:
      auth_url: https://keystone.example:5000/v3
      username: operator
      password: ${PASSWORD}
      project_name: tenant
      user_domain_name: Default
      project_domain_id: default
    region_name: RegionTwo
    interface: internal
    cacert: /etc/ssl/prod.pem
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example:5000
      application_credential_id: 0123abcd
      application_credential_secret: ${APP_SECRET}
    verify: false
  appcred-by-name:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example:5000
      application_credential_name: deployer
      application_credential_secret: ${APP_SECRET}
      username: operator
      user_domain_name: Default
`;

    it("selects the cloud named by OS_CLOUD from OS_CLIENT_CONFIG_FILE, ignoring OS_*", () => {
        const dir = tempDir();
        const file = writeYaml(dir, "clouds.yaml", cloudsYaml);
        const { settings, secrets } = resolveAuth({
            env: {
                OS_CLOUD: "prod",
                OS_CLIENT_CONFIG_FILE: file,
                OS_AUTH_URL: "http://elsewhere/v3",
                HOME: dir,
            },
            cwd: dir,
        });
        assert.equal(settings.authUrl, "https://keystone.example:5000/v3");
        assert.equal(settings.method, "password");
        assert.equal(settings.username, "operator");
        assert.equal(settings.userDomainName, "Default");
        assert.equal(settings.projectDomainId, "default");
        assert.equal(settings.regionName, "RegionTwo");
        assert.equal(settings.interface, "internal");
        assert.equal(settings.cacert, "/etc/ssl/prod.pem");
        assert.equal(settings.insecure, false);
        assert.equal(secrets.password, PASSWORD);
        assert.match(settings.source, /cloud "prod" of .*clouds\.yaml/);
    });

    it("an explicit cloud wins over OS_CLOUD", () => {
        const dir = tempDir();
        const file = writeYaml(dir, "clouds.yaml", cloudsYaml);
        const { settings } = resolveAuth({
            cloud: "appcred",
            env: { OS_CLOUD: "prod", OS_CLIENT_CONFIG_FILE: file, HOME: dir },
            cwd: dir,
        });
        assert.equal(settings.method, "application_credential");
        assert.equal(settings.applicationCredentialId, "0123abcd");
        assert.equal(settings.insecure, true);
    });

    it("finds ./clouds.yaml before ~/.config/openstack/clouds.yaml", () => {
        const home = tempDir();
        const cwd = tempDir();
        fs.mkdirSync(path.join(home, ".config", "openstack"), { recursive: true });
        writeYaml(
            path.join(home, ".config", "openstack"),
            "clouds.yaml",
            cloudsYaml.replace("operator", "from-home"),
        );
        const fromHome = resolveAuth({ cloud: "prod", env: { HOME: home }, cwd });
        assert.equal(fromHome.settings.username, "from-home");
        writeYaml(cwd, "clouds.yaml", cloudsYaml.replace("operator", "from-cwd"));
        const fromCwd = resolveAuth({ cloud: "prod", env: { HOME: home }, cwd });
        assert.equal(fromCwd.settings.username, "from-cwd");
    });

    it("merges secure.yaml into the cloud's auth", () => {
        const dir = tempDir();
        writeYaml(dir, "clouds.yaml", cloudsYaml.replace(`password: ${PASSWORD}`, ""));
        writeYaml(dir, "secure.yaml", `clouds:\n  prod:\n    auth:\n      password: ${PASSWORD}\n`);
        const { settings, secrets } = resolveAuth({ cloud: "prod", env: { HOME: dir }, cwd: dir });
        assert.equal(secrets.password, PASSWORD);
        assert.match(settings.source, /secure\.yaml/);
    });

    it("reads an application credential by name with its user and a shared domain", () => {
        const dir = tempDir();
        writeYaml(dir, "clouds.yaml", cloudsYaml);
        const { settings, secrets } = resolveAuth({
            cloud: "appcred-by-name",
            env: { HOME: dir },
            cwd: dir,
        });
        assert.equal(settings.method, "application_credential");
        assert.equal(settings.applicationCredentialName, "deployer");
        assert.equal(settings.userDomainName, "Default");
        assert.equal(secrets.applicationCredentialSecret, APP_SECRET);
        // Without auth_type the loader reads password auth, which has no such keys.
        writeYaml(
            dir,
            "clouds.yaml",
            cloudsYaml.replace(
                "appcred-by-name:\n    auth_type: v3applicationcredential\n",
                "appcred-by-name:\n",
            ),
        );
        assert.throws(
            () => resolveAuth({ cloud: "appcred-by-name", env: { HOME: dir }, cwd: dir }),
            /sets auth\.application_credential_name, auth\.application_credential_secret, which password auth does not read/,
        );
    });

    it("names the file and the known clouds when the cloud is not there", () => {
        const dir = tempDir();
        const file = writeYaml(dir, "clouds.yaml", cloudsYaml);
        assert.throws(
            () => resolveAuth({ cloud: "nope", env: { OS_CLIENT_CONFIG_FILE: file }, cwd: dir }),
            (err: Error) =>
                err.message.includes(`Cloud "nope" is not in ${file}`) &&
                err.message.includes("prod, appcred, appcred-by-name"),
        );
        assert.throws(
            () =>
                resolveAuth({
                    cloud: "prod",
                    env: { OS_CLIENT_CONFIG_FILE: path.join(dir, "missing.yaml") },
                    cwd: dir,
                }),
            /OS_CLIENT_CONFIG_FILE names .*missing\.yaml, which does not exist/,
        );
    });

    it("says plainly that a clouds.yaml defines no cloud, or that there is none", () => {
        const dir = tempDir();
        const file = writeYaml(dir, "clouds.yaml", "clouds: {}\n");
        assert.throws(
            () => resolveAuth({ cloud: "prod", env: { OS_CLIENT_CONFIG_FILE: file }, cwd: dir }),
            (err: Error) =>
                err.message ===
                `${file} defines no cloud, so not "prod" (named by the stack config's \`cloud\`); ` +
                    `clouds found: none; files read: ${file}; expected a cloud "prod" under ` +
                    "clouds: in a clouds.yaml",
        );
        assert.throws(
            () => resolveAuth({ env: { HOME: dir, OS_CLOUD: "prod" }, cwd: tempDir() }),
            (err: Error) =>
                err.message.startsWith(
                    'Cloud "prod" is not in any clouds.yaml (named by OS_CLOUD); ',
                ) &&
                /files read: none \(no clouds\.yaml in .*\); expected a cloud "prod" under clouds: in a clouds\.yaml$/.test(
                    err.message,
                ),
        );
    });

    it("reads OS_* variables when no cloud is named, application credentials included", () => {
        const dir = tempDir();
        const { settings, secrets } = resolveAuth({
            cwd: dir,
            env: {
                HOME: dir,
                OS_AUTH_TYPE: "v3applicationcredential",
                OS_AUTH_URL: "http://127.0.0.1:5000/v3",
                OS_APPLICATION_CREDENTIAL_ID: "cred-1",
                OS_APPLICATION_CREDENTIAL_SECRET: APP_SECRET,
                OS_REGION_NAME: "RegionOne",
                OS_INTERFACE: "internalURL",
                OS_CACERT: "/tmp/ca.pem",
                OS_INSECURE: "true",
            },
        });
        assert.equal(settings.method, "application_credential");
        assert.equal(settings.applicationCredentialId, "cred-1");
        assert.equal(settings.interface, "internal");
        assert.equal(settings.regionName, "RegionOne");
        assert.equal(settings.insecure, true);
        assert.equal(secrets.applicationCredentialSecret, APP_SECRET);
        assert.equal(settings.source, "the OS_* environment");
    });

    it("uses the password of an openrc whose application credential variables are stale", () => {
        const dir = tempDir();
        const { settings, secrets } = resolveAuth({
            cwd: dir,
            env: {
                HOME: dir,
                OS_AUTH_URL: "http://127.0.0.1:5000/v3",
                OS_USERNAME: "operator",
                OS_PASSWORD: PASSWORD,
                OS_PROJECT_NAME: "tenant",
                OS_USER_DOMAIN_NAME: "Default",
                OS_PROJECT_DOMAIN_NAME: "Default",
                OS_APPLICATION_CREDENTIAL_ID: "stale",
                OS_APPLICATION_CREDENTIAL_SECRET: APP_SECRET,
            },
        });
        assert.equal(settings.method, "password");
        assert.equal(settings.applicationCredentialId, undefined);
        assert.equal(secrets.password, PASSWORD);
        assert.equal(secrets.applicationCredentialSecret, undefined);
    });

    it("says what is missing, without echoing secrets", () => {
        const dir = tempDir();
        assert.throws(
            () => resolveAuth({ env: { HOME: dir }, cwd: dir }),
            /No OpenStack credentials: no cloud named .*, no OS_\* variables, and no clouds\.yaml/,
        );
        assert.throws(
            () =>
                resolveAuth({
                    cwd: dir,
                    env: {
                        HOME: dir,
                        OS_AUTH_URL: "http://127.0.0.1:5000/v3",
                        OS_USERNAME: "operator",
                        OS_PASSWORD: PASSWORD,
                        OS_PROJECT_NAME: "tenant",
                    },
                }),
            (err: Error) =>
                /user_domain_name or user_domain_id/.test(err.message) &&
                /project_domain_name or project_domain_id/.test(err.message) &&
                !err.message.includes(PASSWORD),
        );
        assert.throws(
            () =>
                resolveAuth({
                    cwd: dir,
                    env: {
                        HOME: dir,
                        OS_AUTH_URL: "http://x/v3",
                        OS_PROJECT_ID: "p",
                        OS_INTERFACE: "private",
                    },
                }),
            /interface "private"; expected public, internal or admin/,
        );
    });
});

describe("openstack: clouds files that do not parse", () => {
    const kinds: [string, string, RegExp][] = [
        [
            "clouds.yaml",
            `clouds:\n  prod:\n    auth:\n      password: @${PASSWORD}\n`,
            /line 4, column 17 \(BAD_SCALAR_START\)/,
        ],
        [
            "clouds.yaml",
            `clouds:\n  prod:\n    auth:\n      password: ${PASSWORD}\n      password: ${PASSWORD}x\n`,
            /line 5, column 7 \(DUPLICATE_KEY\)/,
        ],
        [
            "clouds.yaml",
            `clouds:\n  prod:\n    auth:\n\tpassword: ${PASSWORD}\n`,
            /line 4, column 1 \(TAB_AS_INDENT\)/,
        ],
        [
            "clouds.yaml",
            `clouds:\n  prod:\n    auth: {password: "${PASSWORD}\n`,
            /line \d+, column \d+ \(/,
        ],
        [
            "clouds.yaml",
            `clouds:\n  prod:\n    auth:\n      password: ${PASSWORD}: x\n`,
            /line 4, column \d+ \(/,
        ],
        [
            "clouds.json",
            `{"clouds": {"prod": {"auth": {"password": "${PASSWORD}" "x"}}}}`,
            /clouds\.json: not valid JSON at line 1, column 74/,
        ],
        [
            "secure.yaml",
            `clouds:\n  prod:\n    auth:\n      password: ${PASSWORD}\n      password: ${PASSWORD}\n`,
            /secure\.yaml: not valid YAML at line 5, column 7 \(DUPLICATE_KEY\)/,
        ],
        ["clouds.yaml", `${PASSWORD}\n`, /clouds\.yaml: the top level is not a mapping/],
        [
            "clouds.yaml",
            `clouds:\n  prod:\n    auth:\n      password: *${PASSWORD}\n`,
            /clouds\.yaml: not valid YAML at line 4, column 17: a value starting with \* is read as an alias/,
        ],
    ];
    for (const [name, text, expected] of kinds) {
        it(`${name}: ${expected.source}, and no secret`, () => {
            const dir = tempDir();
            if (name === "secure.yaml") {
                writeYaml(
                    dir,
                    "clouds.yaml",
                    "clouds:\n  prod:\n    auth:\n      auth_url: http://x/v3\n",
                );
            }
            writeYaml(dir, name, text);
            assert.throws(
                () => resolveAuth({ cloud: "prod", env: { HOME: dir }, cwd: dir }),
                (err: Error) => {
                    assert.match(err.message, expected);
                    assert.ok(
                        !err.message.includes("s3cr3t-sentinel-"),
                        err.message.length.toString(),
                    );
                    // A duplicate key is named by its key path; other errors quote no key.
                    assert.ok(
                        expected.source.includes("DUPLICATE_KEY") ||
                            !err.message.includes("password"),
                        "the key is not quoted either",
                    );
                    return true;
                },
            );
        });
    }
});
