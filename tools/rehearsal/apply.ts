// The engine-less apply: the program itself (components/program.ts `main`, index.ts's code path)
// under Pulumi's mock runtime, with each registration applied for real, as `pulumi up` applies
// it. The SDK sends a registration only once its inputs and `dependsOn` have resolved (runtime
// resource.ts, prepareResource), so the order is the one the program's data flow gives: rules,
// read-back gate, retirement, checks; nothing here orders them. A failed registration fails
// the update: as the engine does, nothing new starts, what is in flight finishes, and the
// registrations that wait on the failed one are abandoned.
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE } from "../../components/config/fields";
import { createRule, getRule } from "../../components/openstack/networking";
import { Session } from "../../components/openstack/keystone";
import { outputValue, runLocalCommand, unwrapSecrets } from "../mock/runtime";
import { stackConfigText } from "./engine";
import {
    importDiff,
    PROVIDER_TYPE,
    RULE_TYPE,
    ruleBody,
    RuleInputs,
    ruleState,
} from "./openstack-standin";
import { ProviderProcess, providerFileName, writeProvider } from "./provider-host";

/** The inputs of an openstack provider that say which cloud it writes to. */
export interface ProviderIdentity {
    cloud: string;
    authUrl: string;
}

export interface ApplyOptions {
    stack: string;
    /** The stack's config values, keys without the namespace, as the engine hands them over. */
    values: Record<string, unknown>;
    /**
     * A session for what an openstack provider names: a clouds.yaml entry, or (as the program
     * builds it) the resolved identity's auth URL with `cloud` empty.
     */
    session(provider: ProviderIdentity): Promise<Session>;
    /** Runs before each check: the data plane then enforces the group as it is. */
    beforeCheck(): Promise<void>;
    log(line: string): void;
    /**
     * Once aborted (the rehearsal crashed or was interrupted), nothing further is written: no
     * registration starts, none in flight sends its write, and the update stops.
     */
    signal?: AbortSignal;
    /** The program; index.ts's `main` unless a test declares another. */
    program?: () => Promise<Record<string, unknown>>;
}

/** Runs the program's update; returns its outputs, resolved. Throws on any failed step. */
export async function applyProgram(options: ApplyOptions): Promise<Record<string, unknown>> {
    const applier = new Applier(options);
    const unhandled: unknown[] = [];
    // A failed registration also rejects promises nobody awaits; the failures list reports it.
    const collect = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", collect);
    try {
        pulumi.runtime.setMocks(
            {
                newResource: (args) => applier.register(args),
                call: (args) => {
                    throw new Error(`the program made an invoke (${args.token}); it makes none`);
                },
            },
            NAMESPACE,
            options.stack,
            false,
        );
        pulumi.runtime.setAllConfig(stackConfigText(options.values), []);
        const program = options.program ?? (await import("../../components/program")).main;
        // A failed registration leaves its dependents waiting forever: stop at the first one.
        const outputs = await Promise.race([program(), applier.stopped]);
        await Promise.race([waitForRPCs(), applier.stopped]);
        if (outputs === undefined || applier.failures.length > 0) {
            await applier.settle();
            abandonWaitingRegistrations();
            if (options.signal?.aborted) {
                throw options.signal.reason;
            }
            throw new Error(`the update failed: ${applier.failures.join("; ")}`);
        }
        const resolved: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(outputs)) {
            resolved[key] = await outputValue(value);
        }
        return resolved;
    } finally {
        process.off("unhandledRejection", collect);
        await applier.stop();
    }
}

/** The SDK's wait for every outstanding registration (internal; the SDK version is pinned). */
function waitForRPCs(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings") as {
        waitForRPCs(): Promise<void>;
    };
    return settings.waitForRPCs();
}

/**
 * Drops the registrations that wait on a failed one from the SDK's leak check (internal, as
 * above): the engine abandons them too, by ending the program. Left in, the SDK's exit hook
 * (runtime/debuggable.ts) reports them as leaked promises and sets the exit code to 1 in a
 * process that outlives the failed update, such as a test run.
 */
function abandonWaitingRegistrations(): void {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
        leakedPromises(): [Set<Promise<unknown>>, string];
    };
    debuggable.leakedPromises();
}

type Result = pulumi.runtime.MockResourceResult;

class Applier {
    readonly failures: string[] = [];
    /** Resolves at the first failed registration. */
    readonly stopped: Promise<undefined>;
    private stop_: () => void = () => undefined;
    private readonly inflight = new Set<Promise<unknown>>();
    /** Writes sent and not answered yet: rule creations and dynamic providers' creates. */
    private writing = 0;
    /** openstack provider id → the cloud it writes to. */
    private readonly clouds = new Map<string, ProviderIdentity>();
    private readonly hosts = new Map<string, Promise<ProviderProcess>>();

    constructor(private readonly options: ApplyOptions) {
        this.stopped = new Promise((resolve) => (this.stop_ = () => resolve(undefined)));
        options.signal?.addEventListener(
            "abort",
            () => {
                // A request already sent cannot be taken back: it completes, and is logged.
                options.log(`stopped: ${this.writing} write(s) in flight complete, none starts`);
                this.stop_();
            },
            { once: true },
        );
    }

    /** Sends one write, unless stopped; counted while unanswered. */
    private async write<T>(send: () => Promise<T>): Promise<T> {
        this.checkNotStopped();
        this.writing++;
        try {
            return await send();
        } finally {
            this.writing--;
        }
    }

    /** Before each write to Neutron, the data plane or a provider: not once stopped. */
    private checkNotStopped(): void {
        if (this.options.signal?.aborted) {
            throw new Error("not applied: the rehearsal stopped");
        }
    }

    async register(args: pulumi.runtime.MockResourceArgs): Promise<Result> {
        if (this.failures.length > 0) {
            throw new Error("not started: the update stopped at an earlier failure");
        }
        this.checkNotStopped();
        const step = this.apply(args);
        this.inflight.add(step);
        try {
            return await step;
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            this.failures.push(`${args.name} [${args.type}]: ${message}`);
            this.stop_();
            throw err;
        } finally {
            this.inflight.delete(step);
        }
    }

    /** Waits for the steps in flight, as the engine does before it reports a failed update. */
    async settle(): Promise<void> {
        await Promise.allSettled([...this.inflight]);
    }

    async stop(): Promise<void> {
        const hosts = await Promise.allSettled(this.hosts.values());
        await Promise.all(hosts.map((h) => (h.status === "fulfilled" ? h.value.stop() : null)));
    }

    private async apply(args: pulumi.runtime.MockResourceArgs): Promise<Result> {
        if (!args.custom) {
            return { id: undefined, state: {} };
        }
        if (args.type === PROVIDER_TYPE) {
            const id = `${args.name}-provider`;
            this.clouds.set(id, {
                cloud: String(args.inputs.cloud ?? ""),
                authUrl: String(args.inputs.authUrl ?? ""),
            });
            return { id, state: args.inputs };
        }
        if (args.type === RULE_TYPE) {
            return this.applyRule(args);
        }
        if (args.type.startsWith("pulumi-nodejs:dynamic/")) {
            if (args.type.startsWith("pulumi-nodejs:dynamic/checks:")) {
                this.checkNotStopped();
                await this.options.beforeCheck();
            }
            return this.createDynamic(args);
        }
        if (args.type === "command:local:Command") {
            this.checkNotStopped();
            await this.options.beforeCheck();
            this.checkNotStopped();
            const run = runLocalCommand(args.inputs);
            if (run.status !== 0) {
                // Its command line and output may carry a credential: the exit status only.
                throw new Error(`the command exited ${run.status}`);
            }
            this.options.log(`command ${args.name}: exit 0`);
            return {
                id: args.name,
                state: { ...args.inputs, stdout: run.stdout, stderr: run.stderr },
            };
        }
        throw new Error(`the rehearsal has no stand-in for ${args.type}`);
    }

    /** SecGroupRule as terraform-provider-openstack applies it: POST, or GET for an import. */
    private async applyRule(args: pulumi.runtime.MockResourceArgs): Promise<Result> {
        const inputs = args.inputs as RuleInputs;
        // A provider reference is "<urn>::<id>"; none means the default provider (OS_* variables).
        const providerId = args.provider ? args.provider.split("::").pop()! : "";
        const provider = providerId ? this.clouds.get(providerId) : { cloud: "", authUrl: "" };
        if (provider === undefined) {
            throw new Error(`unknown openstack provider ${args.provider}`);
        }
        const session = await this.options.session(provider);
        if (args.id) {
            const live = await getRule(session, args.id);
            if (!live) {
                throw new Error(`preview failed: resource '${args.id}' does not exist`);
            }
            const diff = importDiff(inputs, live);
            if (diff.length > 0) {
                throw new Error(
                    `inputs to import do not match the existing resource ${args.id}: ${diff.join(", ")}`,
                );
            }
            this.options.log(`import ${args.name}: rule ${live.id}, inputs match the live rule`);
            return { id: live.id, state: ruleState(live) };
        }
        const created = await this.write(() => createRule(session, ruleBody(inputs)));
        this.options.log(`create ${args.name}: rule ${created.id}`);
        return { id: created.id, state: ruleState(created) };
    }

    /** A dynamic resource's create as the engine's dynamic provider host runs it: check, create. */
    private async createDynamic(args: pulumi.runtime.MockResourceArgs): Promise<Result> {
        const news = unwrapSecrets(args.inputs) as Record<string, unknown>;
        const text = news.__provider;
        if (typeof text !== "string") {
            throw new Error("a dynamic resource without its serialized provider");
        }
        const host = await this.host(text);
        const checked = await host.call<{ inputs?: Record<string, unknown>; failures?: unknown[] }>(
            "check",
            {},
            news,
        );
        if (!checked.ok) {
            throw new Error(`check: ${checked.error.message}`);
        }
        if (checked.value?.failures?.length) {
            throw new Error(`check: ${JSON.stringify(checked.value.failures)}`);
        }
        const props = { ...(checked.value?.inputs ?? news), __provider: text };
        const created = await this.write(() =>
            host.call<{ id: string; outs?: Record<string, unknown> }>("create", props),
        );
        if (!created.ok) {
            throw new Error(created.error.message);
        }
        const outs = created.value.outs ?? {};
        this.options.log(`${args.type.split(":").pop()} ${args.name}: ${summary(outs)}`);
        return { id: created.value.id, state: { ...outs, __provider: text } };
    }

    private host(text: string): Promise<ProviderProcess> {
        let host = this.hosts.get(text);
        if (!host) {
            const file = writeProvider(providerFileName(text), text);
            host = ProviderProcess.start(file, process.env);
            this.hosts.set(text, host);
        }
        return host;
    }
}

/** What a dynamic resource's outputs say, in a line: check results, rules read back or retired. */
function summary(outs: Record<string, unknown>): string {
    if (Array.isArray(outs.results)) {
        return (outs.results as string[]).join("; ");
    }
    if (Array.isArray(outs.rules)) {
        return `${outs.rules.length} rules read back`;
    }
    if (Array.isArray(outs.retired)) {
        const retired = outs.retired as { id: string; outcome: string }[];
        return `retired [${retired.map((r) => `${r.id}: ${r.outcome}`).join(", ")}]`;
    }
    return "created";
}
