// The pack's policies: each reads its config and the declared resources' inputs, and reports what
// the predicates (predicates.ts) find. They check every security-group rule the stack declares,
// on its inputs and before the engine creates it.
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
import { NeutronRule } from "./shared/model/rules";
import {
    anySourceConfigSchema,
    anySourceViolation,
    conductorViolation,
    floorConfigSchema,
    floorViolation,
    retirementInputsSchema,
    retirementSummary,
    ruleInputsSchema,
    toNeutronRule,
    unionViolations,
} from "./predicates";

/** The dynamic resource that deletes the wide rules measured at preview. */
export const RETIREMENT_TYPE = "pulumi-nodejs:dynamic/retirement:WideRuleRetirement";

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

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
