// A small in-memory cloud that answers discovery's lookups, for the program under Pulumi's mock
// runtime (unit tests, the program-evaluation benchmark). It stands in for Neutron's answers,
// not for the lookups: discovery and its preflight run unchanged on what it returns.
import type { OpenStackLookups } from "../../components/discover/discovery";
import type { NeutronRule } from "../../components/model/rules";

export interface FakeCloud {
    groups: { id: string; name: string }[];
    subnets: { id: string; name: string; cidr: string }[];
    routers: { id: string; name: string; ips: string[] }[];
    floatingIps: { address: string; portId: string }[];
    /** `portSecurityEnabled` defaults to true, as Neutron's does. */
    ports: {
        id: string;
        fixedIp: string;
        securityGroupIds: string[];
        portSecurityEnabled?: boolean;
    }[];
    rules: NeutronRule[];
    /** Remote group id → its ports' addresses; address group id → addresses (absent: 404). */
    members?: Record<string, string[]>;
    addressGroups?: Record<string, string[]>;
}

/** Lookups answered from `cloud`; a name or id matching other than once fails, as Neutron's. */
export function fakeLookups(cloud: FakeCloud): OpenStackLookups {
    return {
        securityGroup: async (ref) =>
            one(
                cloud.groups.filter((g) => g.name === ref.name || g.id === ref.id),
                `security group ${ref.name ?? ref.id}`,
            ),
        subnet: async (ref) =>
            one(
                cloud.subnets.filter((s) => s.name === ref || s.id === ref),
                `subnet ${ref}`,
            ),
        routerGatewayIps: async (ref) =>
            one(
                cloud.routers.filter((r) => r.name === ref || r.id === ref),
                `router ${ref}`,
            ),
        apiPorts: async (address) => {
            const floating = cloud.floatingIps
                .filter((f) => f.address === address)
                .map((f) => ({ via: "floating-ip" as const, port: port(cloud, f.portId) }));
            const fixed = cloud.ports
                .filter((p) => p.fixedIp === address)
                .map((p) => ({ via: "fixed-ip" as const, port: p }));
            return [...floating, ...fixed].map(({ via, port }) => ({
                id: port.id,
                via,
                portSecurityEnabled: port.portSecurityEnabled ?? true,
                securityGroupIds: port.securityGroupIds,
            }));
        },
        rulesOfGroups: async (ids) => cloud.rules.filter((r) => ids.includes(r.security_group_id)),
        groupNames: async (ids) =>
            new Map(cloud.groups.filter((g) => ids.includes(g.id)).map((g) => [g.id, g.name])),
        remoteGroupAddresses: async (id) => cloud.members?.[id] ?? [],
        addressGroupAddresses: async (id) => cloud.addressGroups?.[id] ?? null,
    };
}

function port(cloud: FakeCloud, id: string): FakeCloud["ports"][number] {
    return one(
        cloud.ports.filter((p) => p.id === id),
        `port ${id}`,
    );
}

function one<T>(found: T[], what: string): T {
    if (found.length !== 1) {
        throw new Error(`${what}: expected exactly one, found ${found.length}`);
    }
    return found[0];
}
