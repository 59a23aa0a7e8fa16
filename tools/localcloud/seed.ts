// The "before" state of the local cloud: a management cluster whose security group admits the
// Kubernetes API and SSH from anywhere. Idempotent by name; only documentation (192.0.2.0/24)
// and private (10.20.0.0/24) ranges; it talks to 127.0.0.1 only.
// `ts-node --transpile-only tools/seed.ts` starts the cloud if needed and prints the result.
import { z } from "zod";
import { ensureCloud, type LocalCloud } from "./cloud";
import { authenticate, networkCall, type Session } from "./client";

export const SEED = {
    securityGroup: "capi-mgmt-sg",
    network: "capi-mgmt-net",
    subnet: "capi-mgmt-subnet",
    subnetCidr: "10.20.0.0/24",
    router: "capi-mgmt-router",
    port: "capi-mgmt-api",
    portIp: "10.20.0.10",
    publicNetwork: "public",
    publicSubnet: "public-subnet",
    publicCidr: "192.0.2.0/24",
    /** Fixed, so the rehearsal stack can name the API address as an operator's stack would. */
    floatingIp: "192.0.2.222",
    wideCidr: "0.0.0.0/0",
    apiPort: 6443,
    sshPort: 22,
} as const;

export interface SeedResult {
    projectId: string;
    securityGroupId: string;
    /** The wide ingress rules the program is to retire, by port. */
    wideRuleIds: { api: string; ssh: string };
    networkId: string;
    subnetId: string;
    subnetCidr: string;
    publicNetworkId: string;
    publicSubnetId: string;
    routerId: string;
    /** The router's address on `public`: what nodes reaching their own floating IP appear as. */
    routerGatewayIp: string;
    portId: string;
    portIp: string;
    floatingIpId: string;
    floatingIp: string;
}

const Id = z.object({ id: z.string() });
const FixedIps = z.array(z.object({ subnet_id: z.string(), ip_address: z.string() }));
const Subnet = Id.extend({ cidr: z.string() });
const Router = Id.extend({
    external_gateway_info: z
        .object({ network_id: z.string(), external_fixed_ips: FixedIps })
        .nullable(),
});
const Port = Id.extend({ fixed_ips: FixedIps, security_groups: z.array(z.string()).optional() });
const FloatingIp = Id.extend({ floating_ip_address: z.string() });
const Rule = Id.extend({
    direction: z.string(),
    ethertype: z.string(),
    protocol: z.string().nullable(),
    port_range_min: z.number().nullable(),
    port_range_max: z.number().nullable(),
    remote_ip_prefix: z.string().nullable(),
    remote_group_id: z.string().nullable(),
});

export async function seedBefore(cloud: LocalCloud): Promise<SeedResult> {
    const [admin, tenant] = await Promise.all([
        authenticate(cloud, cloud.adminCloudName),
        authenticate(cloud, cloud.cloudName),
    ]);

    const publicNetworkId = (
        await findOrCreate(admin, "networks", { name: SEED.publicNetwork }, Id, {
            "router:external": true,
            "provider:network_type": "flat",
            "provider:physical_network": "public",
        })
    ).id;
    const publicSubnetId = (
        await findOrCreate(admin, "subnets", { name: SEED.publicSubnet }, Subnet, {
            network_id: publicNetworkId,
            ip_version: 4,
            cidr: SEED.publicCidr,
            enable_dhcp: false,
        })
    ).id;

    const securityGroupId = (
        await findOrCreate(tenant, "security_groups", { name: SEED.securityGroup }, Id, {
            description: "Cluster API management cluster",
        })
    ).id;
    const wideRuleIds = {
        api: await ensureWideRule(tenant, securityGroupId, SEED.apiPort),
        ssh: await ensureWideRule(tenant, securityGroupId, SEED.sshPort),
    };
    await removeOtherIngress(tenant, securityGroupId, Object.values(wideRuleIds));

    const networkId = (await findOrCreate(tenant, "networks", { name: SEED.network }, Id, {})).id;
    const subnet = await findOrCreate(tenant, "subnets", { name: SEED.subnet }, Subnet, {
        network_id: networkId,
        ip_version: 4,
        cidr: SEED.subnetCidr,
        enable_dhcp: false,
    });

    const router = await findOrCreate(tenant, "routers", { name: SEED.router }, Router, {
        external_gateway_info: { network_id: publicNetworkId },
    });
    const routerGatewayIp = router.external_gateway_info?.external_fixed_ips.find(
        (ip) => ip.subnet_id === publicSubnetId,
    )?.ip_address;
    if (routerGatewayIp === undefined) {
        throw new Error(
            `router ${SEED.router} (${router.id}): expected an external gateway IP on ` +
                `${SEED.publicSubnet}, got ${JSON.stringify(router.external_gateway_info)}`,
        );
    }
    await ensureRouterInterface(tenant, router.id, subnet.id);

    const port = await findOrCreate(tenant, "ports", { name: SEED.port }, Port, {
        network_id: networkId,
        fixed_ips: [{ subnet_id: subnet.id, ip_address: SEED.portIp }],
        security_groups: [securityGroupId],
    });
    if (port.security_groups && port.security_groups.join() !== securityGroupId) {
        // A scenario may have attached another group: the "before" state has the managed one only.
        await expectStatus(
            tenant,
            "PUT",
            `/v2.0/ports/${port.id}`,
            200,
            { port: { security_groups: [securityGroupId] } },
            { port: Id },
        );
    }
    const portIp = port.fixed_ips.find((ip) => ip.subnet_id === subnet.id)?.ip_address;
    if (portIp === undefined) {
        throw new Error(`port ${SEED.port} (${port.id}): expected an address on ${SEED.subnet}`);
    }

    // Only an admin may choose the address; the floating IP still belongs to the tenant.
    const floating = await findOrCreate(
        admin,
        "floatingips",
        { port_id: port.id },
        FloatingIp,
        { floating_network_id: publicNetworkId, floating_ip_address: SEED.floatingIp },
        tenant.projectId,
    );

    return {
        projectId: tenant.projectId,
        securityGroupId,
        wideRuleIds,
        networkId,
        subnetId: subnet.id,
        subnetCidr: subnet.cidr,
        publicNetworkId,
        publicSubnetId,
        routerId: router.id,
        routerGatewayIp,
        portId: port.id,
        portIp,
        floatingIpId: floating.id,
        floatingIp: floating.floating_ip_address,
    };
}

/** The one object of the session's project matching `match`, created from it when absent. */
async function findOrCreate<T extends z.ZodType>(
    session: Session,
    collection: string,
    match: Record<string, string>,
    schema: T,
    attributes: Record<string, unknown>,
    projectId = session.projectId,
): Promise<z.infer<T>> {
    const query = new URLSearchParams({ ...match, project_id: projectId });
    const url = `/v2.0/${collection.replace("_", "-")}`;
    const found = await expectStatus(session, "GET", `${url}?${query}`, 200, undefined, {
        [collection]: z.array(schema),
    });
    const existing = found[collection] as z.infer<T>[];
    if (existing.length > 1) {
        throw new Error(
            `GET ${url}?${query}: expected at most one match, got ${existing.length}; ` +
                "remove the duplicates or restart the local cloud from its snapshot",
        );
    }
    if (existing.length === 1) {
        return existing[0];
    }
    const singular = collection.replace(/s$/, "");
    const created = await expectStatus(
        session,
        "POST",
        url,
        201,
        {
            [singular]: {
                ...match,
                ...attributes,
                ...(projectId === session.projectId ? {} : { project_id: projectId }),
            },
        },
        { [singular]: schema },
    );
    return created[singular] as z.infer<T>;
}

async function groupRules(session: Session, groupId: string): Promise<z.infer<typeof Rule>[]> {
    const url = `/v2.0/security-group-rules?security_group_id=${groupId}`;
    const listed = await expectStatus(session, "GET", url, 200, undefined, {
        security_group_rules: z.array(Rule),
    });
    return listed.security_group_rules;
}

/** A rehearsal always starts from the ruling's "before" state: what an earlier run added goes. */
async function removeOtherIngress(
    session: Session,
    groupId: string,
    keep: string[],
): Promise<void> {
    const url = "/v2.0/security-group-rules";
    for (const rule of await groupRules(session, groupId)) {
        if (rule.direction === "ingress" && !keep.includes(rule.id)) {
            const response = await networkCall(session, "DELETE", `${url}/${rule.id}`);
            if (response.status !== 204 && response.status !== 404) {
                throw new Error(`DELETE ${url}/${rule.id}: expected 204, got ${response.status}`);
            }
        }
    }
}

async function ensureWideRule(session: Session, groupId: string, port: number): Promise<string> {
    const url = "/v2.0/security-group-rules";
    const wide = (await groupRules(session, groupId)).find(
        (rule) =>
            rule.direction === "ingress" &&
            rule.ethertype === "IPv4" &&
            rule.protocol === "tcp" &&
            rule.port_range_min === port &&
            rule.port_range_max === port &&
            rule.remote_group_id === null &&
            (rule.remote_ip_prefix === null || rule.remote_ip_prefix === SEED.wideCidr),
    );
    if (wide !== undefined) {
        return wide.id;
    }
    const created = await expectStatus(
        session,
        "POST",
        url,
        201,
        {
            security_group_rule: {
                security_group_id: groupId,
                direction: "ingress",
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: port,
                port_range_max: port,
                remote_ip_prefix: SEED.wideCidr,
            },
        },
        { security_group_rule: Id },
    );
    return created.security_group_rule.id;
}

async function ensureRouterInterface(
    session: Session,
    routerId: string,
    subnetId: string,
): Promise<void> {
    const query = new URLSearchParams({
        device_id: routerId,
        device_owner: "network:router_interface",
    });
    const listed = await expectStatus(session, "GET", `/v2.0/ports?${query}`, 200, undefined, {
        ports: z.array(Port),
    });
    if (listed.ports.some((port) => port.fixed_ips.some((ip) => ip.subnet_id === subnetId))) {
        return;
    }
    await expectStatus(
        session,
        "PUT",
        `/v2.0/routers/${routerId}/add_router_interface`,
        200,
        { subnet_id: subnetId },
        { port_id: z.string() },
    );
}

async function expectStatus<T extends z.ZodRawShape>(
    session: Session,
    method: "GET" | "POST" | "PUT",
    url: string,
    expected: number,
    body: unknown,
    shape: T,
): Promise<z.infer<z.ZodObject<T>>> {
    const response = await networkCall(session, method, url, body);
    if (response.status !== expected) {
        throw new Error(
            `${method} ${url}: expected ${expected}, got ${response.status} ` +
                JSON.stringify(response.body),
        );
    }
    const parsed = z.object(shape).safeParse(response.body);
    if (!parsed.success) {
        throw new Error(`${method} ${url}: unexpected body: ${parsed.error.message}`);
    }
    return parsed.data;
}

if (require.main === module) {
    ensureCloud()
        .then(seedBefore)
        .then((result) => console.log(JSON.stringify(result, null, 2)))
        .catch((err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        });
}
