// `capi-mgmt-ingress bench <suite...>`: one JSON document per suite on stdout.
import { setImmediate as turn } from "node:timers/promises";

export const benchSuites: Record<string, () => Promise<object>> = {
    cli: () => import("./bench/cli").then((m) => m.run()),
    discovery: () => import("./bench/discovery").then((m) => m.run()),
    "exposure-model": () => import("./bench/exposure-model").then((m) => m.run()),
    exposure: () => import("./bench/exposure").then((m) => m.run()),
    openstack: () => import("./bench/openstack").then((m) => m.run()),
    verify: () => import("./bench/verify").then((m) => m.run()),
};

/**
 * Runs the suites in order. On SIGINT or SIGTERM the suite in flight is abandoned, nothing more
 * is printed, and it throws an `Interrupted` error (exit 130), also when the signal, sent to the
 * process group, made the suite fail first by killing its children. A suite's synchronous work
 * (spawnSync) sees the signal only when it returns: Node dispatches signals from the event loop.
 */
export async function runBench(names: string[], write: (text: string) => void): Promise<void> {
    let signalled: NodeJS.Signals | undefined;
    const interrupted = (signal: NodeJS.Signals) => {
        const err = new Error(`interrupted (${signal}); no further suite runs`);
        err.name = "Interrupted";
        return err;
    };
    let stop: (err: Error) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    stopped.catch(() => undefined);
    const onSignal = (signal: NodeJS.Signals) => {
        signalled ??= signal;
        stop(interrupted(signalled));
    };
    const stopIfSignalled = async () => {
        // A signal that came during synchronous work is dispatched on the next turn.
        await turn();
        if (signalled !== undefined) {
            throw interrupted(signalled);
        }
    };
    process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
    try {
        for (const name of names) {
            await stopIfSignalled();
            let result: object;
            try {
                result = await Promise.race([benchSuites[name](), stopped]);
            } catch (err) {
                await stopIfSignalled();
                throw err;
            }
            await stopIfSignalled();
            write(JSON.stringify({ suite: name, ...result }, null, 2) + "\n");
        }
    } finally {
        process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    }
}
