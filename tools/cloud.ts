// `capi-mgmt-ingress cloud up|down|status`: the local Keystone + neutron-server on loopback
// (LOCAL_CLOUD_HOST, 127.0.0.1 by default). Each prints one JSON document.
import { cloudMemory, ensureCloud, stopCloud } from "./localcloud/cloud";
import { HOST, type Service } from "./localcloud/layout";
import { Progress } from "./cli/output";

/**
 * `cloud status`'s document: `running` only when every service has a live process of this
 * cloud's (its pid file's group, carrying its marker: groupMembers in localcloud/processes.ts);
 * `down` names those without one, `host` is LOCAL_CLOUD_HOST's address.
 */
export function cloudStatus(memory: Record<Service, { pids: number[]; pssMiB: number }>) {
    const down = (Object.keys(memory) as Service[]).filter((s) => memory[s].pids.length === 0);
    return { running: down.length === 0, host: HOST, down, memory };
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
    status: async () => cloudStatus(cloudMemory()),
} satisfies Record<string, (progress: Progress) => Promise<unknown>>;
