// Finding the Networking API's security groups, subnets and routers by name or id, and the ports
// that receive traffic sent to an address (behind a floating IP or as a fixed IP). The rules
// themselves are in networking.ts.
//
// Same constraints as networking.ts: plain functions and data, packages required inside bodies,
// so that a serialized closure can carry this module.
import { AnswerPlace, parseAnswer, requestText } from "./answers";
import { isOpenStackError } from "./http";
import { networkRequest, Session } from "./keystone";
import { listAll } from "./networking";

export interface SecurityGroup {
    id: string;
    name: string;
    project_id: string;
    description: string;
}

export interface Subnet {
    id: string;
    name: string;
    cidr: string;
    ip_version: number;
    network_id: string;
    project_id: string;
}

export interface Router {
    id: string;
    name: string;
    /** The external gateway's fixed IPs: where the router SNATs its subnets' traffic from. */
    gatewayIps: string[];
}

export interface GuardingPort {
    portId: string;
    name: string;
    deviceOwner: string;
    deviceId: string;
    securityGroups: string[];
    portSecurityEnabled: boolean;
    /** How the address reaches the port: as its floating IP or as one of its fixed IPs. */
    via: "floating-ip" | "fixed-ip";
    floatingIpId?: string;
    fixedIps: string[];
}

/** Looks a resource up by id, else by name; several may share a name. With the request answered. */
async function findByIdOrName(
    s: Session,
    resource: string,
    nameOrId: string,
    fields: string[],
    extraQuery: string[] = [],
): Promise<{ found: unknown[]; place: AnswerPlace }> {
    const key = resource.replace(/-/g, "_").replace(/s$/, "");
    const fieldQuery = fields.map((f) => `fields=${f}`);
    if (/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(nameOrId)) {
        const path = `/v2.0/${resource}/${encodeURIComponent(nameOrId)}?${fieldQuery.join("&")}`;
        try {
            const data = (await networkRequest(s, "GET", path, undefined, [200])) as Record<
                string,
                Record<string, unknown>
            >;
            return {
                found: [data?.[key]],
                place: { request: requestText(s, "GET", path), root: key, single: true },
            };
        } catch (err) {
            if (!isOpenStackError(err, "NotFoundError")) {
                throw err;
            }
        }
    }
    const query = [`name=${encodeURIComponent(nameOrId)}`, ...extraQuery, ...fieldQuery];
    return {
        found: await listAll(s, resource, query),
        place: {
            request: requestText(s, "GET", `/v2.0/${resource}?${query.join("&")}`),
            root: `${key}s`,
        },
    };
}

export async function findSecurityGroups(
    s: Session,
    nameOrId: string,
    projectId?: string,
): Promise<SecurityGroup[]> {
    const { z } = require("zod") as typeof import("zod");
    const { found, place } = await findByIdOrName(
        s,
        "security-groups",
        nameOrId,
        ["id", "name", "project_id", "description"],
        projectId ? [`project_id=${encodeURIComponent(projectId)}`] : [],
    );
    const groups = parseAnswer(
        z.array(
            z.object({
                id: z.string(),
                name: z.string(),
                project_id: z.string(),
                description: z
                    .string()
                    .nullish()
                    .transform((d) => d ?? ""),
            }),
        ),
        found,
        place,
        "security groups with an id, a name and a project_id",
    );
    return projectId ? groups.filter((g) => g.project_id === projectId) : groups;
}

export async function findSubnets(s: Session, nameOrId: string): Promise<Subnet[]> {
    const { z } = require("zod") as typeof import("zod");
    const { found, place } = await findByIdOrName(s, "subnets", nameOrId, [
        "id",
        "name",
        "cidr",
        "ip_version",
        "network_id",
        "project_id",
    ]);
    return parseAnswer(
        z.array(
            z.object({
                id: z.string(),
                name: z.string(),
                cidr: z.string(),
                ip_version: z.number(),
                network_id: z.string(),
                project_id: z.string(),
            }),
        ),
        found,
        place,
        "subnets with an id, a name, a cidr, an ip_version, a network_id and a project_id",
    );
}

function parseRouters(data: unknown, place: AnswerPlace): Router[] {
    const { z } = require("zod") as typeof import("zod");
    const routers = z.array(
        z.object({
            id: z.string(),
            name: z.string(),
            external_gateway_info: z
                .object({
                    external_fixed_ips: z.array(z.object({ ip_address: z.string() })).nullish(),
                })
                .nullish(),
        }),
    );
    return parseAnswer(
        routers,
        data,
        place,
        "routers with an id, a name and gateway addresses",
    ).map((r) => ({
        id: r.id,
        name: r.name,
        gatewayIps: (r.external_gateway_info?.external_fixed_ips ?? []).map((ip) => ip.ip_address),
    }));
}

export async function findRouters(s: Session, nameOrId: string): Promise<Router[]> {
    const { found, place } = await findByIdOrName(s, "routers", nameOrId, [
        "id",
        "name",
        "external_gateway_info",
    ]);
    return parseRouters(found, place);
}

/**
 * The ports that receive traffic sent to `address`: the port behind a floating IP with that
 * address, and any port holding it as a fixed IP. Their security groups decide who reaches it.
 */
export async function portsGuardingAddress(s: Session, address: string): Promise<GuardingPort[]> {
    const { z } = require("zod") as typeof import("zod");
    const portSchema = z.object({
        id: z.string(),
        name: z.string(),
        device_owner: z.string(),
        device_id: z.string(),
        security_groups: z.array(z.string()),
        port_security_enabled: z.boolean().optional(),
        fixed_ips: z.array(z.object({ ip_address: z.string() })),
    });
    const toGuarding = (
        port: import("zod").infer<typeof portSchema>,
        via: GuardingPort["via"],
        floatingIpId?: string,
    ): GuardingPort => ({
        portId: port.id,
        name: port.name,
        deviceOwner: port.device_owner,
        deviceId: port.device_id,
        securityGroups: [...port.security_groups].sort(),
        portSecurityEnabled: port.port_security_enabled ?? true,
        via,
        ...(floatingIpId ? { floatingIpId } : {}),
        fixedIps: port.fixed_ips.map((ip) => ip.ip_address),
    });
    const fipQuery = [
        `floating_ip_address=${encodeURIComponent(address)}`,
        "fields=id",
        "fields=port_id",
    ];
    const floatingIps = parseAnswer(
        z.array(z.object({ id: z.string(), port_id: z.string().nullable() })),
        await listAll(s, "floatingips", fipQuery),
        {
            request: requestText(s, "GET", `/v2.0/floatingips?${fipQuery.join("&")}`),
            root: "floatingips",
        },
        "floating IPs with an id and a port_id",
    );
    const portExpected =
        "ports with an id, a name, a device_owner, a device_id, security_groups and fixed_ips";
    const guarding: GuardingPort[] = [];
    for (const fip of floatingIps) {
        if (fip.port_id) {
            const path = `/v2.0/ports/${encodeURIComponent(fip.port_id)}`;
            const data = (await networkRequest(s, "GET", path, undefined, [200])) as {
                port?: unknown;
            } | null;
            const port = parseAnswer(
                z.array(portSchema),
                [data?.port],
                { request: requestText(s, "GET", path), root: "port", single: true },
                portExpected,
            )[0];
            guarding.push(toGuarding(port, "floating-ip", fip.id));
        }
    }
    const portQuery = [`fixed_ips=${encodeURIComponent(`ip_address=${address}`)}`];
    const fixed = parseAnswer(
        z.array(portSchema),
        await listAll(s, "ports", portQuery),
        { request: requestText(s, "GET", `/v2.0/ports?${portQuery.join("&")}`), root: "ports" },
        portExpected,
    );
    for (const port of fixed) {
        guarding.push(toGuarding(port, "fixed-ip"));
    }
    return guarding;
}
