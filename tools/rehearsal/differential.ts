// The differential check of the exposure model against enforcement: TCP probes to the API from
// sources sampled inside and outside the computed exposure of one port, each sent from a probe
// namespace the rehearsal creates (documentation addresses only), must connect or time out as
// the model computed.
import * as ipaddr from "ipaddr.js";
import type { PortExposure } from "../../components/model/exposure";
import { inNamespace, run, runRaw } from "./run";
import { assertDocumentationAddress, TopologyState } from "./topology";

/** Sources no stand-in uses, spread over the three IPv4 documentation ranges. */
export const SAMPLE_SOURCES = [
    "192.0.2.77",
    "192.0.2.199",
    "198.51.100.77",
    "198.51.100.200",
    "203.0.113.77",
    "203.0.113.200",
];

export type ProbeOutcome = "connected" | "timeout" | `error ${string}`;

export interface ProbeSample {
    source: string;
    /** Inside the computed exposure: connected; outside: timeout. */
    expected: "connected" | "timeout";
    outcome: ProbeOutcome;
    agrees: boolean;
}

export interface DifferentialResult {
    /** Which computed exposure the probes were judged against. */
    against: "before" | "after";
    port: number;
    samples: ProbeSample[];
    inside: number;
    outside: number;
    agreements: number;
    total: number;
}

/** Pure: what the model says a probe from `source` gets. */
export function expectedOutcome(
    source: string,
    exposure: PortExposure | undefined,
): "connected" | "timeout" {
    const address = ipaddr.process(source);
    const inside = (exposure?.parts ?? []).some((part) => {
        const range = ipaddr.parseCIDR(part.cidr);
        return range[0].kind() === address.kind() && address.match(range);
    });
    return inside ? "connected" : "timeout";
}

const PROBE = [
    "const net = require('node:net');",
    "const [source, host, port, ms] = process.argv.slice(1);",
    "const s = net.connect({ host, port: Number(port), localAddress: source });",
    "const done = (text) => { console.log(text); process.exit(0); };",
    "setTimeout(() => done('timeout'), Number(ms));",
    "s.on('connect', () => done('connected'));",
    "s.on('error', (e) => done('error ' + e.code));",
].join("\n");

/**
 * Probes `address:port` from each sample source and compares with the model's IPv4 exposure of
 * that port. Creates one probe namespace behind the topology's router and removes it after.
 */
export async function runDifferential(input: {
    topology: TopologyState;
    address: string;
    port: number;
    exposure: PortExposure | undefined;
    against: "before" | "after";
    sources?: string[];
    timeoutMs?: number;
}): Promise<DifferentialResult> {
    const sources = input.sources ?? SAMPLE_SOURCES;
    sources.forEach(assertDocumentationAddress);
    const { router } = input.topology;
    const namespace = `${input.topology.prefix}probe`;
    const ip = (line: string) => run(["ip", ...line.split(" ")]);
    const samples: ProbeSample[] = [];
    try {
        await ip(`netns add ${namespace}`);
        await ip(`-n ${namespace} link set lo up`);
        await ip(
            `-n ${router.namespace} link add probe type veth peer name eth0 netns ${namespace}`,
        );
        await ip(`-n ${router.namespace} addr add ${router.address}/32 dev probe`);
        await ip(`-n ${router.namespace} link set probe up`);
        for (const source of sources) {
            await ip(`-n ${router.namespace} route add ${source}/32 dev probe`);
            await ip(`-n ${namespace} addr add ${source}/32 dev eth0`);
        }
        await ip(`-n ${namespace} link set eth0 up`);
        await ip(`-n ${namespace} route add default via ${router.address} dev eth0 onlink`);
        for (const source of sources) {
            const expected = expectedOutcome(source, input.exposure);
            const ms = String(input.timeoutMs ?? 2000);
            const probe = inNamespace(namespace, [
                process.execPath,
                "-e",
                PROBE,
                source,
                input.address,
                String(input.port),
                ms,
            ]);
            const outcome = (await run(probe, { timeoutMs: 15_000 })).trim() as ProbeOutcome;
            samples.push({ source, expected, outcome, agrees: outcome === expected });
        }
    } finally {
        await runRaw(["ip", "netns", "del", namespace]);
    }
    const inside = samples.filter((s) => s.expected === "connected").length;
    return {
        against: input.against,
        port: input.port,
        samples,
        inside,
        outside: samples.length - inside,
        agreements: samples.filter((s) => s.agrees).length,
        total: samples.length,
    };
}
