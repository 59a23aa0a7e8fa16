// `npm run cloud:up` / `npm run cloud:down`: the local Keystone + neutron-server on loopback.
// `ts-node --transpile-only tools/cloud.ts status` prints whether it runs and its memory.
import { cloudMemory, ensureCloud, stopCloud } from "./localcloud/cloud";

const commands: Record<string, () => Promise<unknown>> = {
    up: async () => {
        const started = Date.now();
        const cloud = await ensureCloud();
        return { ...cloud, seconds: (Date.now() - started) / 1000, memory: cloudMemory() };
    },
    down: async () => {
        await stopCloud();
        return { stopped: true };
    },
    status: async () => ({ memory: cloudMemory() }),
};

async function main(): Promise<void> {
    const command = commands[process.argv[2] ?? ""];
    if (process.argv.length !== 3 || command === undefined) {
        console.error(`usage: ts-node tools/cloud.ts <${Object.keys(commands).join("|")}>`);
        process.exit(2);
    }
    console.log(JSON.stringify(await command(), null, 2));
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
