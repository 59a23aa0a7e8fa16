// What the effective exposure is computed from: every rule of every group on the port(s) that
// receive the API address, the groups' names, and the addresses behind each remote group and
// address group those rules reference. Requests: one list for the rules, one for the names, one
// per referenced remote group or address group.
import type { GroupRule, RemoteAddresses } from "../model/exposure";
import type { NeutronRule } from "../model/rules";

/** The Networking API requests this needs (components/openstack/exposure-lookups.ts). */
export interface ExposureLookups {
    /** Every rule of these groups, in one list call. */
    rulesOfGroups(groupIds: string[]): Promise<NeutronRule[]>;
    /** id → name of the groups visible to the caller; the others are left out. */
    groupNames(groupIds: string[]): Promise<Map<string, string>>;
    /** Fixed IPs and allowed-address-pairs of the ports in a (visible) group. */
    remoteGroupAddresses(groupId: string): Promise<string[]>;
    /** An address group's addresses; null when it cannot be read (404, 403). */
    addressGroupAddresses(id: string): Promise<string[] | null>;
}

export interface FoundExposure {
    /** False when any port receiving the API address has port security off: nothing is filtered. */
    portSecurity: boolean;
    /** Every group on those ports, managed or not. */
    groups: { id: string; name: string }[];
    rules: GroupRule[];
    remotes: RemoteAddresses;
}

/** No rule measured on the port's groups: what a stack file alone tells (a review without --live). */
export function nothingMeasured(): FoundExposure {
    return {
        portSecurity: true,
        groups: [],
        rules: [],
        remotes: { groups: new Map(), addressGroups: new Map() },
    };
}

/**
 * Reads what the API's ports admit from. Throws naming the group when a group on the port is not
 * visible to these credentials: its rules count, and cannot be read (fail closed).
 */
export async function discoverExposure(
    lookups: ExposureLookups,
    ports: { portSecurityEnabled: boolean; securityGroupIds: string[] }[],
): Promise<FoundExposure> {
    const portSecurity = ports.length > 0 && ports.every((p) => p.portSecurityEnabled);
    const groupIds = [...new Set(ports.flatMap((p) => p.securityGroupIds))].sort();
    const rules = await lookups.rulesOfGroups(groupIds);
    const remoteGroupIds = [
        ...new Set(rules.flatMap((r) => (r.remote_group_id ? [r.remote_group_id] : []))),
    ].sort();
    const addressGroupIds = [
        ...new Set(
            rules.flatMap((r) => (r.remote_address_group_id ? [r.remote_address_group_id] : [])),
        ),
    ].sort();
    // One names call covers the port's groups and tells which remote groups are visible at all.
    const names = await lookups.groupNames([...new Set([...groupIds, ...remoteGroupIds])]);
    const hidden = groupIds.filter((id) => !names.has(id));
    if (hidden.length > 0) {
        throw new Error(
            `exposure: security group(s) ${hidden.join(", ")} on the API's port are not visible to ` +
                `these credentials (GET /v2.0/security-groups); their rules count and cannot be ` +
                `read, so nothing is declared`,
        );
    }
    const groups = groupIds.map((id) => ({ id, name: names.get(id) || id }));
    const byId = new Map(groups.map((g) => [g.id, g]));
    const [remoteGroups, addressGroups] = await Promise.all([
        Promise.all(
            remoteGroupIds.map(async (id) =>
                names.has(id) ? await lookups.remoteGroupAddresses(id) : null,
            ),
        ),
        Promise.all(addressGroupIds.map((id) => lookups.addressGroupAddresses(id))),
    ]);
    return {
        portSecurity,
        groups,
        rules: rules.map((rule) => ({ group: byId.get(rule.security_group_id)!, rule })),
        remotes: {
            groups: new Map(remoteGroupIds.map((id, i) => [id, remoteGroups[i]])),
            addressGroups: new Map(addressGroupIds.map((id, i) => [id, addressGroups[i]])),
        },
    };
}
