// The stack config schema. Every preview validates the whole config first; a bad config fails
// with one message per problem (key path, what is wrong, an example) and nothing is declared.
import { z } from "zod";
import { exampleFor, formatExample, formatPath } from "./examples";
import { parseHostAddress, parsePrefix } from "../model/cidr";
import { DIGEST_PATTERN } from "../plan/approval";

export const NAMESPACE = "capi-mgmt-ingress";
export const DEFAULT_API_PORT = 6443;

const port = z.number().int().min(1).max(65535);

const cidr = z.string().refine(validPrefix, { error: (issue) => prefixMessage(issue.input) });

const hostAddress = z.string().refine(validHost, {
    error: (issue) => `"${String(issue.input)}" is not an IP address`,
});

const reason = z.string().trim().min(8, { error: "a reason of a few words is required" });

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
        static: z.strictObject({ addresses: z.array(hostAddress).min(1), reason }).optional(),
    })
    .refine((c) => (c.juju === undefined) !== (c.static === undefined), {
        error: "give exactly one of juju or static",
    });

const operator = z.strictObject({
    cidrs: z.array(cidr).min(1),
    ports: z.array(port).min(1).default([6443, 22]),
    reason,
});

const hairpin = z.strictObject({
    subnets: z.array(z.string().min(1)).default([]),
    routers: z.array(z.string().min(1)).default([]),
    cidrs: z.array(z.strictObject({ cidr, reason })).default([]),
    // Absent: the API's port, however it is given (plan.ts), so the default is always allowed.
    ports: z.array(port).min(1).optional(),
});

const retireSelector = z.strictObject({ remote: cidr, ports: z.array(port).min(1).optional() });

const waiver = z.strictObject({ cidr, reason });

// Compared byte for byte with the review's digest, so upper case is refused, not folded.
const digest = z.string().regex(DIGEST_PATTERN, {
    error: "expected sha256:<64 lower-case hex digits>, exactly as the review prints it (upper case is refused)",
});

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

const floorMessage = (min: number) => ({
    error: `cannot be below /${min}; admit a wider prefix with a waiver {cidr, reason} for that entry`,
});

const timeoutSeconds = (fallback: number, max = 600) =>
    z.number().positive().max(max).default(fallback);

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
                        stdoutMatches: z
                            .string()
                            .refine(validRegExp, { error: "not a valid regular expression" })
                            .optional(),
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
        waivers: z.array(waiver).default([]),
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
    .superRefine(
        (c, ctx) => {
            const protectedPorts = validPorts(c.protectedPorts) ?? [];
            const outside = (ports: unknown, path: (string | number)[]) => {
                if (protectedPorts.length === 0) {
                    return;
                }
                (validPorts(ports) ?? []).forEach((p, i) => {
                    if (!protectedPorts.includes(p)) {
                        ctx.addIssue({
                            code: "custom",
                            path: [...path, i],
                            message: `port ${p} is not one of protectedPorts (${protectedPorts.join(", ")})`,
                        });
                    }
                });
            };
            const api = objectOrEmpty(c.api);
            // Like `outside`: a refused protectedPorts is reported once, by its own key.
            if (
                protectedPorts.length > 0 &&
                validPorts([api.port]) &&
                !protectedPorts.includes(api.port as number)
            ) {
                ctx.addIssue({
                    code: "custom",
                    path: ["api", "port"],
                    message: `port ${api.port} is not one of protectedPorts (${protectedPorts.join(", ")})`,
                });
            }
            outside(objectOrEmpty(c.operator).ports, ["operator", "ports"]);
            outside(objectOrEmpty(c.hairpin).ports, ["hairpin", "ports"]);
            // With fromKubeconfig the API's port is known at preview time (plan.ts checks it then).
            const apiPort =
                api.fromKubeconfig === undefined
                    ? validPorts([api.port ?? DEFAULT_API_PORT])?.[0]
                    : undefined;
            const hairpinPorts = validPorts(objectOrEmpty(c.hairpin).ports) ?? [];
            const notApi = hairpinPorts.filter((p) => p !== apiPort);
            // An API port outside protectedPorts is reported by api.port alone.
            const apiProtected = protectedPorts.length === 0 || protectedPorts.includes(apiPort!);
            if (apiPort !== undefined && apiProtected && notApi.length > 0) {
                ctx.addIssue({
                    code: "custom",
                    path: ["hairpin", "ports"],
                    message: hairpinPortsMessage(notApi, apiPort),
                });
            }
            if (Array.isArray(c.retire)) {
                c.retire.forEach((s, i) => outside(objectOrEmpty(s).ports, ["retire", i, "ports"]));
            }
            // The managed group's rules are what this program manages: accept one by rule id.
            const managed = objectOrEmpty(c.securityGroup);
            if (Array.isArray(c.acceptedExposure)) {
                c.acceptedExposure.forEach((a, i) => {
                    const entry = objectOrEmpty(a);
                    const group = entry.group;
                    if (
                        entry.rule === undefined &&
                        typeof group === "string" &&
                        (group === managed.name || group === managed.id)
                    ) {
                        ctx.addIssue({
                            code: "custom",
                            path: ["acceptedExposure", i, "group"],
                            message:
                                `names the managed group ${group} as a whole; its rules are what ` +
                                "this program manages, so accept a rule in it by id (rule: <rule id>)",
                        });
                    }
                });
            }
            const verify = objectOrEmpty(c.verify);
            if (
                verify.mode !== "never" &&
                objectOrEmpty(c.conductors).static !== undefined &&
                objectOrEmpty(c.conductors).juju === undefined &&
                objectOrEmpty(verify.conductors).enabled !== false
            ) {
                ctx.addIssue({
                    code: "custom",
                    path: ["verify", "conductors", "enabled"],
                    message:
                        "the conductor handshake runs through Juju; set it false with static conductors",
                });
            }
        },
        { when: (payload) => isObject(payload.value) },
    );

/**
 * Hairpin sources reach the API's port only: SSH (22) admits the operator's source and nothing
 * else (the ruling, D-063: hairpin /24 on 6443, 22 from the operator alone; docs/runbook.md "Why
 * SSH stays operator-only").
 */
export function hairpinPortsMessage(notApi: number[], apiPort: number): string {
    return (
        `${notApi.length > 1 ? "ports" : "port"} ${notApi.join(", ")} ` +
        `${notApi.length > 1 ? "are" : "is"} not the API's port ${apiPort}: ` +
        "hairpin sources reach the API only, and SSH admits the operator alone (the ruling, " +
        'D-063; docs/runbook.md "Why SSH stays operator-only")'
    );
}

export type StackConfig = z.output<typeof stackConfigSchema>;
export type VerifySettings = StackConfig["verify"];

/** A stack config that cannot be used: `problems` lists each (key or file, what, an example). */
export class ConfigError extends Error {
    /** `message` defaults to the list of problems; a stack file that cannot be read gives its own. */
    constructor(
        readonly problems: string[],
        message?: string,
    ) {
        super(
            message ??
                `The stack config is not valid; nothing was declared:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "ConfigError";
    }
}

/** Validates raw config values (keys without the namespace); throws ConfigError listing every problem. */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
    // reportInput: a wrong type is told from a missing key by the input (never printed, only typed).
    const result = stackConfigSchema.safeParse(raw, { reportInput: true });
    if (result.success) {
        return result.data;
    }
    const problems = result.error.issues.map(
        (issue) => defaultedOperatorPorts(issue, raw) ?? describeIssue(issue, raw),
    );
    throw new ConfigError([...new Set(problems)]);
}

/**
 * A port check failing on operator.ports when the stack does not set it: the problem is the
 * default, so the message says so (once) and names the key to set. The default stays [6443, 22]
 * rather than following protectedPorts, so that adding a protected port never admits the
 * operator to it unasked.
 */
function defaultedOperatorPorts(
    issue: z.core.$ZodIssue,
    raw: Record<string, unknown>,
): string | undefined {
    const [top, key] = issue.path;
    // Unset, operator.ports holds the default: only the protectedPorts check can fail on it.
    if (top !== "operator" || key !== "ports") {
        return undefined;
    }
    if (objectOrEmpty(raw.operator).ports !== undefined) {
        return undefined;
    }
    const ports = validPorts(raw.protectedPorts) ?? [6443, 22];
    const example = { path: ["operator", "ports"], value: ports };
    return (
        `${NAMESPACE}:operator.ports: not set, so it defaults to [6443, 22], which is not a ` +
        `subset of protectedPorts (${ports.join(", ")}); set operator.ports to the protected ` +
        `ports the operator may reach (for example ${formatExample(example)})`
    );
}

/** The retire selectors: the configured ones, or any-address on every protected port. */
export function retireSelectors(config: StackConfig): { remote: string; ports: number[] }[] {
    const selectors = config.retire ?? [{ remote: "0.0.0.0/0" }, { remote: "::/0" }];
    return selectors.map((s) => ({
        remote: parsePrefix(s.remote).cidr,
        ports: s.ports ?? config.protectedPorts,
    }));
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
    const path = formatPath(issue.path);
    const key = path === "" ? NAMESPACE : `${NAMESPACE}:${path}`;
    // An unknown key is fixed by removing it: no value to offer.
    const example =
        issue.code === "unrecognized_keys"
            ? undefined
            : exampleFor(issue.path as (string | number)[], raw);
    return `${key}: ${issueMessage(issue)}${example ? ` (for example ${formatExample(example)})` : ""}`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
    if (issue.code === "unrecognized_keys") {
        const keys = issue.keys.join(", ");
        return `unknown key${issue.keys.length > 1 ? "s" : ""} ${keys}; remove ${issue.keys.length > 1 ? "them" : "it"}`;
    }
    if (issue.code === "invalid_type") {
        return issue.input === undefined
            ? `is required (${issue.expected})`
            : `expected ${issue.expected}, got ${typeName(issue.input)}`;
    }
    return issue.message;
}

/** The YAML type of a value, never the value itself (it may be a secret). */
function typeName(value: unknown): string {
    if (value === null) {
        return "null (no value)";
    }
    return Array.isArray(value) ? "array" : typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
    return isObject(value) ? value : {};
}

/** The ports when `value` is a list of valid port numbers, else undefined. */
function validPorts(value: unknown): number[] | undefined {
    return Array.isArray(value) &&
        value.every((p) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535)
        ? (value as number[])
        : undefined;
}

function validPrefix(text: string): boolean {
    try {
        parsePrefix(text);
        return true;
    } catch {
        return false;
    }
}

function prefixMessage(input: unknown): string {
    try {
        parsePrefix(String(input));
        return "invalid prefix";
    } catch (err) {
        return (err as Error).message;
    }
}

function validHost(text: string): boolean {
    try {
        parseHostAddress(text);
        return true;
    } catch {
        return false;
    }
}

function validRegExp(text: string): boolean {
    try {
        new RegExp(text);
        return true;
    } catch {
        return false;
    }
}
