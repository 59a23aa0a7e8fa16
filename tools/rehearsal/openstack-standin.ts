// The openstack provider's SecGroupRule, stood in for on the local Neutron as
// terraform-provider-openstack applies it (resource_openstack_networking_secgroup_rule_v2.go):
// a create POSTs the rule; an import GETs it, and the engine then fails the import when the
// declared inputs differ from what the read returned ("inputs to import do not match the existing
// resource"), before anything else of the update runs.
import type { RuleCreate } from "../../components/openstack/client";
import type { NeutronRule } from "../../components/model/rules";

export const RULE_TYPE = "openstack:networking/secGroupRule:SecGroupRule";
export const PROVIDER_TYPE = "pulumi:providers:openstack";

/** The inputs the program declares for a rule (components/apply/ingress.ts `ruleArgs`). */
export interface RuleInputs {
    securityGroupId: string;
    direction: "ingress" | "egress";
    ethertype: "IPv4" | "IPv6";
    protocol?: string;
    portRangeMin?: number;
    portRangeMax?: number;
    remoteIpPrefix?: string;
    remoteGroupId?: string;
    description?: string;
}

/** The create request: unset fields stay out, as the provider leaves them to Neutron. */
export function ruleBody(inputs: RuleInputs): RuleCreate {
    return {
        security_group_id: inputs.securityGroupId,
        direction: inputs.direction,
        ethertype: inputs.ethertype,
        protocol: inputs.protocol ?? null,
        port_range_min: inputs.portRangeMin ?? null,
        port_range_max: inputs.portRangeMax ?? null,
        remote_ip_prefix: inputs.remoteIpPrefix ?? null,
        ...(inputs.remoteGroupId ? { remote_group_id: inputs.remoteGroupId } : {}),
        ...(inputs.description ? { description: inputs.description } : {}),
    };
}

/** The resource's state after a read: every field as the provider sets it from Neutron's rule. */
export function ruleState(rule: NeutronRule): Required<RuleInputs> & { id: string } {
    return {
        id: rule.id,
        securityGroupId: rule.security_group_id,
        direction: rule.direction,
        ethertype: rule.ethertype,
        protocol: rule.protocol ?? "",
        portRangeMin: rule.port_range_min ?? 0,
        portRangeMax: rule.port_range_max ?? 0,
        remoteIpPrefix: rule.remote_ip_prefix ?? "",
        remoteGroupId: rule.remote_group_id ?? "",
        description: rule.description ?? "",
    };
}

/**
 * The inputs that differ between the declaration and the live rule read for its import, one
 * line each ("~portRangeMin: declared 22, live 6443"). Fields the provider computes (protocol,
 * ports, remotes) differ only when declared; the description is not computed, so an undeclared
 * one differs from a live non-empty one.
 */
export function importDiff(inputs: RuleInputs, live: NeutronRule): string[] {
    const state = ruleState(live);
    const fields: (keyof RuleInputs)[] = [
        "securityGroupId",
        "direction",
        "ethertype",
        "protocol",
        "portRangeMin",
        "portRangeMax",
        "remoteIpPrefix",
        "remoteGroupId",
        "description",
    ];
    return fields.flatMap((field) => {
        const declared = inputs[field] ?? (field === "description" ? "" : undefined);
        if (declared === undefined || declared === state[field]) {
            return [];
        }
        return [
            `~${field}: declared ${JSON.stringify(declared)}, live ${JSON.stringify(state[field])}`,
        ];
    });
}
