// Measuring on each conductor unit, through Juju, the source address it really uses toward the
// management cluster's API (`ip -j route get` → prefsrc), and reading the API endpoint from the
// conductors' kubeconfig. Fails closed: one unit that cannot be measured fails the whole set.
import { z } from "zod";
import * as cidr from "../model/cidr";
import { runOnApplication } from "./application";
import { compareUnits, parseWith } from "./parse";
import {
    JujuError,
    JujuFailure,
    JujuTarget,
    message,
    quote,
    shellQuote,
    unhealthy,
    UnitRun,
    UnitStatus,
} from "./units";

export interface ConductorSource {
    unit: string;
    /** Canonical host address (IPv4-mapped IPv6 becomes IPv4). */
    address: string;
    machine: string;
    publicAddress?: string;
    /** e.g. "juju magnum/0 (machine 1/lxd/2): ip -j route get 10.12.7.222 → prefsrc 10.12.4.154" */
    provenance: string;
}

export interface ApiEndpoint {
    address: string;
    port: number;
    provenance: string;
}

export interface RouteSource {
    /** The preferred source address, canonical (IPv4-mapped IPv6 becomes IPv4). */
    source: string;
    ethertype: cidr.Ethertype;
    dst: string;
    dev?: string;
    gateway?: string;
}

export interface ServerEndpoint {
    url: string;
    address: string;
    port: number;
}

/**
 * Measures, on every unit of the application, the source address it uses toward the API
 * (`ip -j route get <api>` → prefsrc). All or nothing: throws one JujuError naming every unit
 * that could not be measured. A unit in error that can be measured is measured; its status
 * goes into the provenance.
 */
export async function measureConductorSources(
    t: JujuTarget,
    apiAddress: string,
): Promise<ConductorSource[]> {
    let api: string;
    try {
        api = cidr.parseHostAddress(apiAddress).address;
    } catch (err) {
        throw new Error(`the API address "${apiAddress}" is not an IP address: ${message(err)}`);
    }
    // The canonical address: a mapped ::ffff:a.b.c.d would send `ip` to the IPv6 table.
    const command = `ip -j route get ${api}`;
    const { units, runs } = await runOnApplication(t, command);
    const expected = `exit 0 and one route to ${api} with a prefsrc host address`;
    const failures: JujuFailure[] = [];
    const sources: ConductorSource[] = [];
    runs.forEach((run, i) => {
        const unit = units[i];
        if (!run.ok) {
            failures.push(runFailure(run, unit, expected));
            return;
        }
        try {
            const route = parseRouteGet(run.stdout, api);
            sources.push({
                unit: run.unit,
                address: route.source,
                machine: unit.machine ?? "unknown",
                publicAddress: unit.publicAddress,
                provenance: `juju ${run.unit} (${placement(unit)}): ${command} → prefsrc ${route.source}`,
            });
        } catch (err) {
            failures.push({
                unit: run.unit,
                status: unhealthy(unit),
                command: run.commandLine,
                expected,
                got: `${message(err)}; stdout ${quote(run.stdout)}`,
            });
        }
    });
    if (failures.length > 0) {
        throw new JujuError(
            `cannot measure the conductor source of ${failures.length} of ${units.length} ` +
                `unit(s) of ${t.application} in model ${t.model}; a partial set is never used`,
            failures,
        );
    }
    return sources.sort((a, b) => compareUnits(a.unit, b.unit));
}

/**
 * Reads the API endpoint from the conductors' Magnum kubeconfig (`[capi_helm] kubeconfig_file`)
 * on every unit. The command prints only the `server:` values: the file also holds the client
 * key, which must never leave the unit. Every unit must name the same endpoint.
 */
export async function readApiEndpointFromUnits(
    t: JujuTarget,
    kubeconfigPath: string,
): Promise<ApiEndpoint> {
    if (!kubeconfigPath.startsWith("/") || /[\0\n]/.test(kubeconfigPath)) {
        throw new Error(`the kubeconfig path "${kubeconfigPath}" is not an absolute path`);
    }
    const command = `sed -n 's/^[[:space:]]*server:[[:space:]]*//p' ${shellQuote(kubeconfigPath)}`;
    const { units, runs } = await runOnApplication(t, command);
    const expected = `exit 0 and one https server URL with an IP address in ${kubeconfigPath}`;
    const failures: JujuFailure[] = [];
    const found: { run: UnitRun; url: string; address: string; port: number }[] = [];
    runs.forEach((run, i) => {
        if (!run.ok) {
            failures.push(runFailure(run, units[i], expected));
            return;
        }
        try {
            const servers = parseKubeconfigServers(run.stdout);
            if (servers.length > 1) {
                throw new Error(`several servers: ${servers.map((s) => s.url).join(", ")}`);
            }
            found.push({ run, ...servers[0] });
        } catch (err) {
            failures.push({
                unit: run.unit,
                status: unhealthy(units[i]),
                command: run.commandLine,
                expected,
                got: `${message(err)}; stdout ${quote(run.stdout)}`,
            });
        }
    });
    const summary = `cannot read the API endpoint from ${kubeconfigPath} on the units of ${t.application} in model ${t.model}`;
    if (failures.length > 0) {
        throw new JujuError(summary, failures);
    }
    const distinct = new Set(found.map((f) => `${f.address}|${f.port}`));
    if (distinct.size > 1) {
        throw new JujuError(
            `${summary}: the units disagree`,
            found.map((f) => ({
                unit: f.run.unit,
                command: f.run.commandLine,
                expected: "the same server as every other unit",
                got: f.url,
            })),
        );
    }
    const { address, port, url } = found[0];
    return {
        address,
        port,
        provenance: `server ${url} in ${kubeconfigPath} on ${found.map((f) => f.run.unit).join(", ")}`,
    };
}

const routeSchema = z
    .array(
        z.looseObject({
            type: z.string().optional(),
            dst: z.string(),
            gateway: z.string().optional(),
            dev: z.string().optional(),
            prefsrc: z.string().optional(),
        }),
    )
    .length(1, { error: "expected exactly one route" });

/**
 * Parses `ip -j route get <dst>`: one route whose `prefsrc` is the source the host uses toward
 * `dst`. When `expectedDst` is given, the route must be for it.
 */
export function parseRouteGet(stdout: string, expectedDst?: string): RouteSource {
    const [route] = parseWith(routeSchema, stdout, "ip -j route get JSON");
    if (route.type !== undefined && route.type !== "unicast" && route.type !== "local") {
        throw new Error(`the route to ${route.dst} is of type "${route.type}"`);
    }
    if (expectedDst !== undefined) {
        const dst = hostOrThrow(route.dst, "dst");
        if (dst.address !== cidr.parseHostAddress(expectedDst).address) {
            throw new Error(`the route is for ${route.dst}, not for ${expectedDst}`);
        }
    }
    if (route.prefsrc === undefined) {
        throw new Error(`the route to ${route.dst} has no prefsrc (no preferred source address)`);
    }
    const source = hostOrThrow(route.prefsrc, "prefsrc");
    // A local route (or a source equal to the destination) means the unit itself holds the
    // address: its "source" would be the API's own address, never what the group sees.
    if (route.type === "local" || source.address === hostOrThrow(route.dst, "dst").address) {
        throw new Error(
            `the API address ${route.dst} is local to this unit (a ${route.type ?? "unicast"} route ` +
                `with prefsrc ${route.prefsrc}): a conductor does not reach the API from its own ` +
                `address; is the kubeconfig's server (or api.address) the unit's own address?`,
        );
    }
    return {
        source: source.address,
        ethertype: source.ethertype,
        dst: route.dst,
        dev: route.dev,
        gateway: route.gateway,
    };
}

/**
 * Parses the `server:` values printed from a kubeconfig, one a line, into distinct
 * endpoints. Each must be an https URL whose host is an IP address.
 */
export function parseKubeconfigServers(stdout: string): ServerEndpoint[] {
    const values = stdout
        .split("\n")
        .map((line) => unquote(line.replace(/\s+#.*$/, "").trim()))
        .filter((value) => value !== "");
    if (values.length === 0) {
        throw new Error("no server: value");
    }
    const endpoints = new Map<string, ServerEndpoint>();
    for (const value of values) {
        let url: URL;
        try {
            url = new URL(value);
        } catch {
            throw new Error(`server ${JSON.stringify(value)} is not a URL`);
        }
        if (url.protocol !== "https:") {
            throw new Error(`server ${value} is not an https URL`);
        }
        const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
        let address: string;
        try {
            address = cidr.parseHostAddress(host).address;
        } catch {
            throw new Error(
                `server ${value} names host "${host}", not an IP address; ` +
                    `set api.address in the stack config instead`,
            );
        }
        const port = url.port === "" ? 443 : Number(url.port);
        endpoints.set(`${address}|${port}`, { url: value, address, port });
    }
    return [...endpoints.values()];
}

function runFailure(run: UnitRun, unit: UnitStatus, expected: string): JujuFailure {
    const parts = [
        run.timedOut
            ? `timed out after ${run.ms} ms`
            : run.returnCode !== null
              ? `return code ${run.returnCode}`
              : "no return code",
    ];
    if (run.problem !== undefined) {
        parts.push(run.problem);
    }
    if (run.stderr !== "") {
        parts.push(`stderr ${quote(run.stderr)}`);
    }
    if (run.stdout !== "") {
        parts.push(`stdout ${quote(run.stdout)}`);
    }
    return {
        unit: run.unit,
        status: unhealthy(unit),
        command: run.commandLine,
        expected,
        got: parts.join("; "),
    };
}

function placement(unit: UnitStatus): string {
    const status = unhealthy(unit);
    return `machine ${unit.machine ?? "unknown"}${status ? `; ${status}` : ""}`;
}

function hostOrThrow(text: string, field: string): { address: string; ethertype: cidr.Ethertype } {
    try {
        return cidr.parseHostAddress(text);
    } catch (err) {
        throw new Error(`${field} "${text}" is not a host address: ${(err as Error).message}`);
    }
}

function unquote(text: string): string {
    const match = /^(["'])(.*)\1$/.exec(text);
    return match ? match[2] : text;
}
