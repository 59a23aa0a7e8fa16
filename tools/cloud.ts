// `capi-mgmt-ingress cloud up|down|status`: the local Keystone + neutron-server on loopback
// (LOCAL_CLOUD_HOST, 127.0.0.1 by default). Each prints one JSON document.
import { cloudMemory, ensureCloud, stopCloud } from "./localcloud/cloud";
import { AUTH_URL, HOST, NETWORK_URL, type Service } from "./localcloud/layout";
import { probe } from "./localcloud/processes";
import { Progress } from "./cli/output";

/** A status probe waits this long: loopback refuses at once, so only a hung service waits. */
const STATUS_PROBE_MS = 1500;

/**
 * `cloud status`'s document: `running` only when every service has a live process of this
 * cloud's (its pid file's group, carrying its marker: groupMembers in localcloud/processes.ts)
 * and answers on LOCAL_CLOUD_HOST's address (`host`): this checkout's processes may serve
 * another address, started under another LOCAL_CLOUD_HOST. `down` names the services failing
 * either; `answering` says which answered on `host`.
 */
export function cloudStatus(
    memory: Record<Service, { pids: number[]; pssMiB: number }>,
    answering: Record<Service, boolean>,
) {
    const down = (Object.keys(memory) as Service[]).filter(
        (s) => memory[s].pids.length === 0 || !answering[s],
    );
    return { running: down.length === 0, host: HOST, down, answering, memory };
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

export const cloudCommands = {
    up: async (progress: Progress) => {
        const started = Date.now();
        const cloud = await progress.step("starting the local Keystone and Neutron", () =>
            ensureCloud(),
        );
        return { ...cloud, seconds: (Date.now() - started) / 1000, memory: cloudMemory() };
    },
    down: async (progress: Progress) => {
        await progress.step("stopping the local Keystone and Neutron", () => stopCloud());
        return { stopped: true };
    },
    status: async () => cloudStatus(cloudMemory(), await cloudAnswers()),
} satisfies Record<string, (progress: Progress) => Promise<unknown>>;
