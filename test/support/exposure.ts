// In-memory answers for the exposure's lookups, from the rules a test lays out.
import type { ExposureLookups, FoundExposure } from "../../components/discover/exposure";
import type { NeutronRule } from "../../components/model/rules";

export interface FakeExposureCloud {
    groups: { id: string; name: string }[];
    rules: NeutronRule[];
    /** Remote group id → member addresses (fixed IPs and allowed-address-pairs). */
    members?: Record<string, string[]>;
    /** Address group id → addresses; absent = not visible (404). */
    addressGroups?: Record<string, string[]>;
}

export function fakeExposureLookups(cloud: () => FakeExposureCloud): ExposureLookups {
    return {
        rulesOfGroups: async (ids) =>
            cloud().rules.filter((r) => ids.includes(r.security_group_id)),
        groupNames: async (ids) =>
            new Map(
                cloud()
                    .groups.filter((g) => ids.includes(g.id))
                    .map((g) => [g.id, g.name]),
            ),
        remoteGroupAddresses: async (id) => cloud().members?.[id] ?? [],
        addressGroupAddresses: async (id) => cloud().addressGroups?.[id] ?? null,
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
