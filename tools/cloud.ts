// `capi-mgmt-ingress cloud up|down|status`: the local Keystone + neutron-server on loopback
// (LOCAL_CLOUD_HOST, 127.0.0.1 by default). Each prints one JSON document.
import { cloudMemory, ensureCloud, stopCloud } from "./localcloud/cloud";
import { Progress } from "./cli/output";

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
    status: async () => ({ memory: cloudMemory() }),
} satisfies Record<string, (progress: Progress) => Promise<unknown>>;
