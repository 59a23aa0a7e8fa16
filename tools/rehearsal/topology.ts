// The rehearsal's network: one namespace per stand-in (the management API, each conductor unit,
// a tenant pod) joined by point-to-point veths to a router namespace, plus one veth from the
// root namespace (the operator). Only documentation addresses are used, so no packet can be
// meant for a real host, and every name carries the creating process's id, so a crashed run's
// leftovers are recognized and removed by the next run.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { inNamespace, run, runRaw } from "./run";

const BASE = "crh";
const LEFTOVER_NAMESPACE = new RegExp(`^${BASE}-(\\d+)-`);
const LEFTOVER_LINK = new RegExp(`^${BASE}(\\d+)op$`);

/** 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737) and 2001:db8::/32 (RFC 3849). */
export const DOCUMENTATION_RANGES = [
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "2001:db8::/32",
];

export interface Addresses {
    /** The router namespace's address on every link: each stand-in's gateway. */
    router: string;
    /** The root namespace's source towards the API: the stack's operator CIDR is its /32. */
    operator: string;
    /** A tenant pod's source: never in the allow-set. */
    tenant: string;
    /** The router's IPv6 address on the API's link and the probes' link. */
    router6: string;
    /** The API stand-in's IPv6 address: where IPv6 probes go (the port's IPv6 rules guard it). */
    api6: string;
    /** Each conductor unit's source towards the API (what `ip -j route get` measures). */
    unitSources: string[];
    /** What `juju status` reports as each unit's public-address: deliberately not its source. */
    unitPublicAddresses: string[];
}

export const DEFAULT_ADDRESSES: Addresses = {
    router: "198.51.100.1",
    router6: "2001:db8:0:1::1",
    api6: "2001:db8:0:2::222",
    operator: "198.51.100.10",
    tenant: "198.51.100.66",
    unitSources: ["203.0.113.11", "203.0.113.12", "203.0.113.13"],
    unitPublicAddresses: ["203.0.113.111", "203.0.113.112", "203.0.113.113"],
};

const unitSchema = z.strictObject({
    name: z.string(),
    namespace: z.string(),
    source: z.string(),
    publicAddress: z.string(),
    machine: z.string(),
});

/** What the shims read (topology.json): which namespace stands in for what. */
export const topologyStateSchema = z.strictObject({
    prefix: z.string(),
    model: z.string(),
    application: z.string(),
    api: z.strictObject({ namespace: z.string(), address: z.string(), address6: z.string() }),
    router: z.strictObject({ namespace: z.string(), address: z.string(), address6: z.string() }),
    tenant: z.strictObject({ namespace: z.string(), source: z.string() }),
    operator: z.strictObject({ link: z.string(), source: z.string() }),
    units: z.array(unitSchema),
});

export type TopologyState = z.infer<typeof topologyStateSchema>;
export type UnitStandIn = z.infer<typeof unitSchema>;

export interface TopologyOptions {
    /** The management API's address: the floating IP the Networking API says the group guards. */
    apiAddress: string;
    /** Where topology.json is written for the shims. */
    stateDir: string;
    model?: string;
    application?: string;
    addresses?: Partial<Addresses>;
}

export interface Topology {
    state: TopologyState;
    /** What a crashed earlier run had left and this one removed first. */
    leftovers: string[];
    statePath: string;
    /** Removes the namespaces (and with them the veths, routes and nft tables) and their processes. */
    destroy(): Promise<void>;
}

export const TOPOLOGY_FILE = "topology.json";

/** Why namespaces cannot be made here, or undefined when they can. */
export async function namespaceSupport(): Promise<string | undefined> {
    const probe = `${BASE}-${process.pid}-probe`;
    try {
        const added = await runRaw(["ip", "netns", "add", probe]);
        if (added.code !== 0) {
            return `\`ip netns add\` failed (${added.stderr.trim()}); network namespaces need root or CAP_NET_ADMIN`;
        }
        await run(["ip", "netns", "del", probe]);
        return undefined;
    } catch (err) {
        return `\`ip\` (iproute2) cannot be run: ${(err as Error).message}`;
    }
}

/** Why nftables cannot enforce the rules here, or undefined when it can. */
export async function nftablesSupport(): Promise<string | undefined> {
    try {
        await run(["nft", "--version"]);
        return undefined;
    } catch {
        return "`nft` is not installed (Debian package nftables: apt-get install nftables)";
    }
}

export async function createTopology(options: TopologyOptions): Promise<Topology> {
    const leftovers = await removeLeftovers();
    const state = planTopology(options, process.pid);
    const namespaces = allNamespaces(state);
    const statePath = path.join(options.stateDir, TOPOLOGY_FILE);
    const destroy = async () => {
        await destroyNamespaces(namespaces);
        // Normally gone with the router namespace; a half-built topology may have left it.
        await runRaw(["ip", "link", "del", state.operator.link]);
        fs.rmSync(statePath, { force: true });
    };
    try {
        await build(state);
        fs.mkdirSync(options.stateDir, { recursive: true });
        fs.writeFileSync(statePath, JSON.stringify(state, null, 2) + "\n");
    } catch (err) {
        await destroy();
        throw err;
    }
    return { state, leftovers, statePath, destroy };
}

/** Pure: names and addresses for a topology made by process `pid`. */
export function planTopology(options: TopologyOptions, pid: number): TopologyState {
    const addresses = { ...DEFAULT_ADDRESSES, ...options.addresses };
    const all = [
        options.apiAddress,
        addresses.router,
        addresses.router6,
        addresses.api6,
        addresses.operator,
        addresses.tenant,
        ...addresses.unitSources,
        ...addresses.unitPublicAddresses,
    ];
    for (const address of all) {
        assertDocumentationAddress(address);
    }
    if (new Set(all).size !== all.length) {
        throw new Error(`the stand-ins' addresses must all differ: ${all.join(", ")}`);
    }
    if (addresses.unitSources.length !== addresses.unitPublicAddresses.length) {
        throw new Error("every conductor unit needs both a source and a public address");
    }
    const prefix = `${BASE}-${pid}-`;
    const application = options.application ?? "magnum";
    if (!/^[a-z][a-z0-9-]*$/.test(application)) {
        throw new Error(`"${application}" is not a Juju application name`);
    }
    return {
        prefix,
        model: options.model ?? "rehearsal",
        application,
        api: { namespace: `${prefix}api`, address: options.apiAddress, address6: addresses.api6 },
        router: {
            namespace: `${prefix}router`,
            address: addresses.router,
            address6: addresses.router6,
        },
        tenant: { namespace: `${prefix}tenant`, source: addresses.tenant },
        operator: { link: `${BASE}${pid}op`, source: addresses.operator },
        units: addresses.unitSources.map((source, i) => ({
            name: `${application}/${i}`,
            namespace: `${prefix}unit-${application}-${i}`,
            source,
            publicAddress: addresses.unitPublicAddresses[i],
            machine: `${i}/lxd/0`,
        })),
    };
}

/** Refuses any address outside the documentation ranges: the stand-ins never take a real one. */
export function assertDocumentationAddress(text: string): void {
    if (!ipaddr.isValid(text)) {
        throw new Error(`stand-in address "${text}" is not an IP address`);
    }
    const address = ipaddr.process(text);
    const inside = DOCUMENTATION_RANGES.some((range) => {
        const parsed = ipaddr.parseCIDR(range);
        return address.kind() === parsed[0].kind() && address.match(parsed);
    });
    if (!inside) {
        throw new Error(
            `stand-in address ${text} is outside the documentation ranges ` +
                `(${DOCUMENTATION_RANGES.join(", ")}); the rehearsal never uses a real address`,
        );
    }
}

/** Removes what a run that is no longer alive left behind; returns what it removed. */
export async function removeLeftovers(): Promise<string[]> {
    const removed: string[] = [];
    const listed = await run(["ip", "-j", "netns", "list"], { expected: "a JSON list" });
    const namespaces = listed.trim() ? (JSON.parse(listed) as { name: string }[]) : [];
    const dead = namespaces
        .map((n) => n.name)
        .filter((name) => isDeadOwner(LEFTOVER_NAMESPACE.exec(name)?.[1]));
    await destroyNamespaces(dead);
    removed.push(...dead);
    const links = JSON.parse(await run(["ip", "-j", "link", "show"])) as { ifname: string }[];
    for (const { ifname } of links) {
        if (isDeadOwner(LEFTOVER_LINK.exec(ifname)?.[1])) {
            await run(["ip", "link", "del", ifname]);
            removed.push(ifname);
        }
    }
    return removed;
}

/** Every namespace (and root link) of this base that still exists, alive owners included. */
export async function listStandIns(): Promise<string[]> {
    const listed = await run(["ip", "-j", "netns", "list"]);
    const namespaces = listed.trim() ? (JSON.parse(listed) as { name: string }[]) : [];
    const links = JSON.parse(await run(["ip", "-j", "link", "show"])) as { ifname: string }[];
    return [
        ...namespaces.map((n) => n.name).filter((name) => LEFTOVER_NAMESPACE.test(name)),
        ...links.map((l) => l.ifname).filter((name) => LEFTOVER_LINK.test(name)),
    ];
}

function isDeadOwner(pidText: string | undefined): boolean {
    if (pidText === undefined) {
        return false;
    }
    try {
        process.kill(Number(pidText), 0);
        return false;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "ESRCH";
    }
}

function allNamespaces(state: TopologyState): string[] {
    return [
        state.router.namespace,
        state.api.namespace,
        state.tenant.namespace,
        ...state.units.map((u) => u.namespace),
    ];
}

/** One `ip` command, written as on a command line (every name and address here is space-free). */
function ip(line: string): Promise<string> {
    return run(["ip", ...line.split(" ")]);
}

async function build(state: TopologyState): Promise<void> {
    const router = state.router.namespace;
    const gateway = state.router.address;
    for (const namespace of allNamespaces(state)) {
        await ip(`netns add ${namespace}`);
        await ip(`-n ${namespace} link set lo up`);
    }
    const forward =
        "echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding";
    await run(inNamespace(router, ["sh", "-c", forward]));
    const peers = [
        { namespace: state.api.namespace, link: "api", addresses: [state.api.address] },
        { namespace: state.tenant.namespace, link: "tenant", addresses: [state.tenant.source] },
        ...state.units.map((u, i) => ({
            namespace: u.namespace,
            link: `unit${i}`,
            // The first address is the source: the route's src, what `ip route get` measures.
            addresses: [u.source, u.publicAddress],
        })),
    ];
    for (const peer of peers) {
        const ns = peer.namespace;
        await ip(`-n ${router} link add ${peer.link} type veth peer name eth0 netns ${ns}`);
        await connectToRouter(router, gateway, peer.link, peer.addresses);
        for (const address of peer.addresses) {
            await ip(`-n ${ns} addr add ${address}/32 dev eth0`);
        }
        await ip(`-n ${ns} link set eth0 up`);
        await ip(
            `-n ${ns} route add default via ${gateway} dev eth0 onlink src ${peer.addresses[0]}`,
        );
    }
    // The API's IPv6 address (nodad: usable at once), so IPv6 probes meet the port's IPv6 rules.
    const api = state.api.namespace;
    await ip(`-n ${router} -6 addr add ${state.router.address6}/128 dev api nodad`);
    await ip(`-n ${router} -6 route add ${state.api.address6}/128 dev api`);
    await ip(`-n ${api} -6 addr add ${state.api.address6}/128 dev eth0 nodad`);
    await ip(`-n ${api} -6 route add default via ${state.router.address6} dev eth0 onlink`);
    // The operator: the root namespace reaches the API address, and only it, through the router.
    const { link, source } = state.operator;
    await ip(`link add ${link} type veth peer name operator netns ${router}`);
    await connectToRouter(router, gateway, "operator", [source]);
    await ip(`addr add ${source}/32 dev ${link}`);
    await ip(`link set ${link} up`);
    await ip(`route add ${state.api.address}/32 via ${gateway} dev ${link} onlink src ${source}`);
}

/** The router's end of a link: its own address, and host routes to the addresses behind it. */
async function connectToRouter(
    router: string,
    gateway: string,
    link: string,
    addresses: string[],
): Promise<void> {
    await ip(`-n ${router} addr add ${gateway}/32 dev ${link}`);
    await ip(`-n ${router} link set ${link} up`);
    for (const address of addresses) {
        await ip(`-n ${router} route add ${address}/32 dev ${link}`);
    }
}

async function destroyNamespaces(namespaces: string[]): Promise<void> {
    for (const namespace of namespaces) {
        const pids = await runRaw(["ip", "netns", "pids", namespace]);
        for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
            try {
                process.kill(Number(pid), "SIGKILL");
            } catch {
                // Already gone.
            }
        }
        await runRaw(["ip", "netns", "del", namespace]);
    }
}
