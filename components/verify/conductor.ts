// The conductor handshake: from every conductor unit, through Juju, a TCP connection to the API
// whose measured source address the allow-set must admit. The probe is
// probes/conductor_probe.py, sent to python3 on the unit as its standard input.
import type { AllowEntry } from "../model/allowset";
import { hostRoute, isHostRoute, parsePrefix, Prefix, prefixContains } from "../model/cidr";
import { Flavor, JujuTarget, runOnUnits, UnitRun } from "../juju/units";
import { parseTcpProbe, TcpProbe } from "./probe-output";
import { ApiEndpoint, CheckResult, errorText, oneLine, readProbe } from "./result";

export interface ConductorCheck {
    juju: JujuTarget;
    /** The units to probe: every unit of the conductor application. */
    units: string[];
    timeoutSeconds: number;
    /** Known in advance by the program; detected with `juju version` otherwise. */
    flavor?: Flavor;
}

/**
 * The shell command run on each conductor unit: the probe program travels base64-encoded (Juju
 * passes no standard input to the unit) and reaches python3 on its standard input; without
 * python3, a probe error line. The address is canonical, so no shell word comes from config.
 */
export function conductorProbeCommand(api: ApiEndpoint, timeoutSeconds: number): string {
    const target = `${hostRoute(api.address).cidr.split("/")[0]} ${Math.trunc(api.port)}`;
    const program = Buffer.from(readProbe("conductor_probe.py"), "utf8").toString("base64");
    const missing = JSON.stringify({
        probe: "tcp",
        outcome: "error",
        ms: 0,
        error: "python3 is not installed on the unit",
    });
    return (
        `if command -v python3 >/dev/null 2>&1; then ` +
        `echo ${program} | base64 -d | python3 - ${target} ${Number(timeoutSeconds)}; ` +
        `else echo '${missing}'; fi`
    );
}

/**
 * A lookup of the allow entry for `port` that contains a source's host route: host entries by
 * their address, the few wider ones (hairpin, operator) by containment. Each entry is parsed
 * once, so judging hundreds of units against hundreds of entries stays linear.
 */
export function allowMatcher(
    allowSet: AllowEntry[],
    port: number,
): (source: string) => AllowEntry | undefined {
    const hosts = new Map<string, AllowEntry>();
    const wider: { entry: AllowEntry; prefix: Prefix }[] = [];
    for (const entry of allowSet.filter((e) => e.port === port)) {
        const prefix = parsePrefix(entry.remoteIpPrefix);
        if (!isHostRoute(prefix)) {
            wider.push({ entry, prefix });
        } else if (!hosts.has(prefix.cidr)) {
            hosts.set(prefix.cidr, entry);
        }
    }
    return (source) => {
        const host = hostRoute(source);
        return hosts.get(host.cidr) ?? wider.find((w) => prefixContains(w.prefix, host))?.entry;
    };
}

/** The allow entry for the API port that contains the source's host route, if any. */
export function admittingEntry(
    source: string,
    port: number,
    allowSet: AllowEntry[],
): AllowEntry | undefined {
    return allowMatcher(allowSet, port)(source);
}

/** One unit's verdict: connected, and from a source the allow-set admits on the API port. */
export function judgeConductor(
    run: UnitRun,
    api: ApiEndpoint,
    allowSet: AllowEntry[] | ((source: string) => AllowEntry | undefined),
): CheckResult {
    const admits = typeof allowSet === "function" ? allowSet : allowMatcher(allowSet, api.port);
    const what = `the python3 tcp probe to ${api.address}:${api.port} through juju on ${run.unit}`;
    let probe: TcpProbe;
    try {
        probe = parseTcpProbe(run.stdout);
    } catch (err) {
        const state = [
            run.timedOut ? "got no answer in time" : `returned code ${run.returnCode ?? "none"}`,
            run.problem,
            run.stderr.trim() ? `stderr: ${oneLine(run.stderr)}` : undefined,
        ].filter((part) => part !== undefined);
        return {
            check: "conductor",
            target: run.unit,
            outcome: "error",
            passed: false,
            ms: run.ms,
            detail: `${what} ${state.join("; ")}; expected one {"probe":"tcp"} line: ${errorText(err)}`,
        };
    }
    // The probe's own time: the juju call's time is shared by every unit of the call.
    const base = { check: "conductor", target: run.unit, outcome: probe.outcome, ms: probe.ms };
    if (probe.outcome !== "connected") {
        return {
            ...base,
            passed: false,
            detail:
                `${what}: expected a connection from an allowed source, got ${probe.outcome}` +
                (probe.error ? ` (${probe.error})` : ""),
        };
    }
    const source = probe.source!;
    const entry = admits(source);
    if (!entry) {
        return {
            ...base,
            source,
            passed: false,
            detail:
                `${what}: connected from ${source}, which no allow entry for tcp/${api.port} ` +
                `contains: a rule outside the allow-set admits it (is a wide rule still there?)`,
        };
    }
    return {
        ...base,
        source,
        passed: true,
        detail: `admitted by ${entry.role} ${entry.remoteIpPrefix}`,
    };
}

/** Probes the API from every conductor unit at once (runOnUnits bounds the concurrency). */
export async function checkConductors(
    check: ConductorCheck,
    api: ApiEndpoint,
    allowSet: AllowEntry[],
): Promise<CheckResult[]> {
    if (check.units.length === 0) {
        return [
            {
                check: "conductor",
                target: check.juju.application,
                outcome: "error",
                passed: false,
                ms: 0,
                detail: `no units of ${check.juju.application} to probe from; expected at least one`,
            },
        ];
    }
    const runs = await runOnUnits(
        check.juju,
        check.units,
        conductorProbeCommand(api, check.timeoutSeconds),
        check.flavor,
    );
    const byUnit = new Map(runs.map((r) => [r.unit, r]));
    const admits = allowMatcher(allowSet, api.port);
    return check.units.map((unit) => {
        const run = byUnit.get(unit);
        if (!run) {
            return {
                check: "conductor",
                target: unit,
                outcome: "error",
                passed: false,
                ms: 0,
                detail: `juju returned no result for ${unit}; expected one per unit`,
            };
        }
        return judgeConductor(run, api, admits);
    });
}
