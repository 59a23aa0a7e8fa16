// The live lookups through the Networking API: the one implementation the program, review, audit,
// verify and the rehearsal share (docs/architecture.md says why not the provider's invokes).
import { StackConfig } from "../config/schema";
import { discover, OpenStackLookups } from "./discovery";
import { openSession, Session } from "../openstack/keystone";
import { stackCloud } from "../openstack/credentials";
import {
    findRouters,
    findSecurityGroups,
    findSubnets,
    portsGuardingAddress,
} from "../openstack/resources";
import {
    addressGroupAddresses,
    groupNames,
    listRulesOfGroups,
    remoteGroupAddresses,
} from "../openstack/exposure-lookups";
import { Discovered, Plan, planIngress } from "../plan/plan";
import { maskSecrets } from "../mask";

export interface LiveReview {
    found: Discovered;
    plan: Plan;
    /** `<name> (<id>)`; the name, the cloud's free text, masked (maskSecrets) as the warnings. */
    group: string;
    api: string;
    warnings: string[];
}

export async function liveReview(config: StackConfig, session?: Session): Promise<LiveReview> {
    const s = session ?? (await openSession({ cloud: stackCloud(config.cloud) }));
    const found = await discover(config, restLookups(s));
    return {
        found,
        plan: planIngress(config, found),
        group: `${maskSecrets(found.group.name)} (${found.group.id})`,
        api: `${found.api.address}:${found.api.port} (${maskSecrets(found.api.provenance)})`,
        warnings: found.warnings.map(maskSecrets),
    };
}

export function restLookups(s: Session): OpenStackLookups {
    return {
        securityGroup: async (ref) => {
            const wanted = ref.name ?? ref.id ?? "";
            const group = exactlyOne(
                await findSecurityGroups(s, wanted),
                `security group ${wanted}`,
            );
            return { id: group.id, name: group.name };
        },
        subnet: async (ref) => {
            const subnet = exactlyOne(await findSubnets(s, ref), `subnet ${ref}`);
            return { id: subnet.id, name: subnet.name, cidr: subnet.cidr };
        },
        routerGatewayIps: async (ref) => {
            const router = exactlyOne(await findRouters(s, ref), `router ${ref}`);
            return { id: router.id, name: router.name, ips: router.gatewayIps };
        },
        apiPorts: async (address) =>
            (await portsGuardingAddress(s, address)).map((p) => ({
                id: p.portId,
                via: p.via,
                portSecurityEnabled: p.portSecurityEnabled,
                securityGroupIds: p.securityGroups,
            })),
        rulesOfGroups: (ids) => listRulesOfGroups(s, ids),
        groupNames: (ids) => groupNames(s, ids),
        remoteGroupAddresses: (id) => remoteGroupAddresses(s, id),
        addressGroupAddresses: (id) => addressGroupAddresses(s, id),
    };
}

function exactlyOne<T>(found: T[], what: string): T {
    if (found.length !== 1) {
        throw new Error(
            `${what}: expected exactly one, found ${found.length}` +
                (found.length > 1 ? " (use its id instead of its name)" : ""),
        );
    }
    return found[0];
}
