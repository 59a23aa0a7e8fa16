// One rehearsal scenario, played: the computed exposure before and after, the update (which must
// refuse before anything is deleted, or, where accepted, run), the rules of every group on the
// API's port compared before and after, and the differential probes.
import { StackConfig } from "../../components/config/schema";
import { DEFAULT_API_PORT } from "../../components/config/fields";
import { liveReview } from "../../components/discover/rest-lookups";
import { ExposureReview, exposureRows } from "../../components/plan/exposure";
import { listRules } from "../../components/openstack/networking";
import { Session } from "../../components/openstack/keystone";
import { NeutronRule } from "../../components/model/rules";
import { DifferentialResult, disagreements, rowGaps, runDifferential } from "./differential";
import type { Ethertype, PortExposure } from "../../components/model/exposure";
import { heading, log } from "./output";
import { ScenarioSeed } from "./scenarios";
import { StandIns } from "./standins";

/** What `--json` carries for a scenario; `passed` is the scenario's own verdict. */
export interface ScenarioResult {
    name: string;
    expectRefusal: boolean;
    /** The update's refusal (or failure) message; absent when it ran. */
    refusal?: string;
    /** The refusal names the rule the scenario added. */
    refusalNamesRule: boolean;
    /** Ingress rules of the port's groups before the update that are gone after it. */
    deleted: string[];
    /** Ingress rules there after the update that were not there before. */
    created: string[];
    /** After the update: each protected port and family, what it admits beyond the allow-set. */
    residual: { port: number; ethertype: string; beyondAllowSet: string }[];
    /** The live mirror probed on each protected port the stand-in serves, IPv4 and IPv6. */
    differential?: DifferentialResult[];
    /**
     * Refused scenarios: the plan's "after" rules loaded into the API's nftables in place of the
     * mirror (Neutron untouched), probed on each protected port the stand-in serves and family.
     */
    planned?: DifferentialResult[];
    passed: boolean;
    /** Why it did not pass. */
    problems: string[];
}

export async function playScenario(input: {
    scenario: ScenarioSeed;
    config: StackConfig;
    session: Session;
    standIns: StandIns;
    update: () => Promise<void>;
    /** Aborted on an interrupt: the update's failure is then no refusal, and nothing is probed. */
    signal: AbortSignal;
}): Promise<ScenarioResult> {
    const { scenario, config, session, standIns } = input;
    const ingress = async () =>
        (await Promise.all(scenario.groupIds.map((id) => listRules(session, id))))
            .flat()
            .filter((r: NeutronRule) => r.direction === "ingress")
            .map((r) => r.id);
    const rulesBefore = await ingress();
    const computed = (await liveReview(config, session)).plan.exposure;

    let refusal: string | undefined;
    try {
        await input.update();
    } catch (err) {
        if (input.signal.aborted) {
            throw input.signal.reason;
        }
        refusal = err instanceof Error ? err.message : String(err);
        heading(`scenario ${scenario.name}: the update refused`);
        log(refusal);
    }
    if (input.signal.aborted) {
        throw input.signal.reason;
    }
    const rulesAfter = await ingress();
    const deleted = rulesBefore.filter((id) => !rulesAfter.includes(id));
    const created = rulesAfter.filter((id) => !rulesBefore.includes(id));
    const now = (await liveReview(config, session)).plan.exposure;
    const residual = exposureRows(now.before, now.beyondBefore).map((row) => ({
        port: row.port,
        ethertype: row.ethertype,
        beyondAllowSet: row.beyondAllowSet,
    }));
    heading(`scenario ${scenario.name}: exposure of the API's port now`);
    for (const row of residual) {
        log(`${row.port}/tcp ${row.ethertype}: beyond the allow-set: ${row.beyondAllowSet}`);
    }
    for (const r of now.beforeResponsible.filter((r) => r.accepted !== undefined)) {
        log(`accepted: rule ${r.ruleId} in group ${r.groupName}: ${r.admits} (${r.accepted})`);
    }

    const problems: string[] = [];
    const refusalNamesRule = refusal?.includes(scenario.ruleId) ?? false;
    if (scenario.expectRefusal) {
        if (!refusal?.startsWith("exposure:")) {
            problems.push(`expected the exposure refusal, got ${refusal ?? "an update that ran"}`);
        }
        if (!refusalNamesRule) {
            problems.push(`the refusal does not name rule ${scenario.ruleId}`);
        }
        if (deleted.length > 0 || created.length > 0) {
            problems.push(
                `rules changed: deleted [${deleted.join(", ")}], created [${created.join(", ")}]`,
            );
        }
    } else {
        if (refusal !== undefined) {
            problems.push(`expected the update to run, got: ${refusal}`);
        }
        if (!rulesAfter.includes(scenario.ruleId)) {
            problems.push(`the accepted rule ${scenario.ruleId} is gone`);
        }
        if (
            !residual.some(
                (r) =>
                    r.port === (config.api.port ?? DEFAULT_API_PORT) &&
                    r.beyondAllowSet !== "nothing",
            )
        ) {
            problems.push("no residual exposure shown for the accepted rule");
        }
    }

    let differential: DifferentialResult[] | undefined;
    let planned: DifferentialResult[] | undefined;
    if (standIns.topology) {
        await standIns.syncFirewall();
        const against = refusal === undefined ? "after" : "before";
        const side = against === "after" ? computed.after : computed.before;
        differential = await probeRows(standIns, side, against, "the live mirror", config);
        problems.push(...rowProblems(differential, side, "differential"));
        if (refusal !== undefined) {
            await standIns.pinFirewall(computed.afterRules.map((r) => r.rule));
            try {
                planned = await probeRows(
                    standIns,
                    computed.after,
                    "after",
                    `the plan's "after" rules enforced`,
                    config,
                );
            } finally {
                await standIns.pinFirewall(undefined);
            }
            problems.push(...rowProblems(planned, computed.after, 'planned "after"'));
        }
        heading(`scenario ${scenario.name}: probes per row`);
        for (const d of [...differential, ...(planned ?? [])]) {
            log(
                `${d.against.padEnd(6)} ${String(d.port).padStart(4)}/tcp ${d.ethertype}: ` +
                    `${d.inside} inside, ${d.outside} outside, ${d.agreements}/${d.total} agree`,
            );
        }
    } else {
        problems.push("differential: no network namespaces here, nothing probed");
    }
    return {
        name: scenario.name,
        expectRefusal: scenario.expectRefusal,
        ...(refusal !== undefined ? { refusal } : {}),
        refusalNamesRule,
        deleted,
        created,
        residual,
        ...(differential ? { differential } : {}),
        ...(planned ? { planned } : {}),
        passed: problems.length === 0,
        problems,
    };
}

/**
 * Probes each protected port the stand-in serves (the API's and 22), IPv4 then IPv6, against
 * one computed exposure, with whatever ruleset the API namespace holds now.
 */
async function probeRows(
    standIns: StandIns,
    exposure: ExposureReview["after"],
    against: "before" | "after",
    title: string,
    config: StackConfig,
): Promise<DifferentialResult[]> {
    const served = [config.api.port ?? DEFAULT_API_PORT, 22];
    const results: DifferentialResult[] = [];
    for (const port of config.protectedPorts.filter((p) => served.includes(p))) {
        for (const ethertype of ["IPv4", "IPv6"] as const) {
            const result = await runDifferential({
                topology: standIns.topology!,
                port,
                ethertype,
                exposure: portExposure(exposure, port, ethertype),
                against,
            });
            report(`${title}, port ${port} ${ethertype}, against "${against}"`, result);
            results.push(result);
        }
    }
    return results;
}

function portExposure(
    exposure: ExposureReview["after"],
    port: number,
    ethertype: Ethertype,
): PortExposure | undefined {
    return exposure.ports.find((pe) => pe.port === port && pe.ethertype === ethertype);
}

/** Every probe that disagrees, and every row side that could be probed but was not. */
function rowProblems(
    results: DifferentialResult[],
    exposure: ExposureReview["after"],
    label: string,
): string[] {
    return results.flatMap((d) =>
        [...disagreements(d), ...rowGaps(d, portExposure(exposure, d.port, d.ethertype))].map(
            (line) => `${label}: ${line}`,
        ),
    );
}

function report(title: string, d: DifferentialResult): void {
    heading(`differential: ${title}`);
    for (const s of d.samples) {
        log(
            `${s.source}: expected ${s.expected}, got ${s.outcome}${s.agrees ? "" : "  DISAGREES"}`,
        );
    }
    log(
        `agreement ${d.agreements}/${d.total} ` +
            `(${d.inside} inside, ${d.outside} outside the computed set)`,
    );
}
