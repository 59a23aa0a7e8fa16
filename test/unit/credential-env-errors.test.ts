// The operator's credential environment as the command line reports it: OS_CLOUD_NAME, an
// OS_REGION_NAME the stack's cloud disagrees with, and no credentials at all are kind config
// (exit 2), naming the variable, the clouds found and the files read, and never a secret.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { cliStackConfig, run } from "../support/cli-run";

const SECRET = "s3cr3t-sentinel-password";

describe("capi-mgmt-ingress credential environment errors", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-env-errors-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const stackFile = (cloud: string) => {
        const file = path.join(dir, "Pulumi.t.yaml");
        fs.writeFileSync(file, stringify({ config: cliStackConfig(cloud) }));
        return file;
    };
    const cloudsFile = () => {
        const file = path.join(dir, "clouds.yaml");
        const auth = {
            auth_url: "http://127.0.0.1:9/v3",
            username: "u",
            password: SECRET,
            project_name: "p",
            user_domain_name: "Default",
            project_domain_name: "Default",
        };
        fs.writeFileSync(
            file,
            stringify({ clouds: { prod: { auth, region_name: "RegionTwo" }, lab: { auth } } }),
        );
        return file;
    };

    /** Runs `work` with only `vars` of the OS_* variables, HOME an empty directory. */
    async function withEnv(vars: Record<string, string>, work: () => Promise<void>) {
        const saved = { ...process.env };
        const clear = () => {
            for (const key of Object.keys(process.env)) {
                if (key.startsWith("OS_") || key.startsWith("XDG_") || key === "HOME") {
                    delete process.env[key];
                }
            }
        };
        clear();
        const home = fs.mkdtempSync(path.join(dir, "home-"));
        Object.assign(process.env, { HOME: home }, vars);
        try {
            await work();
        } finally {
            clear();
            Object.assign(process.env, saved);
        }
    }

    /** Runs audit and verify with --json and as text; returns the error document's error. */
    async function configError(file: string): Promise<{ message: string }> {
        let first: { message: string } | undefined;
        for (const command of ["audit", "verify"]) {
            const r = await run(command, "--stack", file, "--json");
            assert.equal(r.code, 2, r.stdout + r.stderr);
            const { error } = JSON.parse(r.stdout);
            assert.equal(error.kind, "config", error.message);
            assert.equal(error.exitCode, 2);
            assert.deepEqual(error.problems, [error.message]);
            const text = await run(command, "--stack", file);
            assert.equal(text.code, 2);
            assert.equal(text.stderr, `${command}: ${error.message}\n`);
            for (const out of [r.stdout, r.stderr, text.stdout, text.stderr]) {
                assert.equal(out.includes("s3cr3t-sentinel"), false, "no secret printed");
            }
            first ??= error;
        }
        return first as { message: string };
    }

    it("OS_CLOUD_NAME set: kind config, naming the variable, the clouds and files", async () => {
        const clouds = cloudsFile();
        const openrc = {
            OS_AUTH_URL: "http://127.0.0.1:9/v3",
            OS_USERNAME: "u",
            OS_PASSWORD: SECRET,
            OS_CLOUD_NAME: "mine",
            OS_CLIENT_CONFIG_FILE: clouds,
        };
        await withEnv(openrc, async () => {
            const { message } = await configError(stackFile(""));
            assert.equal(
                message,
                'OS_CLOUD_NAME is set; this program reads the OS_* variables only as the cloud "envvars"; ' +
                    `clouds found: prod, lab, envvars (the OS_* variables); files read: ${clouds}; ` +
                    "expected OS_CLOUD_NAME unset (a clouds.yaml entry is selected by the stack " +
                    "config's `cloud` or OS_CLOUD)",
            );
        });
    });

    it("OS_REGION_NAME other than the cloud's region: kind config, naming both regions", async () => {
        const clouds = cloudsFile();
        const vars = { OS_REGION_NAME: "RegionOne", OS_CLIENT_CONFIG_FILE: clouds };
        await withEnv(vars, async () => {
            const { message } = await configError(stackFile("prod"));
            assert.match(
                message,
                /^OS_REGION_NAME and cloud "prod" of \S+ disagree: openstacksdk's loader reads region "RegionTwo" from the cloud, the openstack provider \(and the openstack CLI\) take "RegionOne" from OS_REGION_NAME; clouds found: prod, lab; files read: \S+; expected OS_REGION_NAME unset or equal to the cloud's region_name \("RegionTwo"\)$/,
            );
            assert.ok(message.includes(`files read: ${clouds};`), message);
        });
    });

    it("no credentials at all: kind config, naming the variables and the directories searched", async () => {
        await withEnv({}, async () => {
            const { message } = await configError(stackFile(""));
            assert.match(
                message,
                /^No OpenStack credentials: no cloud named \(config `cloud` or OS_CLOUD\), no OS_\* variables, and no clouds\.yaml; clouds found: none; files read: none \(no clouds\.yaml in .*\.config\/openstack.*\); expected the stack config's `cloud` or OS_CLOUD naming a clouds\.yaml entry, a clouds\.yaml with one cloud, or the OS_\* variables of an openrc \(OS_AUTH_URL and the rest\)$/,
            );
        });
    });

    it("review --live of the rehearsal stack without OS_CLIENT_CONFIG_FILE: kind config, as the README says", async () => {
        await withEnv({}, async () => {
            const r = await run("review", "--stack", "rehearsal", "--live", "--json");
            assert.equal(r.code, 2, r.stdout);
            const { error } = JSON.parse(r.stdout);
            assert.equal(error.kind, "config");
            const begins = 'Cloud "rehearsal" is not in any clouds.yaml';
            assert.ok(error.message.startsWith(`${begins} (named by the stack config's`));
            const readme = fs
                .readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8")
                .replace(/\s+/g, " ");
            assert.ok(readme.includes(`the message begins \`${begins}\``), "README says it");
        });
    });
});
