// The differential check of the exposure model against enforcement: TCP probes to the API from
// sources sampled inside and outside the computed exposure of one port, each sent from a probe
// namespace the rehearsal creates (documentation addresses only), must connect or time out as
// the model computed. A probe that disagrees is named by its source.
import * as ipaddr from "ipaddr.js";
import { bigint2ip, exclude, parse } from "fast-cidr-tools";
import type { PortExposure } from "../../components/model/exposure";
import { inNamespace, run, runRaw } from "./run";
import { assertDocumentationAddress, DOCUMENTATION_RANGES, TopologyState } from "./topology";

const DOCUMENTATION_V4 = DOCUMENTATION_RANGES.filter((range) => !range.includes(":"));
const LAST_V4 = (1n << 32n) - 1n;

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

/**
 * Pure: what the model says a probe from `source` gets. Membership is ipaddr.js' match against
 * each part, not the model's own set arithmetic, so the two can disagree.
 */
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

/**
 * Pure: the IPv4 probe sources for one computed exposure, sorted. Candidates: each part's first
 * and last address and the addresses just past both ends; and, splitting the documentation ranges
 * (RFC 5737) into pieces inside and outside the parts (fast-cidr-tools), each piece's first,
 * middle and last address. Kept: documentation addresses only (the rehearsal never sends from a
 * real one) that no stand-in holds (`reserved`).
 */
export function sampleSources(exposure: PortExposure | undefined, reserved: string[]): string[] {
    const parts = (exposure?.parts ?? []).map((p) => p.cidr).filter((c) => !c.includes(":"));
    const candidates: bigint[] = [];
    for (const cidr of parts) {
        const [start, end] = parse(cidr);
        candidates.push(start, end, start - 1n, end + 1n);
    }
    const outside = exclude(DOCUMENTATION_V4, parts);
    const inside = exclude(DOCUMENTATION_V4, outside);
    for (const cidr of [...outside, ...inside]) {
        const [start, end] = parse(cidr);
        candidates.push(start, (start + end) / 2n, end);
    }
    const documentation = DOCUMENTATION_V4.map((range) => parse(range));
    const kept = [...new Set(candidates)]
        .filter((n) => n >= 0n && n <= LAST_V4)
        .filter((n) => documentation.some(([start, end]) => n >= start && n <= end))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((n) => bigint2ip(n, 4));
    return kept.filter((address) => !reserved.includes(address));
}

/** Every address a stand-in holds: a probe must not reuse one. */
export function standInAddresses(topology: TopologyState): string[] {
    return [
        topology.api.address,
        topology.router.address,
        topology.tenant.source,
        topology.operator.source,
        ...topology.units.flatMap((u) => [u.source, u.publicAddress]),
    ];
}

/** Pure: each probe that disagrees, by source, as a problem line. */
export function disagreements(result: DifferentialResult): string[] {
    return result.samples
        .filter((s) => !s.agrees)
        .map(
            (s) =>
                `probe from ${s.source} to port ${result.port}: expected ${s.expected}, got ${s.outcome}`,
        );
}

// Every source at once, each bounded by the same timeout: one line of JSON per source.
const PROBE = [
    "const net = require('node:net');",
    "const [host, port, ms, ...sources] = process.argv.slice(1);",
    "const probe = (source) => new Promise((resolve) => {",
    "  const s = net.connect({ host, port: Number(port), localAddress: source });",
    "  const done = (outcome) => { clearTimeout(timer); s.destroy(); resolve({ source, outcome }); };",
    "  const timer = setTimeout(() => done('timeout'), Number(ms));",
    "  s.on('connect', () => done('connected'));",
    "  s.on('error', (e) => done('error ' + e.code));",
    "});",
    "Promise.all(sources.map(probe)).then((r) => console.log(JSON.stringify(r)));",
].join("\n");

/**
 * Probes `address:port` from each sample source (default: sampleSources of the exposure) and
 * compares with the model's IPv4 exposure of that port. Creates one probe namespace behind the
 * topology's router and removes it after.
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
    const sources =
        input.sources ?? sampleSources(input.exposure, standInAddresses(input.topology));
    sources.forEach(assertDocumentationAddress);
    const { router } = input.topology;
    const namespace = `${input.topology.prefix}probe`;
    const ip = (line: string) => run(["ip", ...line.split(" ")]);
    let outcomes: { source: string; outcome: ProbeOutcome }[];
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
        const ms = String(input.timeoutMs ?? 2000);
        const probe = [process.execPath, "-e", PROBE, input.address, String(input.port), ms];
        const text = await run(inNamespace(namespace, [...probe, ...sources]), {
            timeoutMs: 30_000,
        });
        outcomes = JSON.parse(text) as typeof outcomes;
    } finally {
        await runRaw(["ip", "netns", "del", namespace]);
    }
    const samples = outcomes.map(({ source, outcome }): ProbeSample => {
        const expected = expectedOutcome(source, input.exposure);
        return { source, expected, outcome, agrees: outcome === expected };
    });
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
