// CPU time of this process's main thread alone, from Linux's schedstat (the first field is the
// nanoseconds the thread spent on a CPU; Documentation/scheduler/sched-stats.rst). The rest of
// what process.cpuUsage() counts is V8's background threads: the optimizing compiler and the
// parallel garbage collector.
import * as fs from "node:fs";

/** Milliseconds the main thread has spent on a CPU so far; null where schedstat is not there. */
export function mainThreadCpuMs(): number | null {
    try {
        const stat = fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8");
        const ns = Number(stat.split(" ")[0]);
        return Number.isFinite(ns) ? ns / 1e6 : null;
    } catch {
        return null;
    }
}
