// The Networking API's security group rules (list, read, create, delete) and pagination by next
// links. Finding groups, subnets, routers and ports is in resources.ts.
//
// Dynamic providers capture this module by value into serialized closures that run in a plain
// `node` process. So: free functions and plain data only; Node built-ins and npm packages are
// required inside function bodies; no classes (the closure serializer rewrites `extends Error`,
// which loses the message and breaks instanceof), no module-level Maps, Sets or zod schemas.
import type { AllowEntry } from "../model/allowset";
import { roleDescription, type NeutronRule } from "../model/rules";
import { maskSecrets } from "../mask";
import { parseAnswer, requestText, typeOf } from "./answers";
import { isRecord } from "./clouds-files";
import { isOpenStackError } from "./http";
import { networkRequest, Session } from "./keystone";

/** The fields a rule is created with; Neutron fills the rest. */
export interface RuleCreate {
    security_group_id: string;
    direction: "ingress" | "egress";
    ethertype: "IPv4" | "IPv6";
    protocol: string | null;
    port_range_min: number | null;
    port_range_max: number | null;
    remote_ip_prefix: string | null;
    remote_group_id?: string | null;
    description?: string;
    /** Only an admin names it; otherwise the rule belongs to the caller's project. */
    project_id?: string;
}

/** GETs a collection, following the `<collection>_links` next links. */
export async function listAll(
    s: Session,
    resource: string,
    query: string[],
    pageSize?: number,
): Promise<unknown[]> {
    const key = resource.replace(/-/g, "_");
    const params = pageSize ? [...query, `limit=${pageSize}`] : query;
    let search = params.length > 0 ? `?${params.join("&")}` : "";
    const visited: string[] = [];
    const items: unknown[] = [];
    for (;;) {
        const path = `/v2.0/${resource}${search}`;
        const data = (await networkRequest(s, "GET", path, undefined, [200])) as Record<
            string,
            unknown
        > | null;
        const page = data?.[key];
        if (!Array.isArray(page)) {
            // By type only: the answer's values may name what must not be printed.
            const got = isRecord(data) ? `${typeOf(page)} under "${key}"` : typeOf(data);
            throw new Error(
                `${requestText(s, "GET", path)}: expected an object with a "${key}" list, got ${got}`,
            );
        }
        items.push(...page);
        const links = data?.[`${key}_links`];
        const next = Array.isArray(links)
            ? (links as { rel?: string; href?: string }[]).find((l) => l.rel === "next")
            : undefined;
        if (!next?.href || page.length === 0) {
            return items;
        }
        search = nextQuery(next.href, s.networkUrl);
        if (visited.includes(search)) {
            throw new Error(
                maskSecrets(`GET ${path} on ${s.networkUrl}: the next link loops to ${search}`),
            );
        }
        visited.push(search);
    }
}

/**
 * A next link's query to send: only the query, as the host in the link is the one Neutron sees,
 * not ours; without the endpoint's own query, which Neutron echoes and every request adds again
 * (networkRequestUrl).
 */
function nextQuery(href: string, networkUrl: string): string {
    const search = new URL(href, networkUrl).search;
    const own = new URL(networkUrl).search
        .slice(1)
        .split("&")
        .filter((p) => p !== "");
    const params = search
        .slice(1)
        .split("&")
        .filter((p) => p !== "");
    for (const pair of own) {
        const i = params.indexOf(pair);
        if (i >= 0) {
            params.splice(i, 1);
        }
    }
    return own.length === 0 ? search : params.length > 0 ? `?${params.join("&")}` : "";
}

/**
 * The rules of a list or a single answer. A rule with an id whose other fields cannot be read is
 * kept, in its most open form (ingress, any protocol, all ports, any address) with `unreadable`
 * saying which field held what: one odd rule is reported by id and counts as admitting
 * everything, instead of failing the whole listing.
 */
function parseRules(data: unknown, request: string, single: boolean): NeutronRule[] {
    const { z } = require("zod") as typeof import("zod");
    const rule = z.object({
        id: z.string(),
        security_group_id: z.string(),
        direction: z.enum(["ingress", "egress"]),
        ethertype: z.enum(["IPv4", "IPv6"]),
        protocol: z.string().nullable(),
        port_range_min: z.number().int().nullable(),
        port_range_max: z.number().int().nullable(),
        remote_ip_prefix: z.string().nullable(),
        remote_group_id: z.string().nullable(),
        remote_address_group_id: z.string().nullish(),
        normalized_cidr: z.string().nullish(),
        description: z.string().nullish(),
    });
    const identified = z.array(z.looseObject({ id: z.string(), security_group_id: z.string() }));
    const items = parseAnswer(
        identified,
        single ? [data] : data,
        { request, root: single ? "security_group_rule" : "security_group_rules", single },
        single
            ? "a security group rule with an id and a security_group_id"
            : "security group rules, each with an id and a security_group_id",
    );
    return items.map((item) => {
        const result = rule.safeParse(item);
        if (result.success) {
            return result.data;
        }
        const fields = [...new Set(result.error.issues.map((issue) => String(issue.path[0])))];
        const raw = item as Record<string, unknown>;
        return {
            id: item.id,
            security_group_id: item.security_group_id,
            direction: "ingress",
            ethertype: raw.ethertype === "IPv6" ? "IPv6" : "IPv4",
            protocol: null,
            port_range_min: null,
            port_range_max: null,
            remote_ip_prefix: null,
            remote_group_id: null,
            description: typeof raw.description === "string" ? raw.description : null,
            unreadable: fields
                .map((field) => `${field} ${JSON.stringify(raw[field]) ?? "(absent)"}`)
                .join("; "),
        };
    });
}

/** Every rule of the group (all pages), each checked to belong to it. */
export async function listRules(
    s: Session,
    groupId: string,
    opts: { pageSize?: number } = {},
): Promise<NeutronRule[]> {
    const query = [`security_group_id=${encodeURIComponent(groupId)}`];
    const what = requestText(s, "GET", `/v2.0/security-group-rules?${query[0]}`);
    const items = await listAll(s, "security-group-rules", query, opts.pageSize);
    const rules = parseRules(items, what, false);
    const stranger = rules.find((r) => r.security_group_id !== groupId);
    if (stranger) {
        // A server that ignored the filter would make every later decision wrong.
        throw new Error(
            `${what}: expected only rules of group ${groupId}, got rule ${stranger.id} of group ${stranger.security_group_id}`,
        );
    }
    return rules;
}

/** The rule, or null when it does not exist. */
export async function getRule(s: Session, id: string): Promise<NeutronRule | null> {
    const path = `/v2.0/security-group-rules/${encodeURIComponent(id)}`;
    try {
        const data = (await networkRequest(s, "GET", path, undefined, [200])) as {
            security_group_rule?: unknown;
        };
        return parseRules(data?.security_group_rule, requestText(s, "GET", path), true)[0];
    } catch (err) {
        if (isOpenStackError(err, "NotFoundError")) {
            return null;
        }
        throw err;
    }
}

/** Creates a rule; never retried. A 409 is a RuleExistsError or an OverQuotaError. */
export async function createRule(s: Session, body: RuleCreate): Promise<NeutronRule> {
    const path = "/v2.0/security-group-rules";
    const data = (await networkRequest(s, "POST", path, { security_group_rule: body }, [201])) as {
        security_group_rule?: unknown;
    };
    return parseRules(data?.security_group_rule, requestText(s, "POST", path), true)[0];
}

/** Deletes a rule; a rule that is not there (404) is already done. */
export async function deleteRule(s: Session, id: string): Promise<"deleted" | "already-gone"> {
    const path = `/v2.0/security-group-rules/${encodeURIComponent(id)}`;
    try {
        await networkRequest(s, "DELETE", path, undefined, [204]);
        return "deleted";
    } catch (err) {
        if (isOpenStackError(err, "NotFoundError")) {
            return "already-gone";
        }
        throw err;
    }
}

/** The canonical create body for an allow entry, as the openstack provider sends it. */
export function entryRuleBody(entry: AllowEntry, groupId: string): RuleCreate {
    return {
        security_group_id: groupId,
        direction: "ingress",
        ethertype: entry.ethertype,
        protocol: entry.protocol,
        port_range_min: entry.port,
        port_range_max: entry.port,
        remote_ip_prefix: entry.remoteIpPrefix,
        description: roleDescription(entry.role),
    };
}
