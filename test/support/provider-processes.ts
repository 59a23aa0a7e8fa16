// A run must leave no provider process (tools/rehearsal/provider-host.ts, a `node driver.js`
// child) alive: one left open keeps Node's event loop busy, which mocha's --exit would hide.
// After each test the live ones are noted with the test that saw them first; after the run, any
// still alive fails it naming that test. Loaded by .mocharc.json.
import { ChildProcess } from "node:child_process";
import * as path from "node:path";

// Node's list of what keeps the event loop alive (undocumented, stable since Node 0.x); a child
// process's handle is its ChildProcess object.
const activeHandles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles;

/** The provider driver children that have not exited yet. */
export function liveProviderProcesses(): ChildProcess[] {
    return activeHandles
        .call(process)
        .filter(
            (h): h is ChildProcess =>
                h instanceof ChildProcess &&
                path.basename(h.spawnargs[1] ?? "") === "driver.js" &&
                h.exitCode === null &&
                h.signalCode === null,
        );
}

const firstSeen = new Map<ChildProcess, string>();

export const mochaHooks = {
    afterEach(this: Mocha.Context): void {
        for (const child of liveProviderProcesses()) {
            if (!firstSeen.has(child)) {
                firstSeen.set(child, this.currentTest?.fullTitle() ?? "a hook");
            }
        }
    },
    afterAll(): void {
        const left = liveProviderProcesses();
        if (left.length > 0) {
            const named = left.map(
                (child) =>
                    `pid ${child.pid} (${path.basename(child.spawnargs[2] ?? "")}), ` +
                    `alive after "${firstSeen.get(child) ?? "a hook after the last test"}"`,
            );
            for (const child of left) {
                child.kill();
            }
            throw new Error(
                `${left.length} provider process(es) left running: ${named.join("; ")}`,
            );
        }
    },
};
