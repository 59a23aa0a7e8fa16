// Neutron rules and allow-set entries written out field by field (never derived by the code under
// test), as the unit tests build them.
import type { AllowEntry } from "../../components/model/allowset";
import type { NeutronRule } from "../../components/model/rules";

/**
 * A rule as Neutron's API lists it (security_group_rules): ingress IPv4 tcp 6443 from 0.0.0.0/0
 * in group "group-1", with id "r1", unless `fields` say otherwise. No description unless given.
 */
export function neutronRule(fields: Partial<NeutronRule> = {}): NeutronRule {
    return {
        id: "r1",
        security_group_id: "group-1",
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        port_range_min: 6443,
        port_range_max: 6443,
        remote_ip_prefix: "0.0.0.0/0",
        remote_group_id: null,
        ...fields,
    };
}

/** A tcp rule in `groupId` admitting `remoteIpPrefix` to the single port `port`. */
export function portRule(
    id: string,
    groupId: string,
    port: number,
    remoteIpPrefix: string | null,
    extra: Partial<NeutronRule> = {},
): NeutronRule {
    return neutronRule({
        id,
        security_group_id: groupId,
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: remoteIpPrefix,
        ...extra,
    });
}

/** Rules in `groupId` numbered r1, r2, … in the order they are made. */
export function numberedRules(groupId: string, defaults: Partial<NeutronRule> = {}) {
    let next = 0;
    return (fields: Partial<NeutronRule> = {}): NeutronRule =>
        neutronRule({ id: `r${++next}`, security_group_id: groupId, ...defaults, ...fields });
}

/** An allow-set entry for tcp `port` from `remoteIpPrefix` (its family read from the prefix). */
export const allowEntry = (
    role: AllowEntry["role"],
    port: number,
    remoteIpPrefix: string,
): AllowEntry => ({
    role,
    ethertype: remoteIpPrefix.includes(":") ? "IPv6" : "IPv4",
    protocol: "tcp",
    port,
    remoteIpPrefix,
    provenance: ["test"],
});
