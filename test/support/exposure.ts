// What discovery finds for the exposure, from the rules a test lays out.
import type { FoundExposure } from "../../components/discover/exposure";
import type { NeutronRule } from "../../components/model/rules";

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
