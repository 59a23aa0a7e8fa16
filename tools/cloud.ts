// `capi-mgmt-ingress cloud up|down|status`: the local Keystone + neutron-server on loopback
// (LOCAL_CLOUD_HOST, 127.0.0.1 by default). Each prints one JSON document.
import { cloudMemory, ensureCloud, stopCloud } from "./localcloud/cloud";
import { AUTH_URL, CLOUD_DIR, HOST, NETWORK_URL, type Service } from "./localcloud/layout";
import { listeningAddresses } from "./localcloud/listening";
import { probe } from "./localcloud/processes";
import { Progress } from "./cli/output";

/** A status probe waits this long: loopback refuses at once, so only a hung service waits. */
const STATUS_PROBE_MS = 1500;

type Memory = Record<Service, { pids: number[]; pssMiB: number }>;

/**
 * `cloud status`'s document: `running` only when every service has a live process of this
 * cloud's (its pid file's group, carrying its marker: groupMembers in localcloud/processes.ts)
 * that listens on LOCAL_CLOUD_HOST's address (`host`, or on any address) and answers there: this
 * checkout's processes may serve another address, started under another LOCAL_CLOUD_HOST, and
 * another checkout's cloud may answer on `host`. `down` names the services failing any of it;
 * `elsewhere` those whose processes run but listen only on other addresses; `listening` where
 * each service's processes listen; `answering` which answered on `host`.
 */
export function cloudStatus(
    memory: Memory,
    answering: Record<Service, boolean>,
    listening: Record<Service, string[]>,
) {
    const services = Object.keys(memory) as Service[];
    const elsewhere = services.filter(
        (s) => memory[s].pids.length > 0 && servedElsewhere(listening[s]),
    );
    const down = services.filter(
        (s) => memory[s].pids.length === 0 || elsewhere.includes(s) || !answering[s],
    );
    return {
        running: down.length === 0,
        host: HOST,
        down,
        elsewhere,
        listening,
        answering,
        memory,
    };
}

/** Listening, but neither on HOST nor on every address. Not listening yet counts as here. */
function servedElsewhere(addresses: string[]): boolean {
    return addresses.length > 0 && !addresses.some((a) => a === HOST || a === "0.0.0.0");
}

/** Why `status` is down, for stderr: the services not running, those running on another address. */
export function downReason(status: ReturnType<typeof cloudStatus>): string {
    const absent = status.down.filter((s) => !status.elsewhere.includes(s));
    const others = [...new Set(status.elsewhere.flatMap((s) => status.listening[s]))];
    return [
        absent.length > 0 ? `${absent.join(" and ")} not running` : "",
        status.elsewhere.length > 0
            ? `${status.elsewhere.join(" and ")} run but do not answer on ${status.host} ` +
              `(they listen on ${others.join(", ")})`
            : "",
    ]
        .filter((part) => part !== "")
        .join("; ");
}

/** Where each service's processes of this checkout listen (listening.ts). */
export function cloudListening(memory: Memory): Record<Service, string[]> {
    return {
        keystone: listeningAddresses(memory.keystone.pids),
        neutron: listeningAddresses(memory.neutron.pids),
    };
}

/** Whether Keystone (GET /v3) and neutron-server (GET /) answer 200 on `host`'s ports. */
export async function cloudAnswers(host = HOST): Promise<Record<Service, boolean>> {
    const on = (url: string) => {
        const target = new URL(url);
        target.hostname = host;
        return probe(target.href, (status) => status === 200, {}, STATUS_PROBE_MS);
    };
    const [keystone, neutron] = await Promise.all([on(AUTH_URL), on(`${NETWORK_URL}/`)]);
    return { keystone, neutron };
}

/**
 * Refuses to stop this checkout's cloud when it listens on another address than HOST: a checkout
 * runs one cloud (one pid file per service under .cloud/run/), so `down` under another
 * LOCAL_CLOUD_HOST would stop a cloud on an address it was not given. Throws naming the address.
 */
export function assertDownHere(memory: Memory): void {
    const listening = cloudListening(memory);
    const elsewhere = (Object.keys(listening) as Service[]).filter((s) =>
        servedElsewhere(listening[s]),
    );
    if (elsewhere.length > 0) {
        const others = [...new Set(elsewhere.flatMap((s) => listening[s]))].join(", ");
        throw new Error(
            `the local cloud of ${CLOUD_DIR} listens on ${others}, not on LOCAL_CLOUD_HOST ` +
                `${HOST}: nothing stopped; to stop it, run with LOCAL_CLOUD_HOST=${others}`,
        );
    }
}

export const cloudCommands = {
    up: async (progress: Progress) => {
        const started = Date.now();
        const cloud = await progress.step("starting the local Keystone and Neutron", () =>
            ensureCloud(),
        );
        return { ...cloud, seconds: (Date.now() - started) / 1000, memory: cloudMemory() };
    },
    down: async (progress: Progress) => {
        assertDownHere(cloudMemory());
        await progress.step("stopping the local Keystone and Neutron", () => stopCloud());
        return { stopped: true };
    },
    status: async () => {
        const memory = cloudMemory();
        return cloudStatus(memory, await cloudAnswers(), cloudListening(memory));
    },
} satisfies Record<string, (progress: Progress) => Promise<unknown>>;
