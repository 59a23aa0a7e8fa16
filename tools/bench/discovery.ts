// Preview-time derivation (measure every conductor unit, then derive the allow-set) against the
// fake juju with a fixed latency per juju call (exec and status alike), at 3, 30 and 300 units (target: at most 1.5 times
// that latency at 300). Measures the one call over the whole application that discovery starts
// beside `juju status` (jujuCalls counts exec calls: 1 unless it fell back to runOnUnits'
// batches of up to a hundred units), against one call per unit under the same bound.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deriveAllowSet } from "../../components/model/allowset";
import { measureConductorSources } from "../../components/juju/measure";
import { JujuTarget, runOnUnits } from "../../components/juju/units";
import { loadStackConfig } from "../../components/config/stackfile";
import { installMocks, outputValue, registered, reset } from "../mock/runtime";
import { FakeCloud, fakeLookups } from "../mock/fake-cloud";

const FAKE = path.join(__dirname, "..", "fakes", "juju", "juju");
const LATENCY_MS = 500;
const CONCURRENCY = 16;
const SIZES = [3, 30, 300];
const REPEATS = 3;
const API = "10.12.7.222";

interface Sample {
    wallMs: number;
    cpuMs: number;
    jujuCalls: number;
    entries: number;
}

export async function run(): Promise<object> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-discovery-"));
    try {
        await derive(dir, 3, "batched");
        const sizes = [];
        for (const units of SIZES) {
            const batched: Sample[] = [];
            for (let i = 0; i < REPEATS; i++) {
                batched.push(await derive(dir, units, "batched"));
            }
            const perUnit = await derive(dir, units, "perUnit");
            const median = batched.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(REPEATS / 2)];
            sizes.push({
                units,
                wallMs: median.wallMs,
                ratioToLatency: round(median.wallMs / LATENCY_MS),
                cpuMs: median.cpuMs,
                cpuMsPerUnit: round(median.cpuMs / units),
                jujuCalls: median.jujuCalls,
                entries: median.entries,
                oneCallPerUnit: {
                    wallMs: perUnit.wallMs,
                    ratioToLatency: round(perUnit.wallMs / LATENCY_MS),
                    cpuMs: perUnit.cpuMs,
                    jujuCalls: perUnit.jujuCalls,
                },
            });
        }
        const at300 = sizes.find((s) => s.units === 300)?.ratioToLatency ?? Infinity;
        // Warm-up: the first evaluation also loads the SDK and serializes the providers.
        await evaluateProgram(3);
        const evaluation = [];
        for (const units of SIZES) {
            evaluation.push(await evaluateProgram(units));
        }
        return {
            latencyMsPerJujuCall: LATENCY_MS,
            concurrency: CONCURRENCY,
            repeats: REPEATS,
            note:
                "wallMs and cpuMs are medians of the repeats; cpuMs counts this process and the " +
                "juju processes it waited for; a juju call's latency does not depend on how many " +
                "units it names (Juju runs them in parallel); juju status costs the same latency, " +
                "juju version (local) answers at once",
            sizes,
            target: { ratioAt300Units: at300, limit: 1.5, met: at300 <= 1.5 },
            programEvaluation: {
                note:
                    "the whole program (example stack, checks included) under Pulumi's mock " +
                    "runtime, juju answering at once: from config to every output resolved",
                sizes: evaluation,
                msPerAddedUnit: round(
                    (evaluation[2].wallMs - evaluation[0].wallMs) / (SIZES[2] - SIZES[0]),
                ),
            },
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function derive(dir: string, units: number, how: "batched" | "perUnit"): Promise<Sample> {
    const log = path.join(dir, `calls-${units}-${how}-${process.hrtime.bigint()}`);
    fs.writeFileSync(log, "");
    const t: JujuTarget = {
        model: "openstack",
        application: "magnum",
        bin: FAKE,
        timeoutSeconds: 30,
        concurrency: CONCURRENCY,
        env: {
            ...process.env,
            FAKE_JUJU_UNITS: String(units),
            FAKE_JUJU_LATENCY_MS: String(LATENCY_MS),
            // juju status is a controller round trip too; discovery overlaps it with the exec.
            FAKE_JUJU_STATUS_LATENCY_MS: String(LATENCY_MS),
            FAKE_JUJU_LOG: log,
        },
    };
    const cpuBefore = cpuMs();
    const started = performance.now();
    const conductors =
        how === "batched" ? await measureConductorSources(t, API) : await measurePerUnit(t, units);
    const entries = deriveAllowSet({
        protectedPorts: [6443, 22],
        apiPort: 6443,
        minPrefixLength: { IPv4: 16, IPv6: 48 },
        waivers: [],
        conductors: conductors.map((c) => ({ source: c.address, provenance: c.provenance })),
        operator: { sources: [{ source: "10.12.4.1/32", provenance: "bench" }], ports: [6443, 22] },
        hairpin: { sources: [{ source: "10.20.0.0/24", provenance: "bench" }], ports: [6443] },
    });
    const wallMs = Math.round(performance.now() - started);
    const jujuCalls = fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((line) => line.startsWith("exec ")).length;
    return { wallMs, cpuMs: Math.round(cpuMs() - cpuBefore), jujuCalls, entries: entries.length };
}

/** Program evaluation time: config to resolved outputs, with `units` generated conductor units. */
async function evaluateProgram(
    units: number,
): Promise<{ units: number; wallMs: number; resources: number }> {
    const cloud: FakeCloud = {
        groups: [{ id: "bench-group", name: "capi-mgmt-sg" }],
        subnets: [{ id: "bench-subnet", name: "capi-mgmt-subnet", cidr: "10.20.0.0/24" }],
        routers: [{ id: "bench-router", name: "capi-mgmt-router", ips: ["10.12.4.37"] }],
        floatingIps: [{ address: API, portId: "bench-port" }],
        ports: [{ id: "bench-port", fixedIp: "10.20.0.10", securityGroupIds: ["bench-group"] }],
        rules: [],
    };
    installMocks();
    reset();
    const { runProgram } = await import("../../components/program");
    const config = loadStackConfig("example");
    config.api = { address: API, port: 6443 };
    config.conductors.juju = { ...config.conductors.juju!, bin: FAKE };
    process.env.FAKE_JUJU_UNITS = String(units);
    process.env.FAKE_JUJU_SCENARIO = "";
    const started = performance.now();
    const outputs = await runProgram("bench", config, fakeLookups(cloud));
    for (const value of Object.values(outputs)) {
        await outputValue(value);
    }
    const wallMs = Math.round(performance.now() - started);
    return { units, wallMs, resources: registered.length };
}

/** The alternative: one juju process per unit, at most CONCURRENCY at once. */
async function measurePerUnit(
    t: JujuTarget,
    units: number,
): Promise<{ address: string; provenance: string }[]> {
    const names = Array.from({ length: units }, (_, i) => `magnum/${i}`);
    const results = [];
    for (let i = 0; i < names.length; i += CONCURRENCY) {
        const wave = names.slice(i, i + CONCURRENCY);
        results.push(
            ...(
                await Promise.all(wave.map((u) => runOnUnits(t, [u], `ip -j route get ${API}`)))
            ).flat(),
        );
    }
    return results.map((r) => {
        const [route] = JSON.parse(r.stdout) as { prefsrc: string }[];
        return { address: route.prefsrc, provenance: `bench ${r.unit}` };
    });
}

/** CPU time of this process and of the child processes it has waited for (Linux). */
function cpuMs(): number {
    const own = process.cpuUsage();
    // Fields after the command name; cutime and cstime are the 14th and 15th of them.
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[13]) + Number(fields[14]);
    return (own.user + own.system) / 1000 + (ticks * 1000) / 100;
}

function round(value: number): number {
    return Math.round(value * 100) / 100;
}
