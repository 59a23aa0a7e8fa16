// From the config and what discovery measured to what the program declares: pure, no Pulumi.
import { AllowEntry, deriveAllowSet, SourceInput } from "../model/allowset";
import { ConfigError, retireSelectors, StackConfig } from "../config/schema";
import { maskSecrets } from "../mask";
import { hairpinPortsMessage } from "../config/crossfield";
import { NAMESPACE } from "../config/fields";
import { formatExample } from "../config/examples";
import {
    classifyRules,
    ClassifiedRule,
    describePorts,
    NeutronRule,
    ruleShape,
    RuleShape,
} from "../model/rules";
import type { FoundExposure } from "../discover/exposure";
import { ExposureReview, planExposure } from "./exposure";
import { storedPrefixWords } from "./rule-words";

/** What the live lookups found; everything the plan needs and nothing it does not. */
/**
 * A port that receives the API address: the fixed port of its floating IP, or a port holding it
 * as a fixed IP. Neutron filters its traffic by every group in `securityGroupIds` together, and
 * by none when port security is off (Neutron port resource: `security_groups`,
 * `port_security_enabled`).
 */
export interface ApiPort {
    id: string;
    via: "floating-ip" | "fixed-ip";
    portSecurityEnabled: boolean;
    securityGroupIds: string[];
}

export interface Discovered {
    group: { id: string; name: string };
    api: { address: string; port: number; provenance: string };
    /** Every port that receives the API address, with all its groups (for effective exposure). */
    apiPorts: ApiPort[];
    conductors: SourceInput[];
    hairpin: SourceInput[];
    rules: NeutronRule[];
    /** Every group on the API's port(s), their rules and the remotes they reference. */
    exposure: FoundExposure;
    /** Free text that may quote the cloud (a group's name): masked wherever it is shown. */
    warnings: string[];
}

export interface RetireTarget {
    id: string;
    shape: RuleShape;
    /** What the rule admits, as a reviewer reads it. */
    admits: string;
}

export interface Plan {
    groupId: string;
    allowSet: AllowEntry[];
    /** Live rule id per allow entry that already exists (imported, never created twice). */
    adoptions: Map<AllowEntry, NeutronRule>;
    retireTargets: RetireTarget[];
    drift: ClassifiedRule[];
    classified: ClassifiedRule[];
    /** Effective exposure before and after the plan; `refusal` set means nothing may be declared. */
    exposure: ExposureReview;
}

export function planIngress(config: StackConfig, found: Discovered): Plan {
    // Once, naming the key to change: otherwise every conductor's entry would report it.
    if (!config.protectedPorts.includes(found.api.port)) {
        const example = {
            path: ["protectedPorts"],
            value: [...config.protectedPorts, found.api.port],
        };
        throw new ConfigError([
            `${NAMESPACE}:protectedPorts: the API's port ${found.api.port} (${found.api.provenance}) ` +
                `is not one of protectedPorts (${config.protectedPorts.join(", ")}) ` +
                `(for example ${formatExample(example)})`,
        ]);
    }
    // The schema cannot check this when the port comes from the kubeconfig.
    const hairpinPorts = config.hairpin.ports ?? [found.api.port];
    const notApi = hairpinPorts.filter((p) => p !== found.api.port);
    if (notApi.length > 0) {
        const example = { path: ["hairpin", "ports"], value: [found.api.port] };
        throw new ConfigError([
            `${NAMESPACE}:hairpin.ports: ${hairpinPortsMessage(notApi, found.api.port)} ` +
                `(for example ${formatExample(example)})`,
        ]);
    }
    // Provenance quotes the stack's reasons and names read from the cloud: masked once here, so
    // the allow-set's errors, outputs and reviews never hold a credential in it.
    const masked = (sources: SourceInput[]) =>
        sources.map((s) => ({ ...s, provenance: maskSecrets(s.provenance) }));
    const allowSet = deriveAllowSet({
        protectedPorts: config.protectedPorts,
        apiPort: found.api.port,
        minPrefixLength: { IPv4: config.minPrefixLength, IPv6: config.minPrefixLengthIpv6 },
        waivers: config.waivers,
        conductors: masked(found.conductors),
        operator: {
            sources: masked(
                config.operator.cidrs.map((source, i) => ({
                    source,
                    provenance: `config operator.cidrs[${i}]: ${config.operator.reason}`,
                })),
            ),
            ports: config.operator.ports,
        },
        hairpin: { sources: masked(found.hairpin), ports: hairpinPorts },
    });
    const classified = classifyRules(
        found.rules,
        allowSet,
        retireSelectors(config),
        config.protectedPorts,
    );
    const adoptions = new Map<AllowEntry, NeutronRule>();
    for (const c of classified) {
        if ((c.class === "managed" || c.class === "adoptable") && c.entry) {
            adoptions.set(c.entry, c.rule);
        }
    }
    const retireTargets = classified
        .filter((c) => c.class === "retire")
        .map((c) => ({
            id: c.rule.id,
            shape: ruleShape(c.rule),
            admits: `${storedPrefixWords(c.rule.remote_ip_prefix)} on ${describePorts(c.rule)}`,
        }));
    return {
        groupId: found.group.id,
        allowSet,
        adoptions,
        retireTargets,
        drift: classified.filter((c) => c.class === "drift"),
        classified,
        exposure: planExposure({
            found: found.exposure,
            managed: found.group,
            allowSet,
            retireIds: retireTargets.map((t) => t.id),
            protectedPorts: config.protectedPorts,
            accepted: config.acceptedExposure,
        }),
    };
}

/** Static conductor addresses and the hairpin's configured CIDRs, with their provenance. */
export function configuredSources(config: StackConfig): {
    conductors: SourceInput[];
    hairpin: SourceInput[];
} {
    return {
        conductors: (config.conductors.static?.addresses ?? []).map((source, i) => ({
            source,
            provenance: `config conductors.static.addresses[${i}]: ${config.conductors.static?.reason}`,
        })),
        hairpin: config.hairpin.cidrs.map((c, i) => ({
            source: c.cidr,
            provenance: `config hairpin.cidrs[${i}]: ${c.reason}`,
        })),
    };
}
