// `capi-mgmt-ingress rehearse [--json]`: the whole change on the local OpenStack. It starts Keystone and Neutron on
// 127.0.0.1, seeds the "before" state (the management group open to 0.0.0.0/0 on 6443 and 22),
// stands in the management API, the conductor units and a tenant pod in network namespaces with
// the group's live rules enforced on the API, then runs the program's update: through the Pulumi
// engine (Automation API, local file backend) where the CLI is installed, else the program itself
// under Pulumi's mock runtime with each registration applied to the local Neutron
// (tools/rehearsal/apply.ts). Its verdict says whether the group ends tight and verified. Like an
// operator, it reads the review, approves the retirement digest it printed, then updates.
import * as fs from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { stringify } from "yaml";
import { formatResults, runChecks, verifyPlan } from "../components/verify/checks";
import { parseStackConfig, StackConfig } from "../components/config/schema";
import { DEFAULT_API_PORT } from "../components/config/fields";
import { listUnits } from "../components/juju/units";
import { liveReview } from "../components/discover/rest-lookups";
import { listRules } from "../components/openstack/networking";
import { openSession, Session } from "../components/openstack/keystone";
import { renderReview } from "../components/review/markdown";
import { readStackFile } from "../components/config/stackfile";
import { ensureCloud, LocalCloud } from "./localcloud/cloud";
import { engineSettings, findPulumiCli, previewAndUp } from "./rehearsal/engine";
import { applyProgram } from "./rehearsal/apply";
import { heading, io, log } from "./rehearsal/output";
import { Progress } from "./cli/output";
import { approvalFor, RetirementApproval } from "../components/plan/approval";
import {
    Cleanup,
    controlCheck,
    ROOT,
    STACK,
    StandIns,
    startStandIns,
    STATE_DIR,
} from "./rehearsal/standins";
import { beforeAfterTable, RehearsalVerdict, verdict } from "./rehearsal/verdict";
import { seedBefore, SeedResult } from "./localcloud/seed";
import type { ScenarioName } from "./rehearsal/scenario-names";
import { scenarioValues, seedScenario } from "./rehearsal/scenarios";
import { playScenario, ScenarioResult } from "./rehearsal/scenario-run";

async function main(
    cleanups: Cleanup[],
    signal: AbortSignal,
    scenarioName?: ScenarioName,
): Promise<RehearsalVerdict> {
    fs.mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
    heading("local OpenStack");
    const cloud = await io.progress.step("starting the local Keystone and Neutron", ensureCloud);
    // clouds.yaml for every lookup of this process and of the programs it runs.
    Object.assign(process.env, cloud.env);
    log(`Keystone ${cloud.authUrl}, Neutron ${cloud.networkUrl}, cloud "${cloud.cloudName}"`);
    const seed = await seedBefore(cloud);
    log(
        `seeded: group capi-mgmt-sg (${seed.securityGroupId}), floating IP ${seed.floatingIp} ` +
            `on port ${seed.portId}, router gateway ${seed.routerGatewayIp}`,
    );
    const scenario = scenarioName ? await seedScenario(cloud, seed, scenarioName) : undefined;
    if (scenario) {
        log(
            `scenario ${scenario.name}: added rule ${scenario.ruleId}; groups on the API's port: ` +
                scenario.groupIds.join(", "),
        );
    }
    const session = await rehearsalSession(cloud);
    const raw = scenarioValues(readStackFile(STACK), scenarioName);
    const stackConfig = rehearsalConfig(raw, seed);
    const before = await listRules(session, seed.securityGroupId);

    heading("stand-ins");
    const standIns = await startStandIns(stackConfig, seed, session, cleanups);
    const config = standIns.config;

    await controlCheck(standIns);

    const approved = await reviewAndApprove(config, session);
    const engine = await findPulumiCli();
    const update = () =>
        engine
            ? runWithEngine(engine, cloud, raw, config, approved)
            : runWithoutEngine(cloud, session, standIns, approved, signal);
    let played: ScenarioResult | undefined;
    if (scenario) {
        played = await playScenario({ scenario, config, session, standIns, update, signal });
        if (played.refusal !== undefined) {
            return refusedVerdict(played, standIns.unproven);
        }
    } else {
        await update();
    }
    // Interrupted: what follows would judge a run cut short (probes to dead stand-ins).
    stopIfAborted(signal);

    heading("verify");
    await standIns.syncFirewall();
    const live = await liveReview(config);
    const juju = config.conductors.juju;
    const results = await runChecks(
        verifyPlan(config.verify, {
            api: { address: config.api.address!, port: config.api.port ?? DEFAULT_API_PORT },
            allowSet: live.plan.allowSet,
            conductors: juju
                ? { juju, units: (await listUnits(juju)).map((u) => u.unit) }
                : undefined,
        }),
    );
    log(formatResults(results));
    stopIfAborted(signal);

    const after = await listRules(session, seed.securityGroupId);
    heading("the group's ingress rules, before and after");
    log(beforeAfterTable(before, after));
    const judged = verdict(live.plan, after, results, standIns);
    if (played) {
        log(ranScenarioLine(played));
    }
    return { ...judged, ...(played ? { scenario: played } : {}) };
}

/** A scenario whose update ran (one accepting a rule): what stays beyond the allow-set. */
function ranScenarioLine(played: ScenarioResult): string {
    if (!played.passed) {
        return `scenario ${played.name} FAILED: ${played.problems.join("; ")}`;
    }
    const beyond = played.residual
        .filter((r) => r.beyondAllowSet !== "nothing")
        .map((r) => `${r.port}/tcp ${r.ethertype}: ${r.beyondAllowSet}`);
    return `scenario ${played.name}: the update ran; still admitted beyond the allow-set, as accepted: ${beyond.join("; ")}`;
}

/** Throws the interruption once the rehearsal is stopped: no further step starts. */
export function stopIfAborted(signal: AbortSignal): void {
    if (signal.aborted) {
        throw signal.reason;
    }
}

/** A scenario whose update refused: nothing ran to verify, the wide rules stay (not tight). */
function refusedVerdict(played: ScenarioResult, unproven: string[]): RehearsalVerdict {
    heading("verdict");
    log(
        played.passed
            ? `scenario ${played.name}: refused before anything was deleted, as expected`
            : `scenario ${played.name} FAILED: ${played.problems.join("; ")}`,
    );
    return {
        tight: false,
        verified: false,
        problems: [`the update refused: ${played.refusal!}`],
        checks: [],
        unproven,
        scenario: played,
    };
}

/**
 * The operator's flow before an update: the review shows the retire targets and the digest to
 * approve (not approved yet, so a preview would refuse); the reviewer then writes that digest as
 * `capi-mgmt-ingress:approvedRetirement` in the stack file (here, in the values the update runs
 * with). The update then deletes those targets and nothing else.
 */
async function reviewAndApprove(
    config: StackConfig,
    session: Session,
): Promise<RetirementApproval | undefined> {
    heading("review: what the update changes, and the retirement digest to approve");
    const live = await liveReview(config, session);
    log(renderReview({ stack: STACK, config, live }));
    heading("approval: the reviewer writes the digest the review printed into the stack file");
    const approval = approvalFor(live.plan.groupId, live.plan.retireTargets);
    log(
        approval
            ? stringify({ "capi-mgmt-ingress:approvedRetirement": approval }).trimEnd()
            : "nothing to retire: no approval needed",
    );
    return approval;
}

/** The stack file's settings, with the API address the seed's floating IP actually has. */
function rehearsalConfig(raw: Record<string, unknown>, seed: SeedResult): StackConfig {
    const config = parseStackConfig(raw);
    if (config.api.address !== seed.floatingIp) {
        log(
            `note: stacks/Pulumi.${STACK}.yaml names the API ${config.api.address}; the seed's ` +
                `floating IP is ${seed.floatingIp}, which the rehearsal uses`,
        );
    }
    return parseStackConfig({ ...raw, api: { ...config.api, address: seed.floatingIp } });
}

/** A session on the local cloud, and nothing else: the engine-less apply refuses real clouds. */
async function rehearsalSession(cloud: LocalCloud): Promise<Session> {
    const session = await openSession({
        cloud: cloud.cloudName,
        env: { ...process.env, ...cloud.env },
    });
    const local = (url: string) =>
        /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(new URL(url).hostname);
    if (!local(session.settings.authUrl) || !local(session.networkUrl)) {
        throw new Error(
            `the rehearsal changes only the local rehearsal cloud; cloud "${cloud.cloudName}" ` +
                `authenticates at ${session.settings.authUrl} and serves networking at ` +
                `${session.networkUrl}, expected a loopback address`,
        );
    }
    return session;
}

// --- with the engine

async function runWithEngine(
    cli: string,
    cloud: LocalCloud,
    raw: Record<string, unknown>,
    config: StackConfig,
    approvedRetirement: RetirementApproval | undefined,
): Promise<void> {
    heading(`pulumi (${cli}): preview and up of stack ${STACK}, local file backend`);
    const settings = engineSettings({
        root: ROOT,
        stateDir: STATE_DIR,
        stack: STACK,
        values: { ...raw, api: config.api, approvedRetirement },
        env: cloud.env,
    });
    const outputs = await previewAndUp(settings, io.write);
    log(stringify({ outputs }));
}

// --- without the engine

/**
 * The program's own update without the engine: `main` under Pulumi's mock runtime, each registration applied to the local Neutron as the provider would apply it
 * and the gate, retirement and checks run by their serialized providers.
 */
async function runWithoutEngine(
    cloud: LocalCloud,
    session: Session,
    standIns: StandIns,
    approvedRetirement: RetirementApproval | undefined,
    signal: AbortSignal,
): Promise<void> {
    const config = standIns.config;
    heading("engine-less: the Pulumi CLI is not installed");
    log("skipped: `pulumi preview` through the Automation API and the policy pack (policy/).");
    log("the program's update runs under Pulumi's mock runtime instead, each registration applied");
    log(
        "to the local Neutron as the openstack provider and the engine would apply it. Install the",
    );
    log(
        "CLI (https://www.pulumi.com/docs/install/) and run `npm run rehearse` again for the engine.",
    );
    if (config.cloud !== cloud.cloudName) {
        throw new Error(
            `the engine-less apply runs only on the local rehearsal cloud "${cloud.cloudName}"; ` +
                `the config names cloud "${config.cloud}": on real clouds, changes go through Pulumi`,
        );
    }

    heading("apply: the program's update");
    const outputs = await applyProgram({
        stack: STACK,
        values: { ...config, approvedRetirement },
        // The program's provider names the resolved identity (its auth URL), or a clouds.yaml entry.
        session: async (provider) => {
            const ours =
                provider.cloud === cloud.cloudName ||
                (provider.cloud === "" && provider.authUrl === session.settings.authUrl);
            if (!ours) {
                throw new Error(
                    `an openstack provider names cloud "${provider.cloud}" at ` +
                        `"${provider.authUrl}"; the rehearsal applies only to "${cloud.cloudName}" ` +
                        `at ${session.settings.authUrl}`,
                );
            }
            return session;
        },
        beforeCheck: standIns.syncFirewall,
        log,
        signal,
    });
    log(stringify({ outputs }));
}

async function runCleanups(cleanups: Cleanup[]): Promise<void> {
    for (const cleanup of cleanups.reverse()) {
        await cleanup().catch((err: Error) => console.error(`cleanup: ${err.message}`));
    }
    cleanups.length = 0;
}

/**
 * Runs the rehearsal and removes its stand-ins, also on SIGINT/SIGTERM (then exits 130) and on a
 * crash: an exception no code catches (thrown from a callback, or a rejection nobody handles
 * outside the apply, which collects its own) rejects the rehearsal, so the stand-ins are removed
 * and the command reports the error (exit 2) instead of Node ending the process with exit 1.
 * Throws when the rehearsal could not run; the verdict says whether it ended tight and verified.
 */
export async function rehearse(options: {
    write: (text: string) => void;
    progress: Progress;
    /** One of SCENARIOS (tools/rehearsal/scenario-names.ts); none = the ruling's change as is. */
    scenario?: ScenarioName;
}): Promise<RehearsalVerdict> {
    Object.assign(io, { write: options.write, progress: options.progress });
    const cleanups: Cleanup[] = [];
    const stop = new AbortController();
    let interrupt: (signal: NodeJS.Signals) => void = () => undefined;
    const interrupted = new Promise<never>((_, reject) => {
        interrupt = (signal) => {
            const err = new Error(`interrupted (${signal}); its stand-ins are removed`);
            err.name = "Interrupted";
            stop.abort(err);
            reject(err);
        };
    });
    interrupted.catch(() => undefined);
    let signalled: NodeJS.Signals | undefined;
    // Kept until the stand-ins are gone: a second signal must not cut their removal short.
    const onSignal = (signal: NodeJS.Signals) => {
        console.error(`${signal}: ${signalled ? "still " : ""}removing the stand-ins`);
        if (!signalled) {
            signalled = signal;
            interrupt(signal);
        }
    };
    let crash: (err: unknown) => void = () => undefined;
    const crashed = new Promise<never>((_, reject) => {
        crash = (err) => {
            const message = err instanceof Error ? err.message : String(err);
            stop.abort(new Error(`the rehearsal crashed: ${message}`));
            reject(new Error(`the rehearsal crashed: ${message}; its stand-ins are removed`));
        };
    });
    crashed.catch(() => undefined);
    process.on("SIGINT", onSignal).on("SIGTERM", onSignal).on("uncaughtException", crash);
    const run = main(cleanups, stop.signal, options.scenario);
    try {
        return await Promise.race([run, crashed, interrupted]);
    } finally {
        if (stop.signal.aborted) {
            // A step in flight may still register a stand-in: let it end (it stops at the abort).
            // The timer holds the process open: when the signal also killed the children, nothing
            // else may, and Node would end the process before the stand-ins are removed.
            const waited = new AbortController();
            await Promise.race([
                run.catch(() => undefined),
                delay(15000, undefined, { signal: waited.signal }).catch(() => undefined),
            ]);
            waited.abort();
        }
        await runCleanups(cleanups);
        if (signalled) {
            // The narrative ends here, and says why: no verdict follows.
            heading(`interrupted (${signalled}): the run stopped, its stand-ins are removed`);
        }
        process.off("SIGINT", onSignal).off("SIGTERM", onSignal).off("uncaughtException", crash);
    }
}
