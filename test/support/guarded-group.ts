// A throwaway security group on the local OpenStack, guarding a port that holds a chosen address
// on the seeded network: what the program's preflight requires of the API address.
import { createSecurityGroup, deleteSecurityGroup } from "../../tools/localcloud/admin";
import { networkRequest, Session } from "../../components/openstack/keystone";
import { SeedResult } from "../../tools/localcloud/seed";

export interface GuardedGroup {
    groupId: string;
    portId: string;
    remove(): Promise<void>;
}

export async function createGuardedGroup(
    s: Session,
    seed: SeedResult,
    name: string,
    address: string,
): Promise<GuardedGroup> {
    const groupId = (await createSecurityGroup(s, { name })).id;
    const created = (await networkRequest(
        s,
        "POST",
        "/v2.0/ports",
        {
            port: {
                name: `${name}-api`,
                network_id: seed.networkId,
                fixed_ips: [{ subnet_id: seed.subnetId, ip_address: address }],
                security_groups: [groupId],
            },
        },
        [201],
    )) as { port: { id: string } };
    const portId = created.port.id;
    return {
        groupId,
        portId,
        remove: async () => {
            await networkRequest(s, "DELETE", `/v2.0/ports/${portId}`, undefined, [204, 404]);
            await deleteSecurityGroup(s, groupId);
        },
    };
}
