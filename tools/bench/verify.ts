// `npm run bench -- verify`: the conductor handshake over 3, 30 and 300 units through the fake
// juju, each unit answering with a recorded probe line after a set latency (Juju runs a call's
// tasks in parallel, so a call lasts one unit's latency). Reports the wall time against one
// probe's time (target: at most 1.5 at 300 units), what an all-timeout round costs against the
// probe's timeout (target: once, not once per unit), and what one hung unit costs against the
// juju timeout (target: once; its call is hedged at half the time left, split until the hung
// unit is alone). The check runs through runChecks, the path the program and `npm run verify` take,
// so what the bench prints of a result (a failure's detail) is masked as theirs is.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AllowEntry } from "../../components/model/allowset";
import { runChecks } from "../../components/verify/checks";
import { conductorProbeCommand } from "../../components/verify/conductor";
import type { JujuTarget } from "../../components/juju/units";

const FAKE_JUJU = path.resolve(__dirname, "..", "fakes", "juju", "juju");
const SIZES = [3, 30, 300];
// A small share of a real `juju exec` round trip (one to a few seconds).
const LATENCY_MS = 500;
const PROBE_TIMEOUT_S = 1;
const JUJU_TIMEOUT_S = 3;
const CONCURRENCY = 16;
const REPEATS = 3;
const API = { address: "10.12.7.222", port: 6443 };

type Answer = "connected" | "timeout" | "hang";

const units = (n: number) => Array.from({ length: n }, (_, i) => `magnum/${i}`);
const sourceOf = (i: number) => `10.12.${4 + Math.floor(i / 200)}.${10 + (i % 200)}`;

/** A scenario whose units answer the probe with a recorded line; hung ones never answer. */
function scenario(root: string, n: number, answer: (i: number) => Answer): string {
    const dir = fs.mkdtempSync(path.join(root, "scenario-"));
    // The fake replays <first word of the command>.stdout.
    const kind = conductorProbeCommand(API, PROBE_TIMEOUT_S).split(/\s/)[0];
    fs.writeFileSync(path.join(dir, "version"), "3.4.2-genericlinux-amd64\n");
    for (let i = 0; i < n; i++) {
        const unit = path.join(dir, "units", `magnum-${i}`);
        fs.mkdirSync(unit, { recursive: true });
        const a = answer(i);
        if (a === "hang") {
            fs.writeFileSync(path.join(unit, "hang"), "");
            continue;
        }
        const line =
            a === "connected"
                ? { probe: "tcp", outcome: "connected", source: sourceOf(i), ms: LATENCY_MS }
                : { probe: "tcp", outcome: "timeout", ms: PROBE_TIMEOUT_S * 1000 };
        fs.writeFileSync(path.join(unit, `${kind}.stdout`), `${JSON.stringify(line)}\n`);
    }
    return dir;
}

function allowSet(n: number): AllowEntry[] {
    return Array.from({ length: n }, (_, i) => ({
        role: "conductor" as const,
        ethertype: "IPv4" as const,
        protocol: "tcp" as const,
        port: API.port,
        remoteIpPrefix: `${sourceOf(i)}/32`,
        provenance: [`magnum/${i}`],
    }));
}

/**
 * Median wall time of the conductor check over the fake juju's scenario `dir` (units magnum/0 to
 * magnum/<n-1>), how many units passed in the last run, and the first failure of that run
 * (`unit: outcome: detail`, masked by the checks' layer) if one failed.
 */
export async function measure(dir: string, n: number, latencyMs: number, repeats = REPEATS) {
    const juju: JujuTarget = {
        model: "openstack",
        application: "magnum",
        bin: FAKE_JUJU,
        timeoutSeconds: JUJU_TIMEOUT_S,
        concurrency: CONCURRENCY,
        env: { ...process.env, FAKE_JUJU_SCENARIO: dir, FAKE_JUJU_LATENCY_MS: String(latencyMs) },
    };
    const times: number[] = [];
    let passed = 0;
    let firstFailure: string | undefined;
    for (let r = 0; r < repeats; r++) {
        const started = process.hrtime.bigint();
        const results = await runChecks({
            api: API,
            allowSet: allowSet(n),
            conductors: { juju, units: units(n), timeoutSeconds: PROBE_TIMEOUT_S, flavor: "exec" },
            custom: [],
        });
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
        passed = results.filter((x) => x.passed).length;
        const failed = results.find((x) => !x.passed);
        firstFailure = failed && `${failed.target}: ${failed.outcome}: ${failed.detail}`;
    }
    times.sort((a, b) => a - b);
    return { wallMs: Math.round(times[Math.floor(times.length / 2)]), passed, firstFailure };
}

export async function run(): Promise<object> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-verify-"));
    try {
        const one = await measure(
            scenario(root, 1, () => "connected"),
            1,
            LATENCY_MS,
        );
        const sizes = [];
        for (const n of SIZES) {
            const m = await measure(
                scenario(root, n, () => "connected"),
                n,
                LATENCY_MS,
            );
            sizes.push({
                units: n,
                wallMs: m.wallMs,
                overheadMs: m.wallMs - one.wallMs,
                ratio: Math.round((m.wallMs / one.wallMs) * 100) / 100,
                passed: m.passed,
                firstFailure: m.firstFailure,
            });
        }
        // Every probe times out on its unit: the call lasts the probe's timeout.
        const timeoutMs = PROBE_TIMEOUT_S * 1000;
        const allTimeout = await measure(
            scenario(root, 30, () => "timeout"),
            30,
            timeoutMs,
        );
        // One unit never answers: its call is hedged until it is alone; it ends at the juju timeout.
        const hung = await measure(
            scenario(root, 30, (i) => (i === 7 ? "hang" : "connected")),
            30,
            LATENCY_MS,
            1,
        );
        const at300 = sizes.find((s) => s.units === 300)!;
        return {
            perUnitLatencyMs: LATENCY_MS,
            concurrency: CONCURRENCY,
            repeats: REPEATS,
            oneProbeMs: one.wallMs,
            sizes,
            allTimeout: {
                units: 30,
                probeTimeoutMs: timeoutMs,
                wallMs: allTimeout.wallMs,
                timeoutsPaid: Math.round((allTimeout.wallMs / timeoutMs) * 100) / 100,
                firstFailure: allTimeout.firstFailure,
            },
            oneHungUnit: {
                units: 30,
                jujuTimeoutMs: JUJU_TIMEOUT_S * 1000,
                wallMs: hung.wallMs,
                timeoutsPaid: Math.round((hung.wallMs / (JUJU_TIMEOUT_S * 1000)) * 100) / 100,
                passed: hung.passed,
                firstFailure: hung.firstFailure,
            },
            loadAverage: os.loadavg()[0],
            target: { ratioAt300: 1.5, met: at300.ratio <= 1.5 },
        };
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
