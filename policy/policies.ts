// The pack's policies and the pure predicates behind them. They check every security-group rule
// the stack declares, on its inputs and before the engine creates it, with the same rule model
// the program derives its rules with (components/model/rules.ts, components/model/cidr.ts).
import * as openstack from "@pulumi/openstack";
import {
    Policies,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { z } from "zod";
import { isAnyAddress, isHostRoute, parsePrefix } from "../components/model/cidr";
import { ANY_ADDRESS } from "../components/model/addressset";
import { computeExposure } from "../components/model/exposure";
import { stackConfigSchema } from "../components/config/schema";
import {
    coversPort,
    describePorts,
    isAnySource,
    NeutronRule,
    remotePrefix,
    roleDescription,
} from "../components/model/rules";

/** The dynamic resource that deletes the wide rules measured at preview. */
export const RETIREMENT_TYPE = "pulumi-nodejs:dynamic/retirement:WideRuleRetirement";

// The same keys, validation and defaults as the stack config, so a stack's waivers copy over as is.
const stackKeys = stackConfigSchema.shape;

const anySourceConfigSchema = z.object({ protectedPorts: stackKeys.protectedPorts });

const floorConfigSchema = z.object({
    protectedPorts: stackKeys.protectedPorts,
    minPrefixLength: stackKeys.minPrefixLength,
    minPrefixLengthIpv6: stackKeys.minPrefixLengthIpv6,
    waivers: stackKeys.waivers,
});

export type FloorConfig = z.output<typeof floorConfigSchema>;

/** A SecGroupRule's inputs as the engine hands them over (camelCase, all optional but two). */
const ruleInputsSchema = z.object({
    direction: z.enum(["ingress", "egress"]),
    ethertype: z.enum(["IPv4", "IPv6"]),
    protocol: z.string().nullish(),
    portRangeMin: z.number().int().min(0).max(65535).nullish(),
    portRangeMax: z.number().int().min(0).max(65535).nullish(),
    remoteIpPrefix: z.string().nullish(),
    remoteGroupId: z.string().nullish(),
    description: z.string().nullish(),
});

export type RuleInputs = z.output<typeof ruleInputsSchema>;

const retirementInputsSchema = z.object({
    groupId: z.string(),
    targets: z.array(
        z.object({
            id: z.string().min(1),
            shape: z.object({
                direction: z.string(),
                ethertype: z.string(),
                protocol: z.string().nullish(),
                portRangeMin: z.number().nullish(),
                portRangeMax: z.number().nullish(),
                remoteIpPrefix: z.string().nullish(),
                remoteGroupId: z.string().nullish(),
            }),
        }),
    ),
});

export type RetirementInputs = z.output<typeof retirementInputsSchema>;

/**
 * The rule Neutron will store for these inputs. The provider sends 0, "" and absent alike as "not
 * set": port 0 means all ports, an empty protocol any protocol, an empty prefix any address.
 */
export function toNeutronRule(inputs: RuleInputs): NeutronRule {
    return {
        // Not created yet; the group is not read because it is often unknown at preview.
        id: "",
        security_group_id: "",
        direction: inputs.direction,
        ethertype: inputs.ethertype,
        protocol: inputs.protocol ?? null,
        port_range_min: inputs.portRangeMin || null,
        port_range_max: inputs.portRangeMax || null,
        remote_ip_prefix: inputs.remoteIpPrefix || null,
        remote_group_id: inputs.remoteGroupId || null,
        description: inputs.description ?? null,
    };
}

/** The protected ports an ingress rule lets TCP traffic reach (any protocol and ranges count). */
export function protectedPortsCovered(rule: NeutronRule, protectedPorts: number[]): number[] {
    return protectedPorts.filter((port) => coversPort(rule, port));
}

/** Why the rule admits every address to a protected port, or undefined when it does not. */
export function anySourceViolation(
    rule: NeutronRule,
    protectedPorts: number[],
): string | undefined {
    const covered = protectedPortsCovered(rule, protectedPorts);
    if (covered.length === 0 || !isAnySource(rule)) {
        return undefined;
    }
    return (
        `admits every address (${describeRemote(rule)}) to protected ${formatPorts(covered)} ` +
        `(${describePorts(rule)}); expected a narrower remoteIpPrefix: no waiver can allow this`
    );
}

/**
 * True for the conductor rules the program creates. An adopted rule keeps its own description
 * and is not recognised here; the derivation already makes every conductor entry a host route.
 */
export function isConductorRule(rule: NeutronRule): boolean {
    return rule.description === roleDescription("conductor");
}

/** Why a conductor rule is not a host route, or undefined when it is one (or no conductor rule). */
export function conductorViolation(rule: NeutronRule): string | undefined {
    if (!isConductorRule(rule)) {
        return undefined;
    }
    if (rule.remote_group_id) {
        return `is a conductor rule with remoteGroupId ${rule.remote_group_id}; expected a /32 or /128 remoteIpPrefix (one per measured unit)`;
    }
    const prefix = remotePrefix(rule);
    if (isHostRoute(prefix)) {
        return undefined;
    }
    return `is a conductor rule from ${describeRemote(rule)}; expected a /32 or /128 remoteIpPrefix (one per measured unit)`;
}

/** Why a prefix wider than the floor reaches a protected port without a waiver, or undefined. */
export function floorViolation(rule: NeutronRule, config: FloorConfig): string | undefined {
    const covered = protectedPortsCovered(rule, config.protectedPorts);
    if (covered.length === 0 || rule.remote_group_id) {
        return undefined;
    }
    const prefix = remotePrefix(rule);
    const floor = prefix.ethertype === "IPv4" ? config.minPrefixLength : config.minPrefixLengthIpv6;
    if (prefix.length >= floor) {
        return undefined;
    }
    if (isAnyAddress(prefix)) {
        return `admits ${prefix.cidr}, wider than the /${floor} floor, to protected ${formatPorts(covered)}; an any-address source cannot be waived`;
    }
    // The config schema already refused waivers that are not prefixes.
    if (config.waivers.some((waiver) => parsePrefix(waiver.cidr).cidr === prefix.cidr)) {
        return undefined;
    }
    const key = prefix.ethertype === "IPv4" ? "minPrefixLength" : "minPrefixLengthIpv6";
    return (
        `admits ${prefix.cidr} to protected ${formatPorts(covered)}, wider than the /${floor} floor ` +
        `(${key}); expected a waiver {cidr: ${prefix.cidr}, reason} in this policy's waivers`
    );
}

/** What the retirement will delete, as a reviewer reads it at preview; undefined when nothing. */
export function retirementSummary(inputs: RetirementInputs): string | undefined {
    if (inputs.targets.length === 0) {
        return undefined;
    }
    const lines = inputs.targets.map(({ id, shape }) => {
        const rule: NeutronRule = {
            id,
            security_group_id: inputs.groupId,
            direction: shape.direction === "egress" ? "egress" : "ingress",
            ethertype: shape.ethertype === "IPv6" ? "IPv6" : "IPv4",
            protocol: shape.protocol ?? null,
            port_range_min: shape.portRangeMin ?? null,
            port_range_max: shape.portRangeMax ?? null,
            remote_ip_prefix: shape.remoteIpPrefix ?? null,
            remote_group_id: shape.remoteGroupId ?? null,
        };
        const what = `${shape.direction} ${shape.ethertype} ${describePorts(rule)} from ${describeRemote(rule)}`;
        return isAnySource(rule) && rule.direction === "ingress"
            ? `  - ${id}: ${what}`
            : `  - ${id}: ${what} (NOT an any-address ingress rule: check why it is a target)`;
    });
    const count = inputs.targets.length;
    return `will delete ${count} rule${count === 1 ? "" : "s"} from security group ${inputs.groupId}, by id, after re-reading each one's shape:\n${lines.join("\n")}`;
}

export const noAnySourcePolicy = rulePolicy({
    name: "no-any-source-on-protected-ports",
    displayName: "No any-address ingress to a protected port",
    description:
        "No ingress rule admits 0.0.0.0/0, ::/0, ::ffff:0.0.0.0/96 or an empty remote to a protected " +
        "port, port ranges and any-protocol rules included.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Declare one rule per source that needs the port (conductor /32s, the operator's CIDR, the hairpin subnets).",
    config: anySourceConfigSchema,
    check: (rule, config) => anySourceViolation(rule, config.protectedPorts),
});

export const conductorHostRoutePolicy = rulePolicy({
    name: "conductor-rules-are-host-routes",
    displayName: "Conductor rules are host routes",
    description:
        "Every conductor rule (description 'capi-mgmt-ingress: conductor' or a '-conductor-<port>-<cidr>' name) admits exactly one address: /32 or /128.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Measure each conductor unit's source address and declare its host route.",
    check: (rule) => conductorViolation(rule),
});

export const floorWaiverPolicy = rulePolicy({
    name: "wide-prefixes-carry-a-waiver",
    displayName: "Prefixes wider than the floor carry a waiver",
    description:
        "An ingress rule reaching a protected port from a prefix wider than the floor (/16 IPv4, /48 IPv6 by default) needs a waiver with a reason in this policy's config.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Narrow the prefix, or add {cidr, reason} to this policy's waivers (and to the stack's waivers).",
    config: floorConfigSchema,
    check: floorViolation,
});

export const retirementSummaryPolicy: ResourceValidationPolicy = {
    name: "retirement-deletes-shown",
    displayName: "What the retirement deletes",
    description: "Shows at preview how many wide rules the retirement deletes, and which.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: (args, report) => {
        if (args.type !== RETIREMENT_TYPE) {
            args.notApplicable(`Policy only applies to resources of type '${RETIREMENT_TYPE}'`);
        }
        const parsed = retirementInputsSchema.safeParse({
            groupId: args.props.groupId,
            targets: args.props.targets,
        });
        if (!parsed.success) {
            report(
                `cannot list what ${args.name} deletes: expected inputs {groupId, targets: [{id, shape}]}: ${z.prettifyError(parsed.error)}`,
            );
            return;
        }
        let summary: string | undefined;
        try {
            summary = retirementSummary(parsed.data);
        } catch (err) {
            summary = `cannot list what ${args.name} deletes: ${errorMessage(err)}`;
        }
        if (summary) {
            report(summary);
        }
    },
};

/**
 * Why the declared ingress rules together admit every address of a family to a protected port
 * (0.0.0.0/1 + 128.0.0.0/1, ranges and any-protocol rules included), judged by the exposure model
 * over their union: one message per port and family, naming the rules. A single rule that admits
 * everything is left to no-any-source-on-protected-ports; remote-group rules, whose members are
 * not known at preview, are not counted.
 */
export function unionViolations(
    rules: { name: string; rule: NeutronRule }[],
    protectedPorts: number[],
): string[] {
    const exposure = computeExposure({
        rules: rules
            .filter(({ rule }) => !rule.remote_group_id)
            .map(({ name, rule }) => ({ group: { id: "", name }, rule: { ...rule, id: name } })),
        remotes: { groups: new Map(), addressGroups: new Map() },
        protectedPorts,
        portSecurity: true,
    });
    return exposure.ports.flatMap(({ port, ethertype, parts }) => {
        const any = ANY_ADDRESS[ethertype];
        if (parts.length !== 1 || parts[0].cidr !== any) return [];
        const admitters = parts[0].admittedBy;
        if (admitters.some((a) => a.cidr === any)) return [];
        const named = admitters.map((a) => `${a.ruleId} (${a.cidr}, ${a.why})`);
        return [
            `security group rules ${named.join(", ")} together admit every ${ethertype} address ` +
                `(${any}) to protected port ${port}/tcp; expected their union to leave most of the family out: narrow them`,
        ];
    });
}

export const noUnionCoversAFamilyPolicy: StackValidationPolicy = {
    name: "no-rule-set-admits-a-whole-family",
    displayName: "No set of rules admits every address to a protected port",
    description:
        "The union of the declared ingress rules never admits every IPv4 or IPv6 address to a protected port (0.0.0.0/1 + 128.0.0.0/1 does), whatever each rule alone admits.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Declare one rule per source that needs the port; a wide prefix needs a waiver, and no set of waivers may tile the family.",
    configSchema: jsonSchemaOf(anySourceConfigSchema),
    validateStack: (args, report) => {
        const config = readConfig(args, anySourceConfigSchema, "no-rule-set-admits-a-whole-family");
        const rules = args.resources
            .filter((r) => r.isType(openstack.networking.SecGroupRule))
            .flatMap((r) => {
                // A rule that cannot be read is refused by the per-rule policies.
                const parsed = ruleInputsSchema.safeParse(r.props);
                return parsed.success ? [{ name: r.name, rule: toNeutronRule(parsed.data) }] : [];
            });
        for (const message of unionViolations(rules, config.protectedPorts)) {
            report(message);
        }
    },
};

export const policies: Policies = [
    noAnySourcePolicy,
    conductorHostRoutePolicy,
    floorWaiverPolicy,
    retirementSummaryPolicy,
    noUnionCoversAFamilyPolicy,
];

/**
 * A policy over every SecGroupRule: reads its config, then the rule's inputs (only the fields the
 * model needs: the group id is often unknown at preview), and reports what `check` finds. A rule
 * that cannot be read is refused.
 */
function rulePolicy<S extends z.ZodObject>(
    spec: Omit<ResourceValidationPolicy, "configSchema" | "validateResource"> & {
        config?: S;
        check: (rule: NeutronRule, config: z.output<S>, resourceName: string) => string | undefined;
    },
): ResourceValidationPolicy {
    const { config: configSchema, check, ...policy } = spec;
    return {
        ...policy,
        configSchema: configSchema && jsonSchemaOf(configSchema),
        validateResource: validateResourceOfType(
            openstack.networking.SecGroupRule,
            (props, args, report) => {
                const config = configSchema ? readConfig(args, configSchema, policy.name) : {};
                const parsed = ruleInputsSchema.safeParse({
                    direction: props.direction,
                    ethertype: props.ethertype,
                    protocol: props.protocol,
                    portRangeMin: props.portRangeMin,
                    portRangeMax: props.portRangeMax,
                    remoteIpPrefix: props.remoteIpPrefix,
                    remoteGroupId: props.remoteGroupId,
                    description: props.description,
                });
                if (!parsed.success) {
                    report(
                        `security group rule ${args.name} cannot be checked, so it is refused: ${z.prettifyError(parsed.error)}`,
                    );
                    return;
                }
                let violation: string | undefined;
                try {
                    violation = check(toNeutronRule(parsed.data), config as z.output<S>, args.name);
                } catch (err) {
                    violation = `cannot be checked, so it is refused: remoteIpPrefix: ${errorMessage(err)}`;
                }
                if (violation) {
                    report(`security group rule ${args.name} ${violation}`);
                }
            },
        ),
    };
}

/** The policy's config with defaults; a bad config fails the preview (nothing is declared). */
function readConfig<T extends z.ZodType>(
    args: Pick<ResourceValidationArgs, "getConfig">,
    schema: T,
    policyName: string,
): z.output<T> {
    const parsed = schema.safeParse(args.getConfig<object>());
    if (!parsed.success) {
        throw new Error(
            `policy ${policyName}: its config (--policy-pack-config) is not valid: ${z.prettifyError(parsed.error)}`,
        );
    }
    return parsed.data;
}

/** The engine checks a policy's config against this before the pack sees it. */
function jsonSchemaOf(schema: z.ZodObject): PolicyConfigSchema {
    const json = z.toJSONSchema(schema, { target: "draft-7", io: "input" });
    return { properties: json.properties as PolicyConfigSchema["properties"] };
}

function describeRemote(rule: NeutronRule): string {
    if (rule.remote_group_id) {
        return `remote group ${rule.remote_group_id}`;
    }
    if (!rule.remote_ip_prefix) {
        return `no remoteIpPrefix, which Neutron reads as ${remotePrefix(rule).cidr}`;
    }
    const prefix = remotePrefix(rule);
    return prefix.cidr === rule.remote_ip_prefix
        ? prefix.cidr
        : `remoteIpPrefix ${rule.remote_ip_prefix}, that is ${prefix.cidr}`;
}

function formatPorts(ports: number[]): string {
    return `port${ports.length === 1 ? "" : "s"} ${ports.map((port) => `${port}/tcp`).join(", ")}`;
}

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
