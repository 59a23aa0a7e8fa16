// The openstack provider's inputs from the resolved identity: explicit, identical from run to
// run, secrets from files only as Pulumi secrets, and refused where the provider's own reading
// (OS_* fallbacks, OS_CLOUD) would make it another identity than the program's session.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { resolveAuth } from "../../components/openstack/credentials";
import { providerArgs, providerInputs } from "../../components/openstack/provider";

const SENTINEL = "s3cr3t-sentinel-provider-Hq3";
const KEYSTONE = "https://keystone.example:5000/v3";

function layout(entry: Record<string, unknown>, file = "clouds.yaml") {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "provider-inputs-"));
    fs.writeFileSync(path.join(root, file), YAML.stringify({ clouds: { prod: entry } }));
    return { cwd: root, env: { HOME: root, XDG_CONFIG_DIRS: root } as NodeJS.ProcessEnv };
}

const prodEntry = {
    auth: {
        auth_url: KEYSTONE,
        username: "operator",
        password: SENTINEL,
        project_name: "magnum",
        user_domain_name: "Default",
        project_domain_name: "Default",
    },
    region_name: "RegionTwo",
    interface: "internal",
    cacert: "/etc/ssl/prod.pem",
};

function inputsFor(
    entry: Record<string, unknown>,
    extraEnv: NodeJS.ProcessEnv = {},
    cloud = "prod",
) {
    const { cwd, env } = layout(entry);
    Object.assign(env, extraEnv);
    const resolved = resolveAuth({ cloud, env, cwd });
    return () => providerInputs(resolved, env, cwd, cloud);
}

function refusal(fn: () => unknown): Error {
    try {
        fn();
    } catch (err) {
        assert.ok(!(err as Error).message.includes("s3cr3t-sentinel-"), "a secret in the message");
        return err as Error;
    }
    assert.fail("expected a refusal");
}

describe("openstack provider inputs", () => {
    it("names the identity explicitly and identically on two evaluations", () => {
        const evaluate = inputsFor(prodEntry);
        const first = evaluate();
        assert.deepEqual(first.plain, {
            cloud: "",
            authUrl: KEYSTONE,
            region: "RegionTwo",
            endpointType: "internal",
            insecure: false,
            cacertFile: "/etc/ssl/prod.pem",
            userName: "operator",
            userDomainName: "Default",
            tenantName: "magnum",
            projectDomainName: "Default",
        });
        assert.deepEqual(evaluate(), first);
        assert.deepEqual(inputsFor(prodEntry)(), first, "a fresh resolution gives the same inputs");
        assert.ok(!JSON.stringify(first.plain).includes(SENTINEL));
    });

    it("gives a password from clouds.yaml only as a Pulumi secret", async () => {
        const args = providerArgs(inputsFor(prodEntry)());
        const password = args.password as pulumi.Output<string>;
        assert.ok(pulumi.Output.isInstance(password));
        assert.equal(await pulumi.isSecret(password), true);
        assert.equal(args.authUrl, KEYSTONE);
    });

    it("leaves a password from OS_PASSWORD to the provider's own reading of it", () => {
        const horizon = { ...prodEntry, auth: { ...prodEntry.auth, password: undefined } };
        const inputs = inputsFor(horizon, { OS_PASSWORD: SENTINEL })();
        assert.deepEqual(inputs.secret, {});
        assert.equal("password" in providerArgs(inputs), false);
    });

    it("refuses a stale OS_APPLICATION_CREDENTIAL_ID the provider would take over the password", () => {
        const err = refusal(inputsFor(prodEntry, { OS_APPLICATION_CREDENTIAL_ID: "stale" }));
        assert.match(err.message, /OS_APPLICATION_CREDENTIAL_ID is set/);
        assert.match(
            err.message,
            /openstacksdk reads password auth as user operator in project magnum/,
        );
        assert.match(err.message, /the openstack provider would take OS_APPLICATION_CREDENTIAL_ID/);
    });

    it("refuses OS_CLOUD naming another cloud than the stack config", () => {
        const err = refusal(inputsFor(prodEntry, { OS_CLOUD: "staging" }));
        assert.match(err.message, /OS_CLOUD is "staging", but the program uses cloud "prod"/);
    });

    it("refuses, with OS_CLOUD set, an entry whose keys gophercloud would not read", () => {
        const dashed = {
            ...prodEntry,
            auth: {
                ...prodEntry.auth,
                project_domain_name: undefined,
                "project-domain-name": "Default",
            },
        };
        const err = refusal(inputsFor(dashed, { OS_CLOUD: "prod" }));
        assert.match(
            err.message,
            /gophercloud ignores auth\.project-domain-name, which openstacksdk reads/,
        );
        const topLevel = {
            ...prodEntry,
            project_domain_name: "Default",
            auth: { ...prodEntry.auth, project_domain_name: undefined },
        };
        assert.match(
            refusal(inputsFor(topLevel, { OS_CLOUD: "prod" })).message,
            /gophercloud ignores project_domain_name/,
        );
        const apiVersions = { ...prodEntry, identity_api_version: 3, volume_api_version: 3 };
        assert.doesNotThrow(inputsFor(apiVersions, { OS_CLOUD: "prod" }));
    });

    it("refuses, with OS_CLOUD set, a clouds.yml the provider would not find", () => {
        const { cwd, env } = layout(prodEntry, "clouds.yml");
        env.OS_CLOUD = "prod";
        const resolved = resolveAuth({ env, cwd });
        const err = refusal(() => providerInputs(resolved, env, cwd));
        assert.match(err.message, /openstacksdk reads .*clouds\.yml, the provider would read none/);
    });
});
