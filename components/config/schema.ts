// The stack config schema and its parse entry point. Every preview validates the whole config
// first; a bad config fails with one message per problem (key path, what is wrong, an example) and
// nothing is declared. Shared value types are in fields.ts, checks across keys in crossfield.ts,
// the wording of each problem in issues.ts.
import { z } from "zod";
import { parsePrefix } from "../model/cidr";
import { checkAcrossKeys } from "./crossfield";
import {
    cidr,
    digest,
    floorMessage,
    hostAddress,
    isObject,
    port,
    reason,
    regExp,
    timeoutSeconds,
    uniqueNetworks,
} from "./fields";
import { describeIssue } from "./issues";

const securityGroup = z
    .strictObject({ name: z.string().min(1).optional(), id: z.string().min(1).optional() })
    .refine((g) => (g.name === undefined) !== (g.id === undefined), {
        error: "give exactly one of name or id",
    });

const api = z
    .strictObject({
        address: hostAddress.optional(),
        /** With an address; 6443 when absent. With fromKubeconfig the server URL says it. */
        port: port.optional(),
        fromKubeconfig: z
            .strictObject({ path: z.string().min(1).default("/etc/magnum/kubeconfig") })
            .optional(),
    })
    .refine((a) => (a.address === undefined) !== (a.fromKubeconfig === undefined), {
        error: "give exactly one of address or fromKubeconfig",
    })
    .refine((a) => a.fromKubeconfig === undefined || a.port === undefined, {
        error: "with fromKubeconfig the port comes from the kubeconfig's server URL; remove port",
    });

const conductors = z
    .strictObject({
        juju: z
            .strictObject({
                model: z.string().min(1),
                application: z.string().min(1).default("magnum"),
                timeoutSeconds: z.number().positive().max(600).default(30),
                concurrency: z.number().int().min(1).max(256).default(16),
                bin: z.string().min(1).default("juju"),
            })
            .optional(),
        static: z
            .strictObject({
                addresses: z
                    .array(hostAddress)
                    .min(1)
                    .superRefine(...uniqueNetworks("conductors.static.addresses")),
                reason,
            })
            .optional(),
    })
    .refine((c) => (c.juju === undefined) !== (c.static === undefined), {
        error: "give exactly one of juju or static",
    });

const operator = z.strictObject({
    cidrs: z
        .array(cidr)
        .min(1)
        .superRefine(...uniqueNetworks("operator.cidrs")),
    ports: z.array(port).min(1).default([6443, 22]),
    reason,
});

const hairpin = z.strictObject({
    subnets: z.array(z.string().min(1)).default([]),
    routers: z.array(z.string().min(1)).default([]),
    cidrs: z
        .array(z.strictObject({ cidr, reason }))
        .superRefine(...uniqueNetworks("hairpin.cidrs", "cidr"))
        .default([]),
    // Absent: the API's port, however it is given (plan.ts), so the default is always allowed.
    ports: z.array(port).min(1).optional(),
});

const retireSelector = z.strictObject({ remote: cidr, ports: z.array(port).min(1).optional() });

const waiver = z.strictObject({ cidr, reason });

/** A rule or group whose exposure beyond the allow-set the operator accepts, with a reason. */
const acceptedExposure = z
    .strictObject({
        group: z.string().min(1).optional(),
        rule: z.string().min(1).optional(),
        reason,
    })
    .refine((a) => a.group !== undefined || a.rule !== undefined, {
        error: "name a group (name or id) or a rule (id) to accept",
    });

const verify = z.strictObject({
    mode: z.enum(["onChange", "always", "never"]).default("onChange"),
    conductors: z
        .strictObject({ enabled: z.boolean().default(true), timeoutSeconds: timeoutSeconds(5) })
        .default({ enabled: true, timeoutSeconds: 5 }),
    operator: z
        .strictObject({
            kubeconfig: z.string().min(1),
            context: z.string().min(1).optional(),
            timeoutSeconds: timeoutSeconds(10),
        })
        .optional(),
    tenant: z
        .strictObject({
            kubeconfig: z.string().min(1),
            context: z.string().min(1).optional(),
            namespace: z.string().min(1).default("default"),
            pod: z.string().min(1).optional(),
            image: z.string().min(1).optional(),
            kubectl: z.string().min(1).default("kubectl"),
            timeoutSeconds: timeoutSeconds(5),
        })
        .refine((t) => (t.pod === undefined) !== (t.image === undefined), {
            error: "give exactly one of pod (exec into it) or image (a short-lived pod)",
        })
        .optional(),
    custom: z
        .array(
            z.strictObject({
                name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
                    error: "lower-case letters, digits and dashes",
                }),
                command: z.string().min(1),
                expect: z
                    .strictObject({
                        exitCode: z.number().int().min(0).max(255).optional(),
                        stdoutMatches: regExp.optional(),
                    })
                    .default({ exitCode: 0 }),
                // A real Magnum operation (a resize) takes many minutes.
                timeoutSeconds: timeoutSeconds(600, 7200),
                // Values may be Pulumi secrets (components/verify/check-env.ts).
                env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
            }),
        )
        .default([]),
});

export const stackConfigSchema = z
    .strictObject({
        cloud: z.string().default(""),
        securityGroup,
        api,
        conductors,
        operator,
        hairpin: hairpin.default({ subnets: [], routers: [], cidrs: [] }),
        protectedPorts: z.array(port).min(1).default([6443, 22]),
        retire: z.array(retireSelector).optional(),
        // Below /8 and /32 only per-entry waivers with reasons admit (FLOOR_MINIMUM).
        minPrefixLength: z.number().int().min(8, floorMessage(8)).max(32).default(16),
        minPrefixLengthIpv6: z.number().int().min(32, floorMessage(32)).max(128).default(48),
        waivers: z
            .array(waiver)
            .superRefine(...uniqueNetworks("waivers", "cidr"))
            .default([]),
        acceptedExposure: z.array(acceptedExposure).default([]),
        allowDestroy: z.boolean().default(false),
        // The retirement digest a reviewer approved (components/plan/approval.ts).
        approvedRetirement: z
            .union([digest, z.strictObject({ digest, targets: z.array(z.string().min(1)) })])
            .transform((a) => (typeof a === "string" ? { digest: a } : a))
            .optional(),
        verify: verify.default({
            mode: "onChange",
            conductors: { enabled: true, timeoutSeconds: 5 },
            custom: [],
        }),
    })
    // Runs even when other keys are invalid (zod skips it otherwise), so every problem is reported
    // in one round; the value may then be partly unparsed, hence the checks on each field's shape.
    .superRefine(checkAcrossKeys, { when: (payload) => isObject(payload.value) });

export type StackConfig = z.output<typeof stackConfigSchema>;
export type VerifySettings = StackConfig["verify"];

/** A stack config that cannot be used: `problems` lists each (key or file, what, an example). */
export class ConfigError extends Error {
    /**
     * `message` defaults to the list of problems after what the program did: nothing was
     * declared. A stack file that cannot be read gives its own.
     */
    constructor(
        readonly problems: string[],
        message?: string,
    ) {
        super(message ?? refusal(problems, "nothing was declared"));
        this.name = "ConfigError";
        this.ownMessage = message !== undefined;
    }

    private readonly ownMessage: boolean;

    /**
     * The same refusal as a tool that declares nothing reports it: `outcome`, what is true for
     * that tool ("no check was run"), in place of "nothing was declared"; none for a tool that
     * only reads, which has nothing to tell. A message of the error's own says no outcome and is
     * kept.
     */
    toldBy(outcome?: string): ConfigError {
        return this.ownMessage
            ? this
            : new ConfigError(this.problems, refusal(this.problems, outcome));
    }
}

function refusal(problems: string[], outcome?: string): string {
    const told = outcome === undefined ? "" : `; ${outcome}`;
    return `The stack config is not valid${told}:\n${problems.map((p) => `  - ${p}`).join("\n")}`;
}

/** Validates raw config values (keys without the namespace); throws ConfigError listing every problem. */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
    const result = validate(raw);
    if (result.success) {
        return result.data;
    }
    throw new ConfigError(describeIssues(result.error.issues, raw, []));
}

/**
 * What the schema refuses in `raw`, one line per problem (none when it validates), leaving out
 * issues at or under the key paths in `refused` (`["cloud"]`, `["verify", "custom", 0]`): values
 * another check has already refused, such as a secret where none is taken, whose shape the
 * schema would only refuse a second time. For the stack file's own checks, to report every
 * problem in one run.
 */
export function stackConfigProblems(
    raw: Record<string, unknown>,
    refused: (string | number)[][],
): string[] {
    const result = validate(raw);
    return result.success ? [] : describeIssues(result.error.issues, raw, refused);
}

function validate(raw: Record<string, unknown>) {
    // reportInput: a wrong type is told from a missing key by the input (never printed, only typed).
    return stackConfigSchema.safeParse(raw, { reportInput: true });
}

function describeIssues(
    issues: z.core.$ZodIssue[],
    raw: Record<string, unknown>,
    refused: (string | number)[][],
): string[] {
    const under = (issue: z.core.$ZodIssue, path: (string | number)[]) =>
        path.every((part, i) => issue.path[i] === part);
    const problems = issues
        .filter((issue) => !refused.some((path) => under(issue, path)))
        .map((issue) => describeIssue(issue, raw));
    return [...new Set(problems)];
}

/** The retire selectors: the configured ones, or any-address on every protected port. */
export function retireSelectors(config: StackConfig): { remote: string; ports: number[] }[] {
    const selectors = config.retire ?? [{ remote: "0.0.0.0/0" }, { remote: "::/0" }];
    return selectors.map((s) => ({
        remote: parsePrefix(s.remote).cidr,
        ports: s.ports ?? config.protectedPorts,
    }));
}
