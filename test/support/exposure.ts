// What discovery finds for the exposure, from the rules a test lays out; a stack whose API port
// holds the managed group and another.
import { parseStackConfig, StackConfig } from "../../components/config/schema";
import type { FoundExposure } from "../../components/discover/exposure";
import type { GroupRule, RemoteAddresses } from "../../components/model/exposure";
import type { NeutronRule } from "../../components/model/rules";
import type { ApiPort, Discovered } from "../../components/plan/plan";
import { neutronRule, portRule } from "./rules";

/** The managed group of the model's tests, and no remote to resolve. */
export const MANAGED = { id: "sg-managed", name: "capi-mgmt-sg" };
export const NO_REMOTES: RemoteAddresses = { groups: new Map(), addressGroups: new Map() };

let next = 0;
/** A rule of `group` (ids r0, r1, … unless given): tcp 6443 from 10.0.0.1/32, no description. */
export function groupRule(fields: Partial<NeutronRule>, group = MANAGED): GroupRule {
    return {
        group,
        rule: neutronRule({
            id: `r${next++}`,
            security_group_id: group.id,
            remote_ip_prefix: "10.0.0.1/32",
            description: null,
            ...fields,
        }),
    };
}

/** What discovery finds when the API's port holds exactly `groups`, with port security on. */
export function foundExposure(
    groups: { id: string; name: string }[],
    rules: NeutronRule[],
): FoundExposure {
    const byId = new Map(groups.map((g) => [g.id, g]));
    return {
        portSecurity: true,
        groups,
        rules: rules.map((rule) => ({ group: byId.get(rule.security_group_id)!, rule })),
        remotes: { groups: new Map(), addressGroups: new Map() },
    };
}

type Accepted = { group?: string; rule?: string; reason: string };

/**
 * A stack with one static conductor (10.12.4.154) and the operator (10.12.4.1), the handshake and
 * the checks off, its group chosen by `securityGroup`; `more` adds or replaces keys.
 */
export function staticConductorConfig(
    securityGroup: object,
    accepted: Accepted[],
    more: Record<string, unknown> = {},
): StackConfig {
    return parseStackConfig({
        securityGroup,
        api: { address: "10.12.7.222" },
        conductors: { static: { addresses: ["10.12.4.154"], reason: "measured on the unit" } },
        verify: { mode: "never", conductors: { enabled: false } },
        operator: { cidrs: ["10.12.4.1/32"], reason: "operator NAT" },
        acceptedExposure: accepted,
        ...more,
    });
}

/** What discovery finds for that stack: `group` with `rules`, the API's port with `exposure`. */
export function staticConductorFound(
    group: { id: string; name: string },
    rules: NeutronRule[],
    exposure: FoundExposure,
    apiPorts: ApiPort[] = [],
): Discovered {
    return {
        group,
        api: { address: "10.12.7.222", port: 6443, provenance: "config" },
        apiPorts,
        conductors: [{ source: "10.12.4.154", provenance: "config" }],
        hairpin: [],
        rules,
        exposure,
        warnings: [],
    };
}

/**
 * That stack beside another group on the API's port, and what discovery finds: the managed
 * group's rules for both sources, plus `managedExtra` in it and `otherRules` in the other group.
 */
export function twoGroupInputs(input: {
    managed: { id: string; name: string };
    other: { id: string; name: string };
    securityGroup: object;
    accepted: Accepted[];
    managedExtra: NeutronRule[];
    otherRules: NeutronRule[];
}): { config: StackConfig; found: Discovered } {
    const { managed: group, other: otherGroup } = input;
    const config = staticConductorConfig(input.securityGroup, input.accepted);
    const managed = [
        portRule("c", group.id, 6443, "10.12.4.154/32"),
        portRule("o1", group.id, 6443, "10.12.4.1/32"),
        portRule("o2", group.id, 22, "10.12.4.1/32"),
        ...input.managedExtra,
    ];
    const exposure = foundExposure([group, otherGroup], [...managed, ...input.otherRules]);
    const port: ApiPort = {
        id: "p",
        via: "fixed-ip",
        portSecurityEnabled: true,
        securityGroupIds: [group.id, otherGroup.id],
    };
    return { config, found: staticConductorFound(group, managed, exposure, [port]) };
}
