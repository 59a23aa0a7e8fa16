// A real Keystone + neutron-server on loopback (Debian's packages, SQLite, no broker, no agents)
// for the integration tests and the rehearsal. All state lives under .cloud/:
//   etc/        configs rendered from scripts/local-cloud/ on every start
//   data/       the live databases, key repositories and cloud.json (passwords, ids)
//   snapshot/   a pristine copy of data/ taken right after the first initialization
//   run/        pid files (one process group per service) and the start/stop lock
//   log/        service logs
// Every start from stopped restores the snapshot, so each run begins from the same state.
import { execFile, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { z } from "zod";

export interface LocalCloud {
    authUrl: string;
    networkUrl: string;
    cloudsYaml: string;
    cloudName: string;
    adminCloudName: string;
    /** OS_CLIENT_CONFIG_FILE + OS_CLOUD, selecting the tenant cloud. */
    env: Record<string, string>;
    /** The tenant project, which owns the seeded objects. */
    projectId: string;
}

const ROOT = path.resolve(__dirname, "../..");
export const CLOUD_DIR = path.join(ROOT, ".cloud");
const TEMPLATES = path.join(ROOT, "scripts", "local-cloud");
const DIRS = {
    etc: path.join(CLOUD_DIR, "etc"),
    data: path.join(CLOUD_DIR, "data"),
    snapshot: path.join(CLOUD_DIR, "snapshot"),
    run: path.join(CLOUD_DIR, "run"),
    log: path.join(CLOUD_DIR, "log"),
};
const CONFIGS = ["keystone.conf", "neutron.conf", "ml2_conf.ini"];
const STATE_FILE = "cloud.json";
const CLOUDS_YAML = path.join(CLOUD_DIR, "clouds.yaml");
const OPENRC = path.join(CLOUD_DIR, "openrc");

// LOCAL_CLOUD_HOST lets two checkouts run their clouds side by side, each on its own loopback
// address; anything outside 127.0.0.0/8 is refused, so the cloud never listens off the machine.
const HOST = loopbackHost(process.env.LOCAL_CLOUD_HOST);
const IDENTITY_URL = `http://${HOST}:5000`;
const AUTH_URL = `${IDENTITY_URL}/v3`;
const NETWORK_URL = `http://${HOST}:9696`;
const REGION = "RegionOne";
const TENANT_CLOUD = "rehearsal";
const ADMIN_CLOUD = "rehearsal-admin";

const PYTHON = "/usr/bin/python3";
const REQUIRED_FILES = [
    PYTHON,
    "/usr/bin/keystone-manage",
    "/usr/bin/keystone-wsgi-public",
    "/usr/bin/uwsgi",
    "/usr/bin/neutron-server",
    "/usr/lib/python3/dist-packages/neutron/db/migration/cli.py",
];
// Set in every service's environment: a pid file's process is ours only if it carries this
// (or, once setproctitle has overwritten the environment, names our config directory).
const MARKER = "LOCAL_CLOUD_DIR";
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

type Service = "keystone" | "neutron";

const CloudState = z.object({
    fingerprint: z.string(),
    adminPassword: z.string().min(16),
    neutronPassword: z.string().min(16),
    operatorPassword: z.string().min(16),
    tenantProjectId: z.string().regex(/^[0-9a-f]{32}$/),
});
type CloudState = z.infer<typeof CloudState>;

function loopbackHost(value: string | undefined): string {
    if (value === undefined || value === "") {
        return "127.0.0.1";
    }
    if (!/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){2}$/.test(value)) {
        throw new Error(`LOCAL_CLOUD_HOST=${value}: expected an IPv4 loopback address (127.x.y.z)`);
    }
    return value;
}

/** ok:false only when the Debian packages are absent; the reason says what to install. */
export function cloudAvailable(): { ok: true } | { ok: false; reason: string } {
    const missing = REQUIRED_FILES.filter((file) => !fs.existsSync(file));
    if (missing.length === 0) {
        return { ok: true };
    }
    const reason =
        `local cloud unavailable: ${missing.join(", ")} not found; install Debian's packages: ` +
        "apt-get install -y --no-install-recommends keystone neutron-server";
    console.warn(reason);
    return { ok: false, reason };
}

/** The local cloud for an integration suite's `before`, or the suite skipped with the reason. */
export async function cloudOrSkip(suite: Mocha.Context): Promise<LocalCloud> {
    const available = cloudAvailable();
    if (!available.ok) {
        // CI installs the packages: there, their absence is a failure, not a skip.
        if (process.env.CI) {
            throw new Error(available.reason);
        }
        console.log(`      skipped: ${available.reason}`);
        suite.skip();
    }
    return ensureCloud();
}

let inflight: Promise<LocalCloud> | undefined;

/**
 * Returns at once when both services answer; restarts a missing one on the current data;
 * when both are down, restores the pristine snapshot (or builds it) and starts them.
 */
export function ensureCloud(): Promise<LocalCloud> {
    inflight ??= withLock(startCloud).finally(() => {
        inflight = undefined;
    });
    return inflight;
}

/** Stops both services and waits until every process of theirs is gone. */
export async function stopCloud(): Promise<void> {
    await withLock(() => Promise.all([stopService("keystone"), stopService("neutron")]));
}

/** SIGKILLs neutron-server's whole process group, as a crash would. */
export async function killNetworking(): Promise<void> {
    await withLock(() => stopService("neutron", "SIGKILL"));
}

/** Starts neutron-server on the current data (no restore) and waits until it serves. */
export async function startNetworking(): Promise<void> {
    await withLock(async () => {
        if (groupMembers("neutron").length === 0) {
            await startNeutron(readState(DIRS.data));
        }
    });
}

export async function restartNetworking(): Promise<void> {
    await withLock(async () => {
        await stopService("neutron");
        await startNeutron(readState(DIRS.data));
    });
}

/** Proportional set size of each service's processes, in MiB (shared pages split fairly). */
export function cloudMemory(): Record<Service, { pids: number[]; pssMiB: number }> {
    const measure = (service: Service) => {
        const pids = groupMembers(service);
        const kib = pids.reduce((sum, pid) => sum + pssKiB(pid), 0);
        return { pids, pssMiB: Math.round(kib / 1024) };
    };
    return { keystone: measure("keystone"), neutron: measure("neutron") };
}

// ---------------------------------------------------------------------------------------------
// Start-up

async function startCloud(): Promise<LocalCloud> {
    const available = cloudAvailable();
    if (!available.ok) {
        throw new Error(available.reason);
    }
    const [keystoneUp, neutronUp] = await Promise.all([
        serviceAnswers("keystone", AUTH_URL),
        serviceAnswers("neutron", `${NETWORK_URL}/`),
    ]);
    if ((keystoneUp || neutronUp) && fs.existsSync(dataFile(STATE_FILE))) {
        // Running (or half-running after a fault test): keep the data others may be using.
        const state = readState(DIRS.data);
        if (!keystoneUp) {
            await restartService("keystone", `${IDENTITY_URL}/`, () => startKeystone());
        }
        if (!neutronUp) {
            await restartService("neutron", `${NETWORK_URL}/`, () => startNeutron(state));
        }
        return handles(state);
    }
    await Promise.all([stopService("keystone"), stopService("neutron")]);
    await assertPortFree(`${IDENTITY_URL}/`);
    await assertPortFree(`${NETWORK_URL}/`);
    for (const dir of [DIRS.etc, DIRS.run, path.join(DIRS.run, "locks"), DIRS.log]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    const fingerprint = await computeFingerprint();
    try {
        const state = snapshotMatches(fingerprint)
            ? await restoreSnapshot()
            : await initialize(fingerprint);
        writeClientFiles(state);
        return handles(state);
    } catch (err) {
        // Nothing half-started is left behind.
        await Promise.all([stopService("keystone"), stopService("neutron")]);
        throw err;
    }
}

/** The service runs as our process group and answers on its port. */
async function serviceAnswers(service: Service, url: string): Promise<boolean> {
    return groupMembers(service).length > 0 && (await probe(url));
}

async function restartService(
    service: Service,
    url: string,
    start: () => Promise<void>,
): Promise<void> {
    await stopService(service);
    await assertPortFree(url);
    await start();
}

async function assertPortFree(url: string): Promise<void> {
    if (!(await probe(url, () => true))) {
        return;
    }
    const others = otherClouds();
    const holder =
        others.length > 0
            ? `the local cloud of another checkout holds it: run \`npm run cloud:down\` in ${others.join(", ")}`
            : "stop whatever holds it";
    throw new Error(
        `${new URL(url).host} already answers (GET ${url}) but no process of ${CLOUD_DIR} runs there: ` +
            `expected a free port; ${holder}`,
    );
}

/** The project directories of local clouds run from other checkouts on this machine. */
function otherClouds(): string[] {
    const dirs = new Set<string>();
    for (const pid of fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
        const marker = readProc(pid, "environ")
            ?.split("\0")
            .find((variable) => variable.startsWith(`${MARKER}=`));
        const dir = marker?.slice(MARKER.length + 1);
        if (dir !== undefined && dir !== CLOUD_DIR) {
            dirs.add(path.dirname(dir));
        }
    }
    return [...dirs];
}

function snapshotMatches(fingerprint: string): boolean {
    try {
        return readState(DIRS.snapshot).fingerprint === fingerprint;
    } catch {
        return false;
    }
}

async function restoreSnapshot(): Promise<CloudState> {
    fs.rmSync(DIRS.data, { recursive: true, force: true });
    fs.cpSync(DIRS.snapshot, DIRS.data, { recursive: true });
    const state = readState(DIRS.data);
    writeConfigs(state);
    await Promise.all([startKeystone(), startNeutron(state)]);
    return state;
}

/** From nothing: independent steps run in parallel; the snapshot is written on the way. */
async function initialize(fingerprint: string): Promise<CloudState> {
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
            "--bootstrap-password",
            secrets.adminPassword,
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

function writeConfigs(secrets: { neutronPassword: string }): void {
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
async function computeFingerprint(): Promise<string> {
    const hash = crypto.createHash("sha256").update(fs.readFileSync(__filename)).update(HOST);
    for (const name of [...CONFIGS, "dbtool.py"]) {
        hash.update(name).update(fs.readFileSync(path.join(TEMPLATES, name)));
    }
    hash.update(await run("dpkg-query", ["-W", "-f", "${Version} ", "keystone", "neutron-server"]));
    return hash.digest("hex");
}

async function startKeystone(): Promise<void> {
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

async function startNeutron(state: CloudState): Promise<void> {
    spawnNeutron();
    await waitForNeutron(state);
}

function spawnNeutron(): void {
    spawnService("neutron", "/usr/bin/neutron-server", [
        "--config-file",
        etcFile("neutron.conf"),
        "--config-file",
        etcFile("ml2_conf.ini"),
    ]);
}

async function waitForNeutron(state: CloudState): Promise<void> {
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
async function registerAccounts(state: {
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

function writeClientFiles(state: CloudState): void {
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

function handles(state: CloudState): LocalCloud {
    return {
        authUrl: AUTH_URL,
        networkUrl: NETWORK_URL,
        cloudsYaml: CLOUDS_YAML,
        cloudName: TENANT_CLOUD,
        adminCloudName: ADMIN_CLOUD,
        env: { OS_CLIENT_CONFIG_FILE: CLOUDS_YAML, OS_CLOUD: TENANT_CLOUD },
        projectId: state.tenantProjectId,
    };
}

function readState(dir: string): CloudState {
    const file = path.join(dir, STATE_FILE);
    return CloudState.parse(JSON.parse(fs.readFileSync(file, "utf8")));
}

// ---------------------------------------------------------------------------------------------
// Clients of the running cloud (seed and tests)

export interface Session {
    token: string;
    projectId: string;
}

const CloudsYaml = z.object({
    clouds: z.record(
        z.string(),
        z.object({
            auth: z.object({
                username: z.string(),
                password: z.string(),
                project_name: z.string(),
            }),
        }),
    ),
});

/** A project-scoped token for one of the clouds in cloud.cloudsYaml. */
export async function authenticate(cloud: LocalCloud, cloudName: string): Promise<Session> {
    const clouds = CloudsYaml.parse(YAML.parse(fs.readFileSync(cloud.cloudsYaml, "utf8"))).clouds;
    const entry = clouds[cloudName];
    if (entry === undefined) {
        throw new Error(`${cloud.cloudsYaml}: expected a cloud named "${cloudName}"`);
    }
    return passwordToken(entry.auth.username, entry.auth.project_name, entry.auth.password);
}

export interface ApiResponse {
    status: number;
    body: unknown;
}

/** One Networking API call; the caller judges the status. */
export async function networkCall(
    session: Session,
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    body?: unknown,
): Promise<ApiResponse> {
    const response = await fetch(`${NETWORK_URL}${url}`, {
        method,
        headers: { "X-Auth-Token": session.token, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

async function passwordToken(
    username: string,
    project: string,
    password: string,
): Promise<Session> {
    const url = `${AUTH_URL}/auth/tokens`;
    const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
            auth: {
                identity: {
                    methods: ["password"],
                    password: { user: { name: username, domain: { id: "default" }, password } },
                },
                scope: { project: { name: project, domain: { id: "default" } } },
            },
        }),
    });
    const token = response.headers.get("x-subject-token");
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status !== 201 || token === null) {
        throw new Error(
            `keystone POST ${url} as ${username} in project ${project}: expected 201 with ` +
                `X-Subject-Token, got ${response.status} ${JSON.stringify(body)?.slice(0, 300)}`,
        );
    }
    const projectId = z
        .object({ token: z.object({ project: z.object({ id: z.string() }) }) })
        .parse(body).token.project.id;
    return { token, projectId };
}

// ---------------------------------------------------------------------------------------------
// Processes

function spawnService(service: Service, command: string, args: string[]): void {
    const log = fs.openSync(path.join(DIRS.log, `${service}.out`), "a");
    const child = spawn(command, args, {
        // Own process group: stop signals reach every worker the service forks, and the
        // service outlives the node process that started it.
        detached: true,
        stdio: ["ignore", log, log],
        cwd: CLOUD_DIR,
        env: serviceEnv(),
    });
    fs.closeSync(log);
    if (child.pid === undefined) {
        throw new Error(`spawn ${command}: expected a process, got none (is it installed?)`);
    }
    child.unref();
    fs.writeFileSync(pidFile(service), `${child.pid}\n`);
}

/** A clean environment: no OS_* credentials, no foreign Python of the caller's PATH. */
function serviceEnv(): NodeJS.ProcessEnv {
    return {
        PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: CLOUD_DIR,
        LANG: "C.UTF-8",
        OS_KEYSTONE_CONFIG_FILES: etcFile("keystone.conf"),
        [MARKER]: CLOUD_DIR,
    };
}

async function stopService(
    service: Service,
    signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
): Promise<void> {
    const pgid = readPid(service);
    if (pgid === undefined) {
        return;
    }
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    let sent: NodeJS.Signals | undefined;
    for (;;) {
        const members = groupMembers(service);
        if (members.length === 0) {
            fs.rmSync(pidFile(service), { force: true });
            return;
        }
        const next: NodeJS.Signals = Date.now() > deadline ? "SIGKILL" : signal;
        if (sent !== next) {
            killGroup(pgid, members, next);
            sent = next;
        } else if (Date.now() > deadline + STOP_TIMEOUT_MS) {
            throw new Error(
                `stopping ${service}: expected its processes to exit after SIGKILL, ` +
                    `still running: ${members.join(", ")}`,
            );
        }
        await sleep(50);
    }
}

function killGroup(pgid: number, members: number[], signal: NodeJS.Signals): void {
    try {
        process.kill(-pgid, signal);
    } catch {
        // The leader's group may be gone while orphaned workers remain: signal them one by one.
        for (const pid of members) {
            try {
                process.kill(pid, signal);
            } catch {
                // Already exited.
            }
        }
    }
}

/** Live (not zombie) processes of the service's group that carry this cloud's marker. */
function groupMembers(service: Service): number[] {
    const pgid = readPid(service);
    if (pgid === undefined) {
        return [];
    }
    const members: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        const stat = readProc(entry, "stat");
        // Fields after "(comm)": state ppid pgrp ...
        const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields === undefined || Number(fields[2]) !== pgid || "ZX".includes(fields[0])) {
            continue;
        }
        if (isOurs(entry)) {
            members.push(Number(entry));
        }
    }
    return members;
}

/** neutron-server's setproctitle overwrites its environ, but its title keeps our config path. */
function isOurs(pid: string): boolean {
    return (
        readProc(pid, "environ")?.split("\0").includes(`${MARKER}=${CLOUD_DIR}`) === true ||
        readProc(pid, "cmdline")?.includes(`${DIRS.etc}/`) === true
    );
}

function pssKiB(pid: number): number {
    const match = /^Pss:\s+(\d+) kB/m.exec(readProc(String(pid), "smaps_rollup") ?? "");
    return match ? Number(match[1]) : 0;
}

function readProc(pid: string, file: string): string | undefined {
    try {
        return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
    } catch {
        return undefined;
    }
}

function readPid(service: Service): number | undefined {
    try {
        const pid = Number(fs.readFileSync(pidFile(service), "utf8").trim());
        return Number.isInteger(pid) && pid > 1 ? pid : undefined;
    } catch {
        return undefined;
    }
}

/** Polls `ready` (which may throw while the service warms up) until it holds. */
async function waitUntil(
    service: Service,
    expected: string,
    ready: () => Promise<boolean>,
): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let lastError = "";
    for (;;) {
        try {
            if (await ready()) {
                return;
            }
        } catch (err) {
            lastError = ` Last error: ${err instanceof Error ? err.message : String(err)}.`;
        }
        const exited = groupMembers(service).length === 0;
        if (exited || Date.now() > deadline) {
            throw new Error(
                `${service} ${exited ? "exited during start-up" : `did not start within ${START_TIMEOUT_MS / 1000} s`}; ` +
                    `expected ${expected}.${lastError}\n${logTails(service)}`,
            );
        }
        await sleep(100);
    }
}

/** True when the URL answers with a status `ok` accepts; false on any connection error. */
async function probe(
    url: string,
    ok: (status: number) => boolean = (status) => status === 200,
    headers: Record<string, string> = {},
): Promise<boolean> {
    try {
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
        await response.arrayBuffer();
        return ok(response.status);
    } catch {
        return false;
    }
}

/** Start, stop and restore run under one lock shared by every process using this tree. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
    fs.mkdirSync(DIRS.run, { recursive: true });
    const lock = path.join(DIRS.run, "lock");
    const deadline = Date.now() + 2 * START_TIMEOUT_MS;
    for (;;) {
        try {
            fs.mkdirSync(lock);
            fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
            break;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
                throw err;
            }
        }
        if (lockIsStale(lock)) {
            fs.rmSync(lock, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline) {
            throw new Error(`${lock}: expected the lock to be released; it is still held`);
        }
        await sleep(100);
    }
    try {
        return await fn();
    } finally {
        fs.rmSync(lock, { recursive: true, force: true });
    }
}

function lockIsStale(lock: string): boolean {
    try {
        const owner = Number(fs.readFileSync(path.join(lock, "pid"), "utf8"));
        const state = readProc(String(owner), "stat");
        return state === undefined || /\) [ZX] /.test(state);
    } catch {
        // Created but its pid not yet written, or a crash in between: stale once old.
        try {
            return Date.now() - fs.statSync(lock).mtimeMs > 10_000;
        } catch {
            return false;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Commands

function keystoneManage(...args: string[]): Promise<string> {
    return run("/usr/bin/keystone-manage", ["--config-file", etcFile("keystone.conf"), ...args]);
}

function dbtool(...args: string[]): Promise<string> {
    return run(PYTHON, [path.join(TEMPLATES, "dbtool.py"), ...args]);
}

/** Runs a command to completion; a non-zero exit names the command and its output. */
function run(command: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            command,
            args,
            { env: serviceEnv(), cwd: CLOUD_DIR, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => {
                if (err) {
                    // Arguments may hold a password: name only the subcommand.
                    reject(
                        new Error(
                            `${command} ${args.find((a) => !a.startsWith("-") && !a.includes("/")) ?? ""}: ` +
                                `expected exit 0, got ${err.code ?? err.signal}; output:\n` +
                                `${tailText(stdout + stderr)}`,
                        ),
                    );
                } else {
                    resolve(stdout);
                }
            },
        );
    });
}

function logTails(service: Service): string {
    return [".out", ".log"]
        .map((suffix) => path.join(DIRS.log, `${service}${suffix}`))
        .filter((file) => fs.existsSync(file))
        .map((file) => `Last lines of ${file}:\n${tailText(fs.readFileSync(file, "utf8"))}`)
        .join("\n");
}

function tailText(text: string): string {
    return text.trimEnd().split("\n").slice(-15).join("\n");
}

function pidFile(service: Service): string {
    return path.join(DIRS.run, `${service}.pid`);
}

function etcFile(name: string): string {
    return path.join(DIRS.etc, name);
}

function dataFile(name: string): string {
    return path.join(DIRS.data, name);
}

/** What `keystone-manage fernet_setup` writes (a staged key 0 and a primary key 1), without
 * the ~2 s of a Python start-up per repository. */
function writeKeyRepository(dir: string): void {
    fs.mkdirSync(dir, { mode: 0o700 });
    for (const name of ["0", "1"]) {
        fs.writeFileSync(path.join(dir, name), crypto.randomBytes(32).toString("base64url") + "=", {
            mode: 0o600,
        });
    }
}

function randomPassword(): string {
    return crypto.randomBytes(18).toString("base64url");
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
