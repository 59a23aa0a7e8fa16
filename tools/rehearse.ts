// `capi-mgmt-ingress rehearse [--json]`: the whole change on the local OpenStack. It starts Keystone and Neutron on
// 127.0.0.1, seeds the "before" state (the management group open to 0.0.0.0/0 on 6443 and 22),
// stands in the management API, the conductor units and a tenant pod in network namespaces with
// the group's live rules enforced on the API, then runs the change: through the Pulumi engine
// (Automation API, local file backend) where the CLI is installed, else every step that needs no
// engine, in the engine's order. Its verdict says whether the group ends tight and verified.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import {
    CheckResult,
    checkTenantIsolation,
    formatResults,
    runChecks,
    verifyPlan,
} from "../components/verify/checks";
import {
    DEFAULT_API_PORT,
    parseStackConfig,
    retireSelectors,
    StackConfig,
} from "../components/config/schema";
import { findMissing, readBack } from "../components/apply/gate";
import { listUnits } from "../components/juju/units";
import { liveReview } from "../components/discover/rest-lookups";
import {
    createRule,
    entryRuleBody,
    listRules,
    openSession,
    Session,
} from "../components/openstack/client";
import { Plan } from "../components/plan/plan";
import { retireRules } from "../components/apply/retirement";
import { renderReview } from "../components/review/markdown";
import { classifyRules, describePorts, NeutronRule } from "../components/model/rules";
import { readStackFile } from "../components/config/stackfile";
import { ensureCloud, LocalCloud } from "./localcloud/cloud";
import { generatePki, startApiServer, writeOperatorKubeconfig } from "./rehearsal/api-server";
import { startFirewallSync } from "./rehearsal/firewall";
import { engineSettings, findPulumiCli, previewAndUp } from "./rehearsal/engine";
import {
    assertDocumentationAddress,
    createTopology,
    DEFAULT_ADDRESSES,
    namespaceSupport,
    nftablesSupport,
} from "./rehearsal/topology";
import { seedBefore, SeedResult } from "./localcloud/seed";
import { Progress, silentProgress } from "./cli/output";

const ROOT = path.resolve(__dirname, "..");
const STATE_DIR = path.join(ROOT, ".rehearsal");
const STACK = "rehearsal";

type Cleanup = () => Promise<void>;

interface StandIns {
    mode: "netns" | "loopback";
    /** The config the steps run with: the stack's, adjusted to the stand-ins. */
    config: StackConfig;
    /** Re-applies the group's live rules to the API namespace now (no-op with loopback). */
    syncFirewall(): Promise<void>;
    /** What these stand-ins cannot show. */
    unproven: string[];
}

/** Where the narrative goes (stdout, or stderr under --json) and the progress of slow steps. */
const io: { write: (text: string) => void; progress: Progress } = {
    write: (text) => void process.stdout.write(text),
    progress: silentProgress,
};

function log(line = ""): void {
    io.write(`${line}\n`);
}

function heading(title: string): void {
    log();
    log(`== ${title}`);
}

async function main(cleanups: Cleanup[]): Promise<RehearsalVerdict> {
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
    const session = await rehearsalSession(cloud);
    const stackConfig = rehearsalConfig(readStackFile(STACK), seed);
    const before = await listRules(session, seed.securityGroupId);

    heading("stand-ins");
    const standIns = await startStandIns(stackConfig, seed, session, cleanups);
    const config = standIns.config;

    await controlCheck(standIns);

    const engine = await findPulumiCli();
    if (engine) {
        await runWithEngine(engine, cloud, config);
    } else {
        await runWithoutEngine(cloud, session, config);
    }

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

    const after = await listRules(session, seed.securityGroupId);
    heading("the group's ingress rules, before and after");
    log(beforeAfterTable(before, after));
    return verdict(live.plan, after, results, standIns);
}

/**
 * Before the change the seeded wide rule admits the tenant: its probe must connect. If it does
 * not, the stand-ins are not enforcing the group, and a timeout after the change would prove
 * nothing.
 */
async function controlCheck(standIns: StandIns): Promise<void> {
    const tenant = standIns.config.verify.tenant;
    if (standIns.mode !== "netns" || !tenant) {
        return;
    }
    heading("control: before the change, the wide rule must let the tenant in");
    const api = {
        address: standIns.config.api.address!,
        port: standIns.config.api.port ?? DEFAULT_API_PORT,
    };
    const result = await checkTenantIsolation(tenant, api);
    log(`tenant probe to ${api.address}:${api.port}: ${result.outcome} (expected: connected)`);
    if (result.outcome !== "connected") {
        throw new Error(
            `control check: the tenant probe to ${api.address}:${api.port} got ${result.outcome} ` +
                `while the group still admits 0.0.0.0/0; expected it to connect. The stand-ins do ` +
                `not enforce the group, so the verification after the change would mean nothing`,
        );
    }
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

async function startStandIns(
    config: StackConfig,
    seed: SeedResult,
    session: Session,
    cleanups: Cleanup[],
): Promise<StandIns> {
    const apiAddress = seed.floatingIp;
    const operator = operatorSource(config);
    const unsupported = (await namespaceSupport()) ?? (await nftablesSupport());
    if (unsupported) {
        return loopbackStandIns(config, unsupported, cleanups);
    }
    const topology = await createTopology({
        apiAddress,
        stateDir: STATE_DIR,
        model: config.conductors.juju?.model,
        application: config.conductors.juju?.application,
        addresses: { operator },
    });
    cleanups.push(topology.destroy);
    if (topology.leftovers.length > 0) {
        log(`removed a crashed run's leftovers: ${topology.leftovers.join(", ")}`);
    }
    const pki = await generatePki(path.join(STATE_DIR, "pki"), apiAddress);
    const server = await startApiServer({
        namespace: topology.state.api.namespace,
        host: "0.0.0.0",
        pki,
        apiPort: config.api.port ?? DEFAULT_API_PORT,
    });
    cleanups.push(server.stop);
    writeKubeconfigs(config, `https://${apiAddress}:${config.api.port ?? DEFAULT_API_PORT}`, pki);
    cleanups.push(async () => removeCredentials(config, pki.dir));
    const sync = startFirewallSync({
        namespace: topology.state.api.namespace,
        groupId: seed.securityGroupId,
        listRules: () => listRules(session, seed.securityGroupId),
        log,
    });
    cleanups.push(sync.stop);
    await sync.syncNow();
    const state = topology.state;
    log(
        `API ${apiAddress}:${config.api.port ?? DEFAULT_API_PORT} and :22 in namespace ${state.api.namespace}`,
    );
    for (const unit of state.units) {
        log(`conductor ${unit.name} in ${unit.namespace}, sends from ${unit.source}`);
    }
    log(`tenant pod in ${state.tenant.namespace}, sends from ${state.tenant.source}`);
    log(`operator: this namespace, sends from ${operator} through ${state.operator.link}`);
    return {
        mode: "netns",
        config,
        syncFirewall: async () => void (await sync.syncNow()),
        unproven: [],
    };
}

/**
 * Without network namespaces: the API stand-in on loopback proves the operator's certificate
 * path, static conductor addresses replace the Juju measurement, and nothing crosses the rules.
 */
async function loopbackStandIns(
    config: StackConfig,
    why: string,
    cleanups: Cleanup[],
): Promise<StandIns> {
    log(`network namespaces cannot be used here: ${why}`);
    log("using loopback stand-ins: the group's rules are not enforced on any traffic");
    const pki = await generatePki(path.join(STATE_DIR, "pki"), "127.0.0.1");
    const apiPort = 16443;
    const server = await startApiServer({ host: "127.0.0.1", pki, apiPort, sshPort: 16022 });
    cleanups.push(server.stop);
    writeKubeconfigs(config, `https://127.0.0.1:${apiPort}`, pki);
    cleanups.push(async () => removeCredentials(config, pki.dir));
    const reason = "rehearsal stand-ins on loopback: no unit to measure through Juju";
    return {
        mode: "loopback",
        config: parseStackConfig({
            ...config,
            conductors: { static: { addresses: DEFAULT_ADDRESSES.unitSources, reason } },
            verify: {
                ...config.verify,
                conductors: { ...config.verify.conductors, enabled: false },
                tenant: undefined,
            },
        }),
        syncFirewall: async () => undefined,
        unproven: [
            "conductor handshakes (the units are not measured through Juju)",
            "tenant isolation (no namespace to send from)",
            "that the rules admit the operator (the API stand-in is on loopback)",
        ],
    };
}

/** The root namespace's source: the stack's operator /32. */
function operatorSource(config: StackConfig): string {
    const host = config.operator.cidrs.find((cidr) => cidr.endsWith("/32"));
    if (!host) {
        throw new Error(
            `stacks/Pulumi.${STACK}.yaml: operator.cidrs needs a /32 for the operator stand-in ` +
                `(this namespace's source), got ${config.operator.cidrs.join(", ")}`,
        );
    }
    const address = host.split("/")[0];
    assertDocumentationAddress(address);
    return address;
}

function writeKubeconfigs(
    config: StackConfig,
    server: string,
    pki: Awaited<ReturnType<typeof generatePki>>,
): void {
    if (config.verify.operator) {
        writeOperatorKubeconfig(path.resolve(ROOT, config.verify.operator.kubeconfig), server, pki);
    }
    if (config.verify.tenant) {
        // The kubectl shim ignores it: the tenant cluster is one namespace.
        const tenant = {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "tenant", cluster: { server: "https://tenant.invalid" } }],
            contexts: [{ name: "tenant", context: { cluster: "tenant", user: "tenant" } }],
            users: [{ name: "tenant", user: {} }],
            "current-context": "tenant",
        };
        fs.writeFileSync(path.resolve(ROOT, config.verify.tenant.kubeconfig), stringify(tenant), {
            mode: 0o600,
        });
    }
}

/** The keys and kubeconfigs made for the stand-ins live only as long as the rehearsal. */
function removeCredentials(config: StackConfig, pkiDir: string): void {
    fs.rmSync(pkiDir, { recursive: true, force: true });
    for (const file of [config.verify.operator?.kubeconfig, config.verify.tenant?.kubeconfig]) {
        if (file) {
            fs.rmSync(path.resolve(ROOT, file), { force: true });
        }
    }
}

// --- with the engine

async function runWithEngine(cli: string, cloud: LocalCloud, config: StackConfig): Promise<void> {
    heading(`pulumi (${cli}): preview and up of stack ${STACK}, local file backend`);
    const settings = engineSettings({
        root: ROOT,
        stateDir: STATE_DIR,
        stack: STACK,
        values: { ...readStackFile(STACK), api: config.api },
        env: cloud.env,
    });
    const outputs = await previewAndUp(settings, io.write);
    log(stringify({ outputs }));
}

// --- without the engine

/**
 * The steps `pulumi up` would take, in its order: derive, review, audit, create the missing
 * tight rules, read them back (the gate), retire the wide rules measured here (the retirement).
 */
async function runWithoutEngine(
    cloud: LocalCloud,
    session: Session,
    config: StackConfig,
): Promise<void> {
    heading("engine-less: the Pulumi CLI is not installed");
    log("skipped: `pulumi preview` and `pulumi up` of the rehearsal stack through the Automation");
    log("  API, the policy pack (policy/), and the checks as resources of the update.");
    log("install the CLI (https://www.pulumi.com/docs/install/) and run `npm run rehearse` again");
    log("to rehearse through the engine; the steps below are the same functions in its order.");
    if (config.cloud !== cloud.cloudName) {
        throw new Error(
            `the engine-less apply runs only on the local rehearsal cloud "${cloud.cloudName}"; ` +
                `the config names cloud "${config.cloud}": on real clouds, changes go through Pulumi`,
        );
    }

    heading("derivation, review and audit");
    const live = await liveReview(config);
    log(renderReview({ stack: STACK, config, live }));
    const plan = live.plan;

    heading("apply: tight rules, read-back gate, retirement");
    const ruleIds: string[] = [];
    for (const entry of plan.allowSet) {
        const adopted = plan.adoptions.get(entry);
        if (adopted) {
            log(
                `adopt  ${entry.role} ${entry.port}/tcp ${entry.remoteIpPrefix}: rule ${adopted.id}`,
            );
            ruleIds.push(adopted.id);
            continue;
        }
        const created = await createRule(session, entryRuleBody(entry, plan.groupId));
        log(`create ${entry.role} ${entry.port}/tcp ${entry.remoteIpPrefix}: rule ${created.id}`);
        ruleIds.push(created.id);
    }
    const gate = await readBack(session, {
        cloud: config.cloud,
        groupId: plan.groupId,
        entries: plan.allowSet,
        ruleIds,
    });
    log(
        `gate: all ${plan.allowSet.length} allow entries read back (${gate.rules.length} rules listed)`,
    );
    const retired = await retireRules(session, plan.groupId, plan.allowSet, plan.retireTargets);
    for (const rule of retired) {
        log(`retire ${rule.id}: ${rule.outcome}`);
    }
}

// --- the verdict

function beforeAfterTable(before: NeutronRule[], after: NeutronRule[]): string {
    const ids = [...new Set([...before, ...after].map((r) => r.id))];
    const byId = new Map([...before, ...after].map((r) => [r.id, r]));
    const rows = ids
        .map((id) => byId.get(id)!)
        .filter((r) => r.direction === "ingress")
        .map((r) => [
            r.id,
            r.ethertype,
            describePorts(r),
            r.remote_ip_prefix ?? r.remote_group_id ?? "(any)",
            before.some((b) => b.id === r.id) ? "yes" : "-",
            after.some((a) => a.id === r.id) ? "yes" : "-",
            r.description ?? "",
        ]);
    const header = ["RULE", "TYPE", "PORTS", "REMOTE", "BEFORE", "AFTER", "DESCRIPTION"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    return [header, ...rows]
        .map((row) =>
            row
                .map((cell, i) => cell.padEnd(widths[i]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

/** What `--json` prints: tight and verified is success; `problems` name what is not. */
export interface RehearsalVerdict {
    tight: boolean;
    verified: boolean;
    /** Wide or drift rules and missing allow entries left on the group. */
    problems: string[];
    checks: CheckResult[];
    /** What the stand-ins in use cannot show. */
    unproven: string[];
}

function verdict(
    plan: Plan,
    after: NeutronRule[],
    results: CheckResult[],
    standIns: StandIns,
): RehearsalVerdict {
    const config = standIns.config;
    const classified = classifyRules(
        after,
        plan.allowSet,
        retireSelectors(config),
        config.protectedPorts,
    );
    const wide = classified.filter((c) => c.class === "retire" || c.class === "drift");
    const missing = findMissing(after, plan.groupId, plan.allowSet, []);
    const failed = results.filter((r) => !r.passed);
    heading("verdict");
    const problems = wide
        .map((c) => `${c.rule.id} (${c.class}: ${c.reason})`)
        .concat(missing.map((m) => `missing ${m.role} ${m.port} ${m.cidr}`));
    const tight = problems.length === 0;
    log(
        tight
            ? `tight: all ${plan.allowSet.length} allow entries present, no wide rule or drift`
            : `NOT tight: ${problems.join("; ")}`,
    );
    const verified = failed.length === 0 && results.length > 0;
    log(
        verified
            ? `verified: ${results.length} check(s) passed`
            : `NOT verified: ${failed.length} of ${results.length} check(s) failed`,
    );
    for (const line of standIns.unproven) {
        log(`not proven with loopback stand-ins: ${line}`);
    }
    return { tight, verified, problems, checks: results, unproven: standIns.unproven };
}

async function runCleanups(cleanups: Cleanup[]): Promise<void> {
    for (const cleanup of cleanups.reverse()) {
        await cleanup().catch((err: Error) => console.error(`cleanup: ${err.message}`));
    }
    cleanups.length = 0;
}

/**
 * Runs the rehearsal and removes its stand-ins, also on SIGINT/SIGTERM (then exits 130). Throws
 * when the rehearsal could not run; the verdict says whether it ended tight and verified.
 */
export async function rehearse(options: {
    write: (text: string) => void;
    progress: Progress;
}): Promise<RehearsalVerdict> {
    Object.assign(io, options);
    const cleanups: Cleanup[] = [];
    const onSignal = (signal: NodeJS.Signals) => {
        console.error(`${signal}: removing the stand-ins`);
        void runCleanups(cleanups).then(() => process.exit(130));
    };
    process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
    try {
        return await main(cleanups);
    } finally {
        await runCleanups(cleanups);
        process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    }
}
