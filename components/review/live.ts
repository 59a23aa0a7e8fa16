// Both sides of a change measured from one measurement of the live cloud, so that the review shows
// only what the config changes. Every OpenStack lookup is made once and shared; the Juju
// measurement is made once and reused while both sides measure the same way.
import { isDeepStrictEqual } from "node:util";
import { StackConfig } from "../config/schema";
import { discover, hairpinSources, OpenStackLookups } from "../discover/discovery";
import { Discovered } from "../plan/plan";

export interface Measured {
    base?: Discovered;
    head?: Discovered;
    notes: string[];
}

/** The settings that decide what discovery measures (the group, the API, the conductors). */
function measuredBy(config: StackConfig) {
    return {
        cloud: config.cloud,
        securityGroup: config.securityGroup,
        api: config.api,
        conductors: config.conductors,
    };
}

/** Each lookup answered once per argument, shared by both sides. */
export function sharedLookups(lookups: OpenStackLookups): OpenStackLookups {
    const cache = new Map<string, Promise<unknown>>();
    const once =
        <A, R>(name: string, call: (arg: A) => Promise<R>) =>
        (arg: A): Promise<R> => {
            const key = `${name} ${JSON.stringify(arg)}`;
            if (!cache.has(key)) {
                cache.set(key, call(arg));
            }
            return cache.get(key) as Promise<R>;
        };
    return {
        securityGroup: once("securityGroup", (ref) => lookups.securityGroup(ref)),
        subnet: once("subnet", (ref) => lookups.subnet(ref)),
        routerGatewayIps: once("routerGatewayIps", (ref) => lookups.routerGatewayIps(ref)),
        apiPorts: once("apiPorts", (address) => lookups.apiPorts(address)),
        rulesOfGroups: once("rulesOfGroups", (ids) => lookups.rulesOfGroups(ids)),
        groupNames: once("groupNames", (ids) => lookups.groupNames(ids)),
        remoteGroupAddresses: once("remoteGroupAddresses", (id) =>
            lookups.remoteGroupAddresses(id),
        ),
        addressGroupAddresses: once("addressGroupAddresses", (id) =>
            lookups.addressGroupAddresses(id),
        ),
    };
}

/**
 * Measures the head (or the base, when the head is deleted) once; the other side reuses that
 * measurement, with its own configured sources and hairpin lookups (answered from the same
 * cache). Only when the two sides measure differently (another group, API or conductors) is the
 * other side measured on its own, and the review says so.
 */
export async function measureBoth(
    base: StackConfig | undefined,
    head: StackConfig | undefined,
    lookups: OpenStackLookups,
): Promise<Measured> {
    const shared = sharedLookups(lookups);
    const first = head ?? base;
    if (!first) {
        return { notes: [] };
    }
    const found = await discover(first, shared);
    const other = head ? base : undefined;
    if (!other) {
        return head ? { head: found, notes: [] } : { base: found, notes: [] };
    }
    if (!isDeepStrictEqual(measuredBy(other), measuredBy(first))) {
        const changed = Object.keys(measuredBy(first)).filter(
            (k) =>
                !isDeepStrictEqual(
                    measuredBy(first)[k as keyof ReturnType<typeof measuredBy>],
                    measuredBy(other)[k as keyof ReturnType<typeof measuredBy>],
                ),
        );
        return {
            head: found,
            base: await discover(other, shared),
            notes: [
                `The change touches ${changed.join(", ")}: each side was measured on its own, so ` +
                    `differences may also come from the cloud changing between the two measurements.`,
            ],
        };
    }
    return {
        head: found,
        base: { ...found, hairpin: await hairpinSources(other, shared) },
        notes: ["Both sides derived from one measurement of the live cloud."],
    };
}
