// The pure predicates behind the pack's policies, and the inputs and config they read. They judge
// a security-group rule's inputs with the same rule model the program derives its rules with
// (components/model/rules.ts, components/model/cidr.ts); policies.ts turns them into policies.
import { z } from "zod";
import { isAnyAddress, isHostRoute, parsePrefix } from "./shared/model/cidr";
import { ANY_ADDRESS } from "./shared/model/addressset";
import { computeExposure } from "./shared/model/exposure";
import { stackConfigSchema } from "./shared/config/schema";
import { mayReachPort } from "./shared/model/rule-reach";
import {
    describePorts,
    isAnySource,
    NeutronRule,
    remotePrefix,
    roleDescription,
} from "./shared/model/rules";

// The same keys, validation and defaults as the stack config, so a stack's waivers copy over as is.
const stackKeys = stackConfigSchema.shape;

export const anySourceConfigSchema = z.object({ protectedPorts: stackKeys.protectedPorts });

export const floorConfigSchema = z.object({
    protectedPorts: stackKeys.protectedPorts,
    minPrefixLength: stackKeys.minPrefixLength,
    minPrefixLengthIpv6: stackKeys.minPrefixLengthIpv6,
    waivers: stackKeys.waivers,
});

export type FloorConfig = z.output<typeof floorConfigSchema>;

/** A SecGroupRule's inputs as the engine hands them over (camelCase, all optional but two). */
export const ruleInputsSchema = z.object({
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

export const retirementInputsSchema = z.object({
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

/**
 * The protected ports an ingress rule may let TCP traffic reach (rule-reach.ts `mayReachPort`, the wide
 * reading: any protocol, ranges and forms some driver reads wider count), so a rule is flagged.
 */
export function protectedPortsCovered(rule: NeutronRule, protectedPorts: number[]): number[] {
    return protectedPorts.filter((port) => mayReachPort(rule, port));
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
