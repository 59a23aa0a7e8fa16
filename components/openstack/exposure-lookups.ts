// The Networking API requests behind the effective exposure: the rules of every group on the API's
// port in one list call, their names in another, and one request per referenced remote group or
// address group. Rules are read leniently here: judging an odd rule is the exposure model's job.
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
    const what = `GET /v2.0/security-group-rules?${query.join("&")} on ${s.networkUrl}`;
    const rules = (await listAll(s, "security-group-rules", query)) as Record<string, unknown>[];
    for (const rule of rules) {
        if (typeof rule?.id !== "string" || typeof rule.security_group_id !== "string") {
            throw new Error(
                `${what}: expected rules with an id and a group, got ${JSON.stringify(rule).slice(0, 200)}`,
            );
        }
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
    const data = (await readable(() =>
        networkRequest(
            s,
            "GET",
            `/v2.0/address-groups/${encodeURIComponent(id)}`,
            undefined,
            [200],
        ),
    )) as { address_group?: { addresses?: unknown } } | null;
    if (!data) {
        return null;
    }
    const addresses = data.address_group?.addresses;
    if (!Array.isArray(addresses) || !addresses.every((a) => typeof a === "string")) {
        throw new Error(
            `GET /v2.0/address-groups/${id} on ${s.networkUrl}: expected an address_group with addresses, got ${JSON.stringify(data).slice(0, 200)}`,
        );
    }
    return addresses as string[];
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
