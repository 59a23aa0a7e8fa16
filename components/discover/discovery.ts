// The live lookups: Juju for the conductors, OpenStack for the group, the hairpin and the API's
// port. Everything fails closed: a lookup that cannot answer fails the preview.
import { SourceInput } from "../model/allowset";
import { parseHostAddress } from "../model/cidr";
import { StackConfig } from "../config/schema";
import { DEFAULT_API_PORT } from "../config/fields";
import { measureConductorSources, readApiEndpointFromUnits } from "../juju/measure";
import { ApiPort, configuredSources, Discovered } from "../plan/plan";
import { discoverExposure, ExposureLookups } from "./exposure";
import { maskSecrets } from "../mask";

/**
 * The OpenStack lookups discovery needs. One implementation serves the program and every tool:
 * `restLookups`, over the Networking API (docs/architecture.md says why).
 */
export interface OpenStackLookups extends ExposureLookups {
    securityGroup(ref: { name?: string; id?: string }): Promise<{ id: string; name: string }>;
    subnet(ref: string): Promise<{ id: string; name: string; cidr: string }>;
    routerGatewayIps(ref: string): Promise<{ id: string; name: string; ips: string[] }>;
    /** Every port that receives the address: its floating IP's fixed port, or its fixed IP's. */
    apiPorts(address: string): Promise<ApiPort[]>;
}

const CAPO_GROUP = /^k8s-cluster-.+-secgroup-/;

export async function discover(
    config: StackConfig,
    openstack: OpenStackLookups,
): Promise<Discovered> {
    const warnings: string[] = [];
    // The Juju lookups are read-only round trips: they start at once, beside the Networking API
    // lookups and the preflight, whose failures are still the ones reported first.
    const endpoint = apiEndpoint(config);
    const measuring = endpoint.then((api) => conductorSources(config, api.address));
    measuring.catch(() => undefined);
    const group = await openstack.securityGroup(config.securityGroup);
    if (CAPO_GROUP.test(group.name)) {
        warnings.push(
            `security group ${group.name} looks managed by Cluster API Provider OpenStack, which deletes ` +
                `rules it does not know and re-adds 6443 from anywhere: rules declared here will not last`,
        );
    }
    const api = await endpoint;
    const apiPorts = await openstack.apiPorts(api.address);
    preflight(group, api.address, apiPorts);
    const [conductors, hairpin, exposure] = await Promise.all([
        measuring,
        hairpinSources(config, openstack),
        discoverExposure(openstack, apiPorts),
    ]);
    // One listing of every group on the port: the managed group's rules (retire targets,
    // adoptions) and the exposure are the same measurement, never two that could disagree.
    const rules = exposure.rules.filter((r) => r.group.id === group.id).map((r) => r.rule);
    return { group, api, apiPorts, conductors, hairpin, rules, exposure, warnings };
}

/**
 * The managed group must guard every port that receives the API address, and each such port must
 * filter at all: with port security off Neutron applies no group, so tightening would change
 * nothing the API admits. Throws naming the port.
 */
export function preflight(
    group: { id: string; name: string },
    address: string,
    ports: ApiPort[],
): void {
    if (ports.length === 0) {
        throw new Error(
            `preflight: no port holds the API address ${address}, as a floating IP or a fixed IP`,
        );
    }
    // The group's name is the cloud's free text: masked in the error (safety invariant 5).
    const named = `${maskSecrets(group.name)} (${group.id})`;
    for (const port of ports) {
        const where = `the API address ${address} (${port.via} on port ${port.id})`;
        if (!port.portSecurityEnabled) {
            throw new Error(
                `preflight: ${where} has port security disabled, so no security group filters ` +
                    `it; refusing to tighten ${named}, which would change nothing`,
            );
        }
        if (!port.securityGroupIds.includes(group.id)) {
            throw new Error(
                `preflight: ${where} is guarded by [${port.securityGroupIds.join(", ")}], not by ` +
                    `${named}; refusing to tighten a group that does not guard the API`,
            );
        }
    }
}

async function apiEndpoint(config: StackConfig): Promise<Discovered["api"]> {
    if (config.api.address !== undefined) {
        const { address } = parseHostAddress(config.api.address);
        return {
            address,
            port: config.api.port ?? DEFAULT_API_PORT,
            provenance: "config api.address",
        };
    }
    const juju = config.conductors.juju;
    if (!juju || !config.api.fromKubeconfig) {
        throw new Error(
            "api.fromKubeconfig needs conductors.juju: the kubeconfig is read on the units",
        );
    }
    return readApiEndpointFromUnits(juju, config.api.fromKubeconfig.path);
}

async function conductorSources(config: StackConfig, apiAddress: string): Promise<SourceInput[]> {
    const juju = config.conductors.juju;
    if (!juju) {
        return configuredSources(config).conductors;
    }
    const measured = await measureConductorSources(juju, apiAddress);
    return measured.map((m) => ({ source: m.address, provenance: m.provenance }));
}

export async function hairpinSources(
    config: StackConfig,
    openstack: OpenStackLookups,
): Promise<SourceInput[]> {
    const [subnets, routers] = await Promise.all([
        Promise.all(config.hairpin.subnets.map((ref) => openstack.subnet(ref))),
        Promise.all(config.hairpin.routers.map((ref) => openstack.routerGatewayIps(ref))),
    ]);
    const sources = configuredSources(config).hairpin;
    for (const subnet of subnets) {
        sources.push({
            source: subnet.cidr,
            provenance: `subnet ${subnet.name} (${subnet.id}) cidr`,
        });
    }
    for (const router of routers) {
        if (router.ips.length === 0) {
            throw new Error(
                `router ${maskSecrets(router.name)} (${router.id}) has no external gateway IP`,
            );
        }
        for (const ip of router.ips) {
            sources.push({
                source: ip,
                provenance: `router ${router.name} (${router.id}) external gateway`,
            });
        }
    }
    return sources;
}
