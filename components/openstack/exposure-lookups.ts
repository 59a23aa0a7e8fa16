// The Networking API requests behind the effective exposure: the rules of every group on the API's
// port in one list call, their names in another, and one request per referenced remote group or
// address group. Rules are read leniently here: judging an odd rule is the exposure model's job.
import { parseAnswer, requestText } from "./answers";
import { isOpenStackError } from "./http";
import { networkRequest, Session } from "./keystone";
import { listAll } from "./networking";
import type { NeutronRule } from "../model/rules";

/**
 * Every rule of the groups, in one list call: a repeated `security_group_id` filter is an OR
 * (Neutron's API filters; measured on the local Neutron). Throws when an entry has no id or
 * group, or belongs to a group not asked for (a server that ignored the filter).
 */
export async function listRulesOfGroups(s: Session, groupIds: string[]): Promise<NeutronRule[]> {
    if (groupIds.length === 0) {
        return [];
    }
    const query = groupIds.map((id) => `security_group_id=${encodeURIComponent(id)}`);
    const { z } = require("zod") as typeof import("zod");
    const what = requestText(s, "GET", `/v2.0/security-group-rules?${query.join("&")}`);
    const rules = parseAnswer(
        z.array(z.looseObject({ id: z.string(), security_group_id: z.string() })),
        await listAll(s, "security-group-rules", query),
        { request: what, root: "security_group_rules" },
        "rules, each with an id and a security_group_id",
    );
    for (const rule of rules) {
        if (!groupIds.includes(rule.security_group_id)) {
            throw new Error(
                `${what}: expected only rules of [${groupIds.join(", ")}], got rule ${rule.id} of group ${rule.security_group_id}`,
            );
        }
    }
    return rules as unknown as NeutronRule[];
}

/** Names of the groups, one list call (`id` repeated); a group not visible is left out. */
export async function groupNames(s: Session, groupIds: string[]): Promise<Map<string, string>> {
    if (groupIds.length === 0) {
        return new Map();
    }
    const query = [
        ...groupIds.map((id) => `id=${encodeURIComponent(id)}`),
        "fields=id",
        "fields=name",
    ];
    const groups = (await listAll(s, "security-groups", query)) as {
        id?: unknown;
        name?: unknown;
    }[];
    return new Map(
        groups
            .filter((g) => typeof g.id === "string" && groupIds.includes(g.id))
            .map((g) => [g.id as string, typeof g.name === "string" ? g.name : ""]),
    );
}

/**
 * The addresses a remote group stands for: the fixed IPs and allowed-address-pairs of every port
 * in it (neutron/db/securitygroups_rpc_base.py, `_select_ips_for_remote_group`), in one request:
 * `GET /v2.0/ports?security_groups=<id>` (extension port-security-groups-filtering). The caller
 * checks first that the group is visible at all ({@link groupNames}): a group of another project
 * lists no ports rather than failing.
 */
export async function remoteGroupAddresses(s: Session, groupId: string): Promise<string[]> {
    const ports = (await listAll(s, "ports", [
        `security_groups=${encodeURIComponent(groupId)}`,
        "fields=fixed_ips",
        "fields=allowed_address_pairs",
    ])) as {
        fixed_ips?: { ip_address?: unknown }[];
        allowed_address_pairs?: { ip_address?: unknown }[];
    }[];
    return ports.flatMap((p) =>
        [...(p.fixed_ips ?? []), ...(p.allowed_address_pairs ?? [])]
            .map((ip) => ip.ip_address)
            .filter((ip): ip is string => typeof ip === "string"),
    );
}

/** An address group's addresses (`GET /v2.0/address-groups/<id>`); null when it cannot be read. */
export async function addressGroupAddresses(s: Session, id: string): Promise<string[] | null> {
    const { z } = require("zod") as typeof import("zod");
    const path = `/v2.0/address-groups/${encodeURIComponent(id)}`;
    const data = await readable(() => networkRequest(s, "GET", path, undefined, [200]));
    if (!data) {
        return null;
    }
    return parseAnswer(
        z.object({ address_group: z.looseObject({ addresses: z.array(z.string()) }) }),
        data,
        { request: requestText(s, "GET", path), root: "" },
        "an address_group with a list of addresses",
    ).address_group.addresses;
}

/** The answer, or null for 404/403 (not there, or not ours to read); anything else throws. */
async function readable<T>(request: () => Promise<T>): Promise<T | null> {
    try {
        return await request();
    } catch (err) {
        if (isOpenStackError(err) && (err.status === 404 || err.status === 403)) {
            return null;
        }
        throw err;
    }
}
