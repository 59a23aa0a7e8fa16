// A real Keystone + neutron-server on loopback (Debian's packages, SQLite, no broker, no agents)
// for the integration tests and the rehearsal. All state lives under .cloud/:
//   etc/        configs rendered from scripts/local-cloud/ on every start
//   data/       the live databases, key repositories and cloud.json (passwords, ids)
//   snapshot/   a pristine copy of data/ taken right after the first initialization
//   run/        pid files (one process group per service) and the start/stop lock
//   log/        service logs
// Every start from stopped restores the snapshot, so each run begins from the same state.
// This module is the cloud's public face (start, stop, faults, memory); layout.ts says where
// things live, processes.ts runs the services, bootstrap.ts builds them, client.ts talks to them.
import * as fs from "node:fs";
import * as path from "node:path";
import {
    computeFingerprint,
    initialize,
    restoreSnapshot,
    snapshotMatches,
    startKeystone,
    startNeutron,
    writeClientFiles,
} from "./bootstrap";
import {
    ADMIN_CLOUD,
    AUTH_URL,
    CLOUD_DIR,
    CLOUDS_YAML,
    CloudState,
    dataFile,
    DIRS,
    IDENTITY_URL,
    MARKER,
    NETWORK_URL,
    readState,
    REQUIRED_FILES,
    Service,
    STATE_FILE,
    TENANT_CLOUD,
} from "./layout";
import { groupMembers, probe, pssKiB, readProc, stopService, withLock } from "./processes";

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
