// OpenStack lookups through the openstack provider's data sources, for the Pulumi program.
// Listing a group's rules has no data source, so that one goes through the Networking API.
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { isUuid, OpenStackLookups } from "./discovery";
import { ExposureLookups } from "./exposure";
import { NeutronRule } from "../model/rules";

/** Rule lists and the exposure's lookups have no data source: they come from the Networking API. */
export function invokeLookups(
    provider: pulumi.ProviderResource | undefined,
    rest: ExposureLookups & { listRules: (groupId: string) => Promise<NeutronRule[]> },
): OpenStackLookups {
    const opts: pulumi.InvokeOptions = { provider };
    return {
        securityGroup: async (ref) => {
            const found = await lookup(`security group ${ref.name ?? ref.id}`, () =>
                openstack.networking.getSecGroup(
                    ref.id ? { secgroupId: ref.id } : { name: ref.name },
                    opts,
                ),
            );
            return { id: found.id, name: found.name ?? ref.name ?? found.id };
        },
        subnet: async (ref) => {
            const found = await lookup(`subnet ${ref}`, () =>
                openstack.networking.getSubnet(
                    isUuid(ref) ? { subnetId: ref } : { name: ref },
                    opts,
                ),
            );
            return { id: found.id, name: found.name, cidr: found.cidr };
        },
        routerGatewayIps: async (ref) => {
            const found = await lookup(`router ${ref}`, () =>
                openstack.networking.getRouter(
                    isUuid(ref) ? { routerId: ref } : { name: ref },
                    opts,
                ),
            );
            return {
                id: found.id,
                name: found.name ?? ref,
                ips: found.externalFixedIps.flatMap((f) => (f.ipAddress ? [f.ipAddress] : [])),
            };
        },
        portForAddress: async (address) => {
            // Only "no such floating IP" sends the lookup on to fixed IPs; any other failure fails.
            const floating = await openstack.networking
                .getFloatingIp({ address }, opts)
                .catch((err: unknown) => {
                    if (/no results|not found/i.test(String(err))) {
                        return undefined;
                    }
                    throw new Error(`lookup of floating IP ${address} failed: ${String(err)}`);
                });
            if (floating?.portId) {
                const port = await lookup(`port ${floating.portId} of floating IP ${address}`, () =>
                    openstack.networking.getPort({ portId: floating.portId }, opts),
                );
                return {
                    portId: port.id,
                    securityGroupIds: port.allSecurityGroupIds,
                    via: `floating IP ${address} on port ${port.id}`,
                };
            }
            const port = await lookup(`the port with fixed IP ${address}`, () =>
                openstack.networking.getPort({ fixedIp: address }, opts),
            );
            return {
                portId: port.id,
                securityGroupIds: port.allSecurityGroupIds,
                via: `fixed IP ${address} on port ${port.id}`,
            };
        },
        listRules: rest.listRules,
        rulesOfGroups: rest.rulesOfGroups,
        groupNames: rest.groupNames,
        remoteGroupAddresses: rest.remoteGroupAddresses,
        addressGroupAddresses: rest.addressGroupAddresses,
    };
}

async function lookup<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (err) {
        throw new Error(
            `lookup of ${what} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
    }
}
