// The differential check of the exposure model against enforcement: TCP probes to the API from
// sources sampled inside and outside the computed exposure of one port, each sent from a probe
// namespace the rehearsal creates (documentation addresses only), must connect or time out as
// the model computed. A probe that disagrees is named by its source.
import * as ipaddr from "ipaddr.js";
import { bigint2ip, exclude, parse } from "fast-cidr-tools";
import type { Ethertype, PortExposure } from "../../components/model/exposure";
import { inNamespace, run, runRaw } from "./run";
import { assertDocumentationAddress, DOCUMENTATION_RANGES, TopologyState } from "./topology";

const DOCUMENTATION = {
    IPv4: DOCUMENTATION_RANGES.filter((range) => !range.includes(":")),
    IPv6: DOCUMENTATION_RANGES.filter((range) => range.includes(":")),
};
const LAST = { IPv4: (1n << 32n) - 1n, IPv6: (1n << 128n) - 1n };
// Around a /128, 2001:db8::/32 splits into up to 96 pieces: the largest few stand for the rest
// (every part's boundaries are sampled anyway).
const MAX_PIECES = { IPv4: Infinity, IPv6: 4 };

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
    ethertype: Ethertype;
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
 * Pure: the probe sources of one family for one computed exposure, sorted. Candidates: each
 * part's first and last address and the addresses just past both ends; and, splitting the
 * family's documentation ranges (RFC 5737, RFC 3849) into pieces inside and outside the parts
 * (fast-cidr-tools), each piece's first, middle and last address (of IPv6's outside pieces, the
 * largest four only). Kept: documentation addresses only (the rehearsal never sends from a real
 * one) that no stand-in holds (`reserved`).
 */
export function sampleSources(
    exposure: PortExposure | undefined,
    reserved: string[],
    ethertype: Ethertype = "IPv4",
): string[] {
    const parts = familyParts(exposure, ethertype);
    const candidates: bigint[] = [];
    for (const cidr of parts) {
        const [start, end] = parse(cidr);
        candidates.push(start, end, start - 1n, end + 1n);
    }
    const { inside, outside } = documentationPieces(parts, ethertype);
    const largest = [...outside]
        .sort((x, y) => prefixLength(x) - prefixLength(y))
        .slice(0, MAX_PIECES[ethertype]);
    for (const cidr of [...largest, ...inside]) {
        const [start, end] = parse(cidr);
        candidates.push(start, (start + end) / 2n, end);
    }
    const documentation = DOCUMENTATION[ethertype].map((range) => parse(range));
    const kept = [...new Set(candidates)]
        .filter((n) => n >= 0n && n <= LAST[ethertype])
        .filter((n) => documentation.some(([start, end]) => n >= start && n <= end))
        .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
        .map((n) => bigint2ip(n, ethertype === "IPv6" ? 6 : 4));
    return kept.filter((address) => !reserved.includes(address));
}

function familyParts(exposure: PortExposure | undefined, ethertype: Ethertype): string[] {
    return (exposure?.parts ?? [])
        .map((p) => p.cidr)
        .filter((c) => c.includes(":") === (ethertype === "IPv6"));
}

function prefixLength(cidr: string): number {
    return Number(cidr.split("/")[1]);
}

/** The family's documentation ranges split into pieces inside and outside `parts`. */
function documentationPieces(
    parts: string[],
    ethertype: Ethertype,
): { inside: string[]; outside: string[] } {
    // One range at a time: fast-cidr-tools' exclude of several bases drops some of them.
    const minus = (bases: string[], removed: string[]) =>
        bases.flatMap((base) => exclude([base], removed));
    const outside = minus(DOCUMENTATION[ethertype], parts);
    return { outside, inside: minus(DOCUMENTATION[ethertype], outside) };
}

/**
 * Pure: the sides of one row (phase, port, family) that could be probed but were not. A side can
 * be probed when a documentation address lies on it (the operator's stand-in, inside or out, is
 * probed from its own namespace); a side with none is out of the stand-ins' reach.
 */
export function rowGaps(result: DifferentialResult, exposure: PortExposure | undefined): string[] {
    const parts = familyParts(exposure, result.ethertype);
    const { inside, outside } = documentationPieces(parts, result.ethertype);
    const row = `${result.against} ${result.port}/tcp ${result.ethertype}`;
    const gaps: string[] = [];
    if (inside.length > 0 && result.inside === 0) {
        gaps.push(
            `row ${row}: sources lie inside the computed set, yet no probe was sent from one`,
        );
    }
    if (outside.length > 0 && result.outside === 0) {
        gaps.push(
            `row ${row}: sources lie outside the computed set, yet no probe was sent from one`,
        );
    }
    return gaps;
}

/** Every address a stand-in holds: a probe must not reuse one. */
export function standInAddresses(topology: TopologyState): string[] {
    return [
        topology.api.address,
        topology.api.address6,
        topology.router.address,
        topology.router.address6,
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
                `probe from ${s.source} to port ${result.port} (${result.ethertype}): ` +
                `expected ${s.expected}, got ${s.outcome}`,
        );
}

// Every source at once, each bounded by the same timeout: one line of JSON per source. Node runs
// expired timers before it polls: a process that ran late (a loaded machine) would call a
// connection made in time a timeout. The verdict waits for the next poll (setImmediate).
export const PROBE = [
    "const net = require('node:net');",
    "const [host, port, ms, ...sources] = process.argv.slice(1);",
    "const probe = (source) => new Promise((resolve) => {",
    "  const s = net.connect({ host, port: Number(port), localAddress: source });",
    "  const done = (outcome) => { clearTimeout(timer); s.destroy(); resolve({ source, outcome }); };",
    "  const timer = setTimeout(() => setImmediate(() => done('timeout')), Number(ms));",
    "  s.on('connect', () => done('connected'));",
    "  s.on('error', (e) => done('error ' + e.code));",
    "});",
    "Promise.all(sources.map(probe)).then((r) => console.log(JSON.stringify(r)));",
].join("\n");

/**
 * Probes the API stand-in's address of `ethertype` on `port` from each sample source (default:
 * sampleSources of the exposure) and compares with the model's exposure of that port and family.
 * The sources are held by one probe namespace behind the topology's router, made and removed
 * here; IPv4 probes also go from the operator's stand-in source, in this namespace.
 */
export async function runDifferential(input: {
    topology: TopologyState;
    port: number;
    ethertype: Ethertype;
    exposure: PortExposure | undefined;
    against: "before" | "after";
    sources?: string[];
    timeoutMs?: number;
}): Promise<DifferentialResult> {
    const { topology, ethertype } = input;
    const v6 = ethertype === "IPv6";
    const sources =
        input.sources ?? sampleSources(input.exposure, standInAddresses(topology), ethertype);
    sources.forEach(assertDocumentationAddress);
    const address = v6 ? topology.api.address6 : topology.api.address;
    const ms = input.timeoutMs ?? 2000;
    const probe: Probe = async (from, timeoutMs, inNs) => {
        const argv = [process.execPath, "-e", PROBE, address, String(input.port)];
        const command = [...argv, String(timeoutMs), ...from];
        return parseOutcomes(await run(inNs ? inNs(command) : command, { timeoutMs: 30_000 }));
    };
    const confirmed = confirmTimeouts(input.exposure, ms, probe);
    const fromOperator = v6 ? Promise.resolve([]) : confirmed([topology.operator.source]);
    const outcomes = [
        ...(await fromOperator),
        ...(await probeFromNamespace(input, sources, confirmed)),
    ];
    const samples = outcomes.map(({ source, outcome }): ProbeSample => {
        const expected = expectedOutcome(source, input.exposure);
        return { source, expected, outcome, agrees: outcome === expected };
    });
    const inside = samples.filter((s) => s.expected === "connected").length;
    return {
        against: input.against,
        port: input.port,
        ethertype,
        samples,
        inside,
        outside: samples.length - inside,
        agreements: samples.filter((s) => s.agrees).length,
        total: samples.length,
    };
}

// The probe link's two ends (locally administered addresses).
const ROUTER_MAC = "02:00:5e:00:00:01";
const PROBE_MAC = "02:00:5e:00:00:02";

type Outcomes = { source: string; outcome: ProbeOutcome }[];
/** Probes `sources` at once, each within `timeoutMs`, in the namespace `inNs` wraps into. */
type Probe = (
    sources: string[],
    timeoutMs: number,
    inNs?: (command: string[]) => string[],
) => Promise<Outcomes>;

function parseOutcomes(text: string): Outcomes {
    return JSON.parse(text) as Outcomes;
}

/**
 * Probes with `timeoutMs`, then once more with twice that the sources whose timeout disagrees
 * with the model: the outcome kept is the second one. A loaded machine may see a connection late,
 * never one the rules drop, so a source the rules drop still times out, twice; a connection
 * outside the exposure is never probed again.
 */
export function confirmTimeouts(
    exposure: PortExposure | undefined,
    timeoutMs: number,
    probe: Probe,
): (sources: string[], inNs?: (command: string[]) => string[]) => Promise<Outcomes> {
    return async (sources, inNs) => {
        const first = await probe(sources, timeoutMs, inNs);
        const doubtful = first
            .filter((o) => o.outcome === "timeout")
            .filter((o) => expectedOutcome(o.source, exposure) === "connected")
            .map((o) => o.source);
        if (doubtful.length === 0) {
            return first;
        }
        const again = new Map(
            (await probe(doubtful, 2 * timeoutMs, inNs)).map((o) => [o.source, o.outcome]),
        );
        return first.map((o) => ({ source: o.source, outcome: again.get(o.source) ?? o.outcome }));
    };
}

async function probeFromNamespace(
    input: { topology: TopologyState; ethertype: Ethertype },
    sources: string[],
    probe: (sources: string[], inNs: (command: string[]) => string[]) => Promise<Outcomes>,
): Promise<Outcomes> {
    if (sources.length === 0) {
        return [];
    }
    const { router } = input.topology;
    const v6 = input.ethertype === "IPv6";
    const gateway = v6 ? router.address6 : router.address;
    const [family, host, nodad] = v6 ? ["-6 ", 128, " nodad"] : ["", 32, ""];
    const namespace = `${input.topology.prefix}probe`;
    const ip = (line: string) => run(["ip", ...line.split(" ")]);
    try {
        await ip(`netns add ${namespace}`);
        await ip(`-n ${namespace} link set lo up`);
        await ip(
            `-n ${router.namespace} link add probe address ${ROUTER_MAC} type veth ` +
                `peer name eth0 address ${PROBE_MAC} netns ${namespace}`,
        );
        await ip(`-n ${router.namespace} ${family}addr add ${gateway}/${host} dev probe${nodad}`);
        await ip(`-n ${router.namespace} link set probe up`);
        await ip(`-n ${namespace} link set eth0 up`);
        // IPv6: fixed neighbours both ways on this link. Neighbour discovery for several fresh
        // addresses sharing a solicited-node group was seen to stay INCOMPLETE, timing probes
        // out that the rules admit; the API's own link still resolves its neighbours by ND.
        const neighbour = (ns: string, address: string, mac: string, dev: string) =>
            ip(`-n ${ns} -6 neigh replace ${address} lladdr ${mac} dev ${dev} nud permanent`);
        for (const source of sources) {
            await ip(`-n ${router.namespace} ${family}route add ${source}/${host} dev probe`);
            await ip(`-n ${namespace} ${family}addr add ${source}/${host} dev eth0${nodad}`);
            if (v6) await neighbour(router.namespace, source, PROBE_MAC, "probe");
        }
        if (v6) await neighbour(namespace, gateway, ROUTER_MAC, "eth0");
        await ip(`-n ${namespace} ${family}route add default via ${gateway} dev eth0 onlink`);
        return await probe(sources, (command) => inNamespace(namespace, command));
    } finally {
        await runRaw(["ip", "netns", "del", namespace]);
    }
}
