// From empty to a running Keystone + Neutron: render the configs, make the databases and key
// repositories, register the accounts, take (or restore) the pristine snapshot, and write the
// clients' clouds.yaml and openrc.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { z } from "zod";
import { passwordToken } from "./client";
import {
    ADMIN_CLOUD,
    AUTH_URL,
    CLOUD_DIR,
    CLOUDS_YAML,
    CloudState,
    CONFIGS,
    dataFile,
    DIRS,
    etcFile,
    HOST,
    NETWORK_URL,
    OPENRC,
    readState,
    REGION,
    STATE_FILE,
    TEMPLATES,
    TENANT_CLOUD,
} from "./layout";
import { dbtool, keystoneManage, probe, run, spawnService, waitUntil } from "./processes";

export function snapshotMatches(fingerprint: string): boolean {
    try {
        return readState(DIRS.snapshot).fingerprint === fingerprint;
    } catch {
        return false;
    }
}

export async function restoreSnapshot(): Promise<CloudState> {
    fs.rmSync(DIRS.data, { recursive: true, force: true });
    fs.cpSync(DIRS.snapshot, DIRS.data, { recursive: true });
    const state = readState(DIRS.data);
    writeConfigs(state);
    await Promise.all([startKeystone(), startNeutron(state)]);
    return state;
}

/** From nothing: independent steps run in parallel; the snapshot is written on the way. */
export async function initialize(fingerprint: string): Promise<CloudState> {
    fs.rmSync(DIRS.snapshot, { recursive: true, force: true });
    fs.rmSync(DIRS.data, { recursive: true, force: true });
    const staging = `${DIRS.snapshot}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(DIRS.data, { recursive: true });
    fs.mkdirSync(staging, { recursive: true });
    const secrets = {
        fingerprint,
        adminPassword: randomPassword(),
        neutronPassword: randomPassword(),
        operatorPassword: randomPassword(),
    };
    writeConfigs(secrets);

    const identity = (async () => {
        writeKeyRepository(dataFile("fernet-keys"));
        writeKeyRepository(dataFile("credential-keys"));
        await dbtool("wal", dataFile("keystone.db"));
        await keystoneManage("db_sync");
        await keystoneManage(
            "bootstrap",
            // Joined: argparse takes a separate value starting with "-" for an option.
            `--bootstrap-password=${secrets.adminPassword}`,
            "--bootstrap-region-id",
            REGION,
            "--bootstrap-public-url",
            AUTH_URL,
        );
        await startKeystone();
        const tenantProjectId = await registerAccounts(secrets);
        await dbtool("backup", dataFile("keystone.db"), path.join(staging, "keystone.db"));
        for (const keys of ["fernet-keys", "credential-keys"]) {
            fs.cpSync(dataFile(keys), path.join(staging, keys), { recursive: true });
        }
        return tenantProjectId;
    })();
    const networking = (async () => {
        await dbtool(
            "neutron-schema",
            dataFile("neutron.db"),
            etcFile("neutron.conf"),
            etcFile("ml2_conf.ini"),
        );
        // Copied before neutron-server first writes to it; the server starts while Keystone
        // is still being set up (it needs Keystone only to serve requests).
        await dbtool("backup", dataFile("neutron.db"), path.join(staging, "neutron.db"));
        spawnNeutron();
    })();

    // Both branches run to their end before a failure is reported: none spawns a service
    // after the caller has cleaned up.
    const failure = (await Promise.allSettled([identity, networking])).find(
        (result) => result.status === "rejected",
    );
    if (failure !== undefined) {
        throw failure.reason;
    }
    const state: CloudState = { ...secrets, tenantProjectId: await identity };
    await waitForNeutron(state);
    // cloud.json last: data/ or a snapshot without it never counts as complete.
    for (const dir of [staging, DIRS.data]) {
        fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(state, null, 4), {
            mode: 0o600,
        });
    }
    fs.renameSync(staging, DIRS.snapshot);
    return state;
}

export function writeConfigs(secrets: { neutronPassword: string }): void {
    const render = (name: string) =>
        fs
            .readFileSync(path.join(TEMPLATES, name), "utf8")
            .replaceAll("@DIR@", CLOUD_DIR)
            .replaceAll("@HOST@", HOST)
            .replaceAll("@NEUTRON_PASSWORD@", secrets.neutronPassword);
    for (const name of CONFIGS) {
        fs.writeFileSync(etcFile(name), render(name), { mode: 0o600 });
    }
}

/** Changes to this file, the templates, the helper or the packages invalidate the snapshot. */
export async function computeFingerprint(): Promise<string> {
    const hash = crypto.createHash("sha256").update(fs.readFileSync(__filename)).update(HOST);
    for (const name of [...CONFIGS, "dbtool.py"]) {
        hash.update(name).update(fs.readFileSync(path.join(TEMPLATES, name)));
    }
    hash.update(await run("dpkg-query", ["-W", "-f", "${Version} ", "keystone", "neutron-server"]));
    return hash.digest("hex");
}

export async function startKeystone(): Promise<void> {
    spawnService("keystone", "/usr/bin/uwsgi", [
        "--plugin",
        "python3",
        "--http-socket",
        `${HOST}:5000`,
        "--wsgi-file",
        "/usr/bin/keystone-wsgi-public",
        "--master",
        // One thread per process: threads sharing SQLite see "database is locked".
        "--processes",
        "2",
        "--threads",
        "1",
        "--die-on-term",
        // Without it clients reuse sockets uwsgi has dropped and see random resets.
        "--add-header",
        "Connection: close",
    ]);
    await waitUntil("keystone", `GET ${AUTH_URL} = 200`, () => probe(AUTH_URL));
}

export async function startNeutron(state: CloudState): Promise<void> {
    spawnNeutron();
    await waitForNeutron(state);
}

export function spawnNeutron(): void {
    spawnService("neutron", "/usr/bin/neutron-server", [
        "--config-file",
        etcFile("neutron.conf"),
        "--config-file",
        etcFile("ml2_conf.ini"),
    ]);
}

export async function waitForNeutron(state: CloudState): Promise<void> {
    // Only an authenticated call proves neutron-server and Keystone work together.
    let token: string | undefined;
    const url = `${NETWORK_URL}/v2.0/security-groups?fields=id`;
    await waitUntil("neutron", `GET ${url} with a tenant token = 200`, async () => {
        if (!(await probe(`${NETWORK_URL}/`))) {
            return false;
        }
        token ??= (await passwordToken("operator", "tenant", state.operatorPassword)).token;
        return probe(url, (status) => status === 200, { "X-Auth-Token": token });
    });
}

/** The service user Neutron validates tokens with, its endpoint, and the tenant. */
export async function registerAccounts(state: {
    adminPassword: string;
    neutronPassword: string;
    operatorPassword: string;
}): Promise<string> {
    const { token } = await passwordToken("admin", "admin", state.adminPassword);
    const call = async (method: string, url: string, body?: unknown): Promise<unknown> => {
        const response = await fetch(`${AUTH_URL}${url}`, {
            method,
            headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!response.ok) {
            throw new Error(
                `keystone ${method} ${url}: expected 2xx, got ${response.status} ` +
                    (await response.text()).slice(0, 500),
            );
        }
        return response.status === 204 ? undefined : response.json();
    };
    const created = async (kind: string, url: string, body: object) =>
        z
            .object({ [kind]: z.object({ id: z.string() }) })
            .parse(await call("POST", url, { [kind]: body }))[kind].id;
    const roles = z
        .object({ roles: z.array(z.object({ id: z.string(), name: z.string() })) })
        .parse(await call("GET", "/roles")).roles;
    const roleId = (name: string) => {
        const role = roles.find((r) => r.name === name);
        if (role === undefined) {
            throw new Error(`keystone GET /roles: expected role "${name}" from bootstrap`);
        }
        return role.id;
    };

    const service = await created("project", "/projects", {
        name: "service",
        domain_id: "default",
    });
    const tenant = await created("project", "/projects", { name: "tenant", domain_id: "default" });
    const neutron = await created("user", "/users", {
        name: "neutron",
        domain_id: "default",
        password: state.neutronPassword,
    });
    const operator = await created("user", "/users", {
        name: "operator",
        domain_id: "default",
        password: state.operatorPassword,
    });
    await call("PUT", `/projects/${service}/users/${neutron}/roles/${roleId("admin")}`);
    await call("PUT", `/projects/${tenant}/users/${operator}/roles/${roleId("member")}`);
    const network = await created("service", "/services", { name: "neutron", type: "network" });
    await created("endpoint", "/endpoints", {
        service_id: network,
        interface: "public",
        region_id: REGION,
        url: NETWORK_URL,
    });
    return tenant;
}

export function writeClientFiles(state: CloudState): void {
    const cloud = (username: string, password: string, project: string) => ({
        auth: {
            auth_url: AUTH_URL,
            username,
            password,
            project_name: project,
            user_domain_name: "Default",
            project_domain_name: "Default",
        },
        auth_type: "password",
        region_name: REGION,
        interface: "public",
        identity_api_version: 3,
    });
    const clouds = {
        clouds: {
            [TENANT_CLOUD]: cloud("operator", state.operatorPassword, "tenant"),
            [ADMIN_CLOUD]: cloud("admin", state.adminPassword, "admin"),
        },
    };
    fs.writeFileSync(CLOUDS_YAML, YAML.stringify(clouds), { mode: 0o600 });
    const openrc = {
        OS_AUTH_TYPE: "password",
        OS_AUTH_URL: AUTH_URL,
        OS_IDENTITY_API_VERSION: "3",
        OS_INTERFACE: "public",
        OS_REGION_NAME: REGION,
        OS_USERNAME: "operator",
        OS_PASSWORD: state.operatorPassword,
        OS_PROJECT_NAME: "tenant",
        OS_USER_DOMAIN_NAME: "Default",
        OS_PROJECT_DOMAIN_NAME: "Default",
    };
    fs.writeFileSync(
        OPENRC,
        Object.entries(openrc)
            .map(([key, value]) => `export ${key}='${value}'\n`)
            .join(""),
        { mode: 0o600 },
    );
}

/** What `keystone-manage fernet_setup` writes (a staged key 0 and a primary key 1), without
 * the ~2 s of a Python start-up per repository. */
export function writeKeyRepository(dir: string): void {
    fs.mkdirSync(dir, { mode: 0o700 });
    for (const name of ["0", "1"]) {
        fs.writeFileSync(path.join(dir, name), crypto.randomBytes(32).toString("base64url") + "=", {
            mode: 0o600,
        });
    }
}

/** 24 characters of base64url after a letter: never read as an option where a tool takes it. */
export function randomPassword(): string {
    return `p${crypto.randomBytes(18).toString("base64url")}`;
}
