// The checks as resources of every `pulumi up`: three dynamic resources (module "checks") and one
// @pulumi/command local.Command per custom check. They run on create and update; diff decides
// when: whenever the allow-set, the retire set or the check's own settings change, and on every
// update with verify mode "always". A failing check fails the update with a table; the outputs
// carry one short line per result. Nothing secret is an input: kubeconfigs by path only.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { allowEntrySchema, AllowEntry } from "../model/allowset";
// The checks from ./checks: their results come masked.
import {
    assertPassed,
    checkConductors,
    checkOperatorReadyz,
    checkTenantIsolation,
    compactResults,
    verifyPlan,
} from "./checks";
import type { ConductorCheck } from "./conductor";
import { CUSTOM_CHECK_RUNNER, customCheckSpec, CustomCheck } from "./custom";
import type { OperatorCheck } from "./operator";
import { parseCustomVerdict } from "./probe-output";
import { ApiEndpoint, CheckResult, readProbe } from "./result";
import type { TenantCheck } from "./tenant";
import type { VerifySettings } from "../config/schema";
import type { Flavor, JujuTarget } from "../juju/units";

/** What every check depends on besides its own settings. */
export interface CheckContext {
    mode: "onChange" | "always";
    api: ApiEndpoint;
    allowSet: AllowEntry[];
    /** Ids of the wide rules retired before the checks run. */
    retired: string[];
}

export interface CheckInputs<S> extends CheckContext {
    settings: S;
}

export interface CheckOutputs<S> extends CheckInputs<S> {
    /** One line per result, e.g. "pass conductor magnum/0 from 10.12.4.154: connected (12 ms)". */
    results: string[];
}

type CheckArgs<S> = {
    [K in keyof CheckInputs<S>]: pulumi.Input<CheckInputs<S>[K]>;
};

/** Picks and checks a check's inputs from what the engine hands over. */
export function checkInputs<S>(props: Record<string, unknown>): CheckInputs<S> {
    const { z } = require("zod") as typeof import("zod");
    const schema = z.object({
        mode: z.enum(["onChange", "always"]),
        api: z.object({ address: z.string().min(1), port: z.number().int() }),
        allowSet: z.array(allowEntrySchema(z)),
        retired: z.array(z.string()),
        settings: z.record(z.string(), z.unknown()),
    });
    const result = schema.safeParse(props);
    if (!result.success) {
        throw new Error(
            `check inputs are not what the program declares: ${z.prettifyError(result.error)}`,
        );
    }
    return result.data as CheckInputs<S>;
}

/** What a check's verdict depends on; unknown values at preview make it differ. */
export function checkSignature(props: Partial<CheckInputs<unknown>>): string {
    const allowSet = Array.isArray(props.allowSet)
        ? props.allowSet.map((e) => `${e.ethertype}|${e.port}|${e.remoteIpPrefix}`).sort()
        : props.allowSet;
    const retired = Array.isArray(props.retired) ? [...props.retired].sort() : props.retired;
    return JSON.stringify([props.api, allowSet, retired, props.settings]);
}

/** A provider whose create and update run the check and fail on any failed result. */
export function checkProvider<S>(
    title: string,
    runCheck: (inputs: CheckInputs<S>) => Promise<CheckResult[]>,
): pulumi.dynamic.ResourceProvider {
    const execute = async (props: Record<string, unknown>): Promise<CheckOutputs<S>> => {
        const inputs = checkInputs<S>(props);
        const results = await runCheck(inputs);
        assertPassed(title, results);
        return { ...inputs, results: compactResults(results) };
    };
    return {
        async create(props: Record<string, unknown>) {
            return { id: title.replace(/\W+/g, "-"), outs: await execute(props) };
        },
        async diff(_id: string, olds: CheckOutputs<S>, news: CheckInputs<S>) {
            return {
                changes: news.mode === "always" || checkSignature(olds) !== checkSignature(news),
            };
        },
        async update(_id: string, _olds: CheckOutputs<S>, news: Record<string, unknown>) {
            return { outs: await execute(news) };
        },
    };
}

/** The conductor check's settings: the Juju flavor is detected by the program, once. */
export type ConductorSettings = ConductorCheck & { flavor: Flavor };

export const conductorHandshakeProvider = checkProvider<ConductorSettings>(
    "conductor handshake",
    (i) => checkConductors(i.settings, i.api, i.allowSet),
);

export const operatorReadyzProvider = checkProvider<OperatorCheck>("operator readyz", async (i) => [
    await checkOperatorReadyz(i.settings),
]);

export const tenantIsolationProvider = checkProvider<TenantCheck>("tenant isolation", async (i) => [
    await checkTenantIsolation(i.settings, i.api),
]);

/** A check as a dynamic resource of module "checks": its `results`, one line per check. */
abstract class CheckResource<S> extends pulumi.dynamic.Resource {
    declare readonly results: pulumi.Output<string[]>;

    protected constructor(
        provider: pulumi.dynamic.ResourceProvider,
        type: string,
        name: string,
        args: CheckArgs<S>,
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(provider, name, { ...args, results: undefined }, opts, "checks", type);
    }
}

export class ConductorHandshake extends CheckResource<ConductorSettings> {
    constructor(
        name: string,
        args: CheckArgs<ConductorSettings>,
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(conductorHandshakeProvider, "ConductorHandshake", name, args, opts);
    }
}

export class OperatorReadyz extends CheckResource<OperatorCheck> {
    constructor(name: string, args: CheckArgs<OperatorCheck>, opts?: pulumi.CustomResourceOptions) {
        super(operatorReadyzProvider, "OperatorReadyz", name, args, opts);
    }
}

export class TenantIsolation extends CheckResource<TenantCheck> {
    constructor(name: string, args: CheckArgs<TenantCheck>, opts?: pulumi.CustomResourceOptions) {
        super(tenantIsolationProvider, "TenantIsolation", name, args, opts);
    }
}

export interface DeclareChecksArgs {
    verify: VerifySettings;
    api: ApiEndpoint;
    allowSet: AllowEntry[];
    retired: pulumi.Input<string[]>;
    /** The Juju conductor source: its target, units and flavor as the program found them. */
    conductors?: { juju: JujuTarget; units: string[]; flavor: Flavor };
}

/**
 * Declares the configured checks (none with mode "never"). Give them `dependsOn` the retirement:
 * they prove the state after it. Returns the resources and every result line.
 */
export function declareChecks(
    name: string,
    args: DeclareChecksArgs,
    opts?: pulumi.CustomResourceOptions,
): { resources: pulumi.Resource[]; results: pulumi.Output<string[]> } {
    const mode = args.verify.mode;
    if (mode === "never") {
        return { resources: [], results: pulumi.output([]) };
    }
    const plan = verifyPlan(args.verify, args);
    const context = { mode, api: args.api, allowSet: args.allowSet, retired: args.retired };
    const checks: { resource: pulumi.Resource; results: pulumi.Output<string[]> }[] = [];
    if (plan.conductors && args.conductors) {
        const r = new ConductorHandshake(
            `${name}-conductor-handshake`,
            { ...context, settings: { ...plan.conductors, flavor: args.conductors.flavor } },
            opts,
        );
        checks.push({ resource: r, results: r.results });
    }
    if (plan.operator) {
        const r = new OperatorReadyz(
            `${name}-operator-readyz`,
            { ...context, settings: plan.operator },
            opts,
        );
        checks.push({ resource: r, results: r.results });
    }
    if (plan.tenant) {
        const r = new TenantIsolation(
            `${name}-tenant-isolation`,
            { ...context, settings: plan.tenant },
            opts,
        );
        checks.push({ resource: r, results: r.results });
    }
    for (const custom of plan.custom) {
        checks.push(customCommand(`${name}-custom-${custom.name}`, custom, context, opts));
    }
    return {
        resources: checks.map((c) => c.resource),
        results: pulumi.all(checks.map((c) => c.results)).apply((lists) => lists.flat()),
    };
}

/**
 * A custom check as a local.Command running the same runner as `npm run verify`, sent on its
 * standard input. Its stdout is only the verdict line and its stderr only the failed
 * expectation, and neither is logged: the check's own output never reaches state or the update
 * log. The spec and the check's env (which may hold Pulumi secrets) stay encrypted in state. A
 * failed expectation fails the command and so the update (it runs again on the next one).
 */
function customCommand(
    name: string,
    check: CustomCheck,
    context: Omit<CheckArgs<unknown>, "settings">,
    opts?: pulumi.CustomResourceOptions,
): { resource: pulumi.Resource; results: pulumi.Output<string[]> } {
    const trigger = pulumi
        .all([context.api, context.allowSet, context.retired])
        .apply(([api, allowSet, retired]) =>
            checkSignature({ api, allowSet, retired, settings: null }),
        );
    const resource = new command.local.Command(
        name,
        {
            create: "node -",
            stdin: readProbe(CUSTOM_CHECK_RUNNER),
            environment: pulumi.secret({
                ...check.env,
                CAPI_CHECK_SPEC: customCheckSpec(check),
            }),
            logging: command.types.enums.local.Logging.None,
            // "always" replaces it on every update: a trigger that is new each run.
            triggers: [trigger, context.mode === "always" ? new Date().toISOString() : "onChange"],
            addPreviousOutputInEnv: false,
        },
        { ...opts, additionalSecretOutputs: ["stdout", "stderr"] },
    );
    const results = resource.stdout.apply((stdout) => {
        const verdict = parseCustomVerdict(stdout);
        return [
            // The name, not the command: a command line may carry a credential.
            `${verdict.passed ? "pass" : "FAIL"} custom:${verdict.name}: ` +
                `${verdict.passed ? "pass" : verdict.detail} (${verdict.ms} ms)`,
        ];
    });
    return { resource, results };
}
