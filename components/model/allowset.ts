// The pure derivation of the allow-set: no Pulumi, no I/O.
import { coversWholeFamily } from "./addressset";
import { Ethertype, isAnyAddress, isHostRoute, parsePrefix, Prefix, sourceHostRoute } from "./cidr";

export type Role = "conductor" | "operator" | "hairpin";

/** Roles in the order that decides which one names a merged entry. */
export const ROLES: readonly Role[] = ["conductor", "operator", "hairpin"];

export interface AllowEntry {
    role: Role;
    ethertype: Ethertype;
    protocol: "tcp";
    port: number;
    /** Canonical CIDR, as Neutron stores it. */
    remoteIpPrefix: string;
    /** Where the source came from; merged duplicates keep all of them. */
    provenance: string[];
}

/**
 * An AllowEntry's schema, built on each call: dynamic providers check their inputs with it, and a
 * serialized closure cannot capture a zod schema.
 */
export function allowEntrySchema(z: typeof import("zod").z) {
    return z.object({
        role: z.enum(["conductor", "operator", "hairpin"]),
        ethertype: z.enum(["IPv4", "IPv6"]),
        protocol: z.literal("tcp"),
        port: z.number().int(),
        remoteIpPrefix: z.string().min(1),
        provenance: z.array(z.string()),
    });
}

/**
 * The lowest prefix floor there is, whatever minPrefixLength says: only per-entry waivers with
 * reasons admit wider prefixes.
 */
export const FLOOR_MINIMUM: Readonly<Record<Ethertype, number>> = { IPv4: 8, IPv6: 32 };

export interface Waiver {
    cidr: string;
    reason: string;
}

export interface SourceInput {
    /** Address or CIDR, as measured or configured. */
    source: string;
    provenance: string;
}

export interface DerivationInput {
    protectedPorts: number[];
    apiPort: number;
    minPrefixLength: { IPv4: number; IPv6: number };
    waivers: Waiver[];
    /** Each conductor unit's measured source address (a host, never a prefix). */
    conductors: SourceInput[];
    operator: { sources: SourceInput[]; ports: number[] };
    hairpin: { sources: SourceInput[]; ports: number[] };
}

export class DerivationError extends Error {
    constructor(readonly problems: string[]) {
        super(`The allow-set cannot be derived:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "DerivationError";
    }
}

/** The tight rule set: sorted, merged, and never wide on a protected port. */
export function deriveAllowSet(input: DerivationInput): AllowEntry[] {
    const problems: string[] = [];
    const entries = new Map<string, AllowEntry>();
    const waived = new Map<string, Waiver>();
    for (const waiver of input.waivers) {
        waived.set(canonicalOrSelf(waiver.cidr), waiver);
    }

    const add = (role: Role, source: SourceInput, ports: number[]) => {
        let prefix: Prefix;
        try {
            prefix =
                role === "conductor" ? sourceHostRoute(source.source) : parsePrefix(source.source);
        } catch (err) {
            problems.push(
                `${role} source "${source.source}" (${source.provenance}): ${message(err)}`,
            );
            return;
        }
        if (role === "conductor" && !isHostRoute(prefix)) {
            problems.push(
                `conductor source ${prefix.cidr} (${source.provenance}) is not a host route`,
            );
            return;
        }
        if (isAnyAddress(prefix)) {
            problems.push(
                `${role} source ${prefix.cidr} (${source.provenance}) admits every address; ` +
                    `it can never be allowed on a protected port`,
            );
            return;
        }
        const floor = Math.max(
            input.minPrefixLength[prefix.ethertype],
            FLOOR_MINIMUM[prefix.ethertype],
        );
        if (prefix.length < floor && !waived.has(prefix.cidr)) {
            problems.push(
                `${role} source ${prefix.cidr} (${source.provenance}) is wider than /${floor}; ` +
                    `add a waiver with a reason for ${prefix.cidr} if it is intended`,
            );
            return;
        }
        for (const port of ports) {
            if (!input.protectedPorts.includes(port)) {
                problems.push(`${role} port ${port} is not one of the protected ports`);
                continue;
            }
            const key = `${prefix.ethertype}|tcp|${port}|${prefix.cidr}`;
            const existing = entries.get(key);
            if (existing) {
                if (ROLES.indexOf(role) < ROLES.indexOf(existing.role)) {
                    existing.role = role;
                }
                if (!existing.provenance.includes(source.provenance)) {
                    existing.provenance.push(source.provenance);
                }
            } else {
                entries.set(key, {
                    role,
                    ethertype: prefix.ethertype,
                    protocol: "tcp",
                    port,
                    remoteIpPrefix: prefix.cidr,
                    provenance: [source.provenance],
                });
            }
        }
    };

    for (const source of input.conductors) {
        add("conductor", source, [input.apiPort]);
    }
    for (const source of input.operator.sources) {
        add("operator", source, input.operator.ports);
    }
    for (const source of input.hairpin.sources) {
        add("hairpin", source, input.hairpin.ports);
    }
    if (input.conductors.length === 0) {
        problems.push("no conductor source: the allow-set would lock Magnum out");
    }
    problems.push(...wholeFamilyProblems([...entries.values()]));
    if (problems.length > 0) {
        throw new DerivationError(problems);
    }
    return [...entries.values()]
        .map((entry) => ({ ...entry, provenance: [...entry.provenance].sort() }))
        .sort(compareEntries);
}

/**
 * Whatever the floor and the waivers say, the entries of one port and family may never together
 * admit every address (0.0.0.0/1 + 128.0.0.0/1): one problem per such port and family, naming
 * the entries.
 */
function wholeFamilyProblems(entries: AllowEntry[]): string[] {
    const problems: string[] = [];
    const byPortFamily = new Map<string, AllowEntry[]>();
    for (const entry of entries) {
        const key = `${entry.port}|${entry.ethertype}`;
        byPortFamily.set(key, [...(byPortFamily.get(key) ?? []), entry]);
    }
    for (const group of byPortFamily.values()) {
        const { port, ethertype } = group[0];
        if (
            coversWholeFamily(
                group.map((e) => e.remoteIpPrefix),
                ethertype,
            )
        ) {
            const named = group.map(
                (e) => `${e.remoteIpPrefix} (${e.role}: ${e.provenance.join(", ")})`,
            );
            problems.push(
                `the allow-set's ${ethertype} entries on ${port}/tcp together admit every ${ethertype} ` +
                    `address: ${named.join(", ")}; no floor or waiver can allow this, narrow them`,
            );
        }
    }
    return problems;
}

/**
 * A stable resource name from what Neutron keys a rule by: port and CIDR. Not the role: the role
 * of a CIDR several roles share can change, and a renamed resource would delete the live rule.
 */
export function entryName(entry: AllowEntry): string {
    // One-to-one on canonical CIDRs, and free of "::", which URNs reserve.
    const cidr = entry.remoteIpPrefix.replace(/:/g, ".").replace("/", "-");
    return `${entry.port}-${cidr}`;
}

export function compareEntries(a: AllowEntry, b: AllowEntry): number {
    return (
        ROLES.indexOf(a.role) - ROLES.indexOf(b.role) ||
        a.port - b.port ||
        a.ethertype.localeCompare(b.ethertype) ||
        a.remoteIpPrefix.localeCompare(b.remoteIpPrefix, "en", { numeric: true })
    );
}

function canonicalOrSelf(cidr: string): string {
    try {
        return parsePrefix(cidr).cidr;
    } catch {
        return cidr;
    }
}

function message(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
