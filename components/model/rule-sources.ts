// What a rule's remote admits, as the exposure model reads it: its remote_ip_prefix (or the
// normalized_cidr the drivers are given), its remote group's or address group's members, or
// every address. A remote that cannot be read is named in `problems`, never thrown.
import { ANY_ADDRESS, AddressRange, enforcedRanges, rangeOf } from "./addressset";
import { Ethertype } from "./cidr";
import type { RemoteAddresses } from "./exposure";

/** One source range a rule admits, in one family. */
export interface RuleSource {
    ethertype: Ethertype;
    range: AddressRange;
    admits: string;
}

/** Shared, never added to: most rules reach no protected port. */
export const NO_SOURCES: RuleSource[] = [];

/**
 * The sources of a rule that reaches a protected port, in its families (`families`); problems
 * and unresolved remotes are added to the lists given.
 */
export function readSources(
    raw: Record<string, unknown>,
    remotes: RemoteAddresses,
    families: Ethertype[],
    problems: string[],
    unresolved: string[],
): RuleSource[] {
    // Lists of the exact length, joined only in the rare rule with several remotes. Each field
    // read once: until V8 optimizes this function, each read is a call of its own.
    let sources = NO_SOURCES;
    const { remote_group_id: group, remote_address_group_id: addressGroup } = raw;
    const { normalized_cidr: normalized, remote_ip_prefix: typedPrefix } = raw;
    const viaGroup = present(group);
    const viaAddressGroup = present(addressGroup);
    if (viaGroup || viaAddressGroup) {
        const found = { problems, unresolved };
        if (viaGroup) {
            sources = sources.concat(
                remoteSources("remote group", group, remotes.groups, families, found),
            );
        }
        if (viaAddressGroup) {
            sources = sources.concat(
                remoteSources(
                    "remote address group",
                    addressGroup,
                    remotes.addressGroups,
                    families,
                    found,
                ),
            );
        }
    }
    // normalized_cidr is the network Neutron enforces; remote_ip_prefix is as typed.
    const stored = present(normalized) ? normalized : typedPrefix;
    if (present(stored)) {
        if (typeof stored !== "string") {
            problems.push(`remote_ip_prefix ${show(stored)}`);
        } else {
            const typed = typeof typedPrefix === "string" ? typedPrefix : stored;
            const read = padded(stored)
                ? undefined
                : prefixSources(stored, typed, undefined, "remote_ip_prefix", problems);
            if (read === undefined) {
                const field = present(normalized) ? "normalized_cidr" : "remote_ip_prefix";
                problems.push(`${field} ${show(stored)} (blanks around the value)`);
            } else if (
                read.length > 0 &&
                families.length === 1 &&
                read[0].ethertype !== families[0]
            ) {
                // A prefix of the other family than the rule's: neutron/db/securitygroups_db.py
                // `_validate_ip_prefix` refuses it (SecurityGroupRuleParameterConflict). Stored,
                // the iptables driver puts it in the chain of the rule's family and drops a `/0`
                // prefix there (iptables_firewall.py `_split_sgr_by_ethertype`, `_ip_prefix_arg`):
                // `::/0` on an IPv4 rule admits every IPv4 address. OVN matches `ip4.src ==
                // <IPv6>` (acl.py `acl_remote_ip_prefix`). Its own family would under-count.
                problems.push(
                    `${typedField(raw)} (${read[0].ethertype}, the rule is ${families[0]})`,
                );
            } else {
                sources = sources.length === 0 ? read : sources.concat(read);
            }
        }
    } else if (!viaGroup && !viaAddressGroup) {
        sources = anySources(families, "no remote: any address");
    }
    return sources;
}

function present(value: unknown): boolean {
    return value !== null && value !== undefined && value !== "";
}

/**
 * Blanks (anything trim removes) at either end of the prefix the drivers are given:
 * normalized_cidr, else remote_ip_prefix (neutron/db/securitygroups_rpc_base.py
 * `security_group_info_for_ports`, neutron/common/ovn/acl.py `acl_remote_ip_prefix`). Neutron
 * never stores them (neutron/extensions/securitygroup.py `convert_ip_prefix_to_cidr` stores
 * netaddr's text, and refuses an IPv6 prefix with them); an edited remote_ip_prefix is listed as
 * stored (neutron_lib `AuthenticIPNetwork`) beside a clean normalized_cidr, which is then read.
 * Two character comparisons first: the trim runs only for a text with an odd character at an end.
 */
function padded(text: string): boolean {
    return (
        (outside(text.charCodeAt(0)) || outside(text.charCodeAt(text.length - 1))) &&
        text.trim() !== text
    );
}

/** A character code no address starts or ends with: a control, a space or beyond ASCII. */
function outside(code: number): boolean {
    return code <= 32 || code >= 127;
}

/** remote_ip_prefix as the rule shows it, or normalized_cidr for a rule without one. */
function typedField(raw: Record<string, unknown>): string {
    const typed = raw.remote_ip_prefix;
    return typeof typed === "string" && typed !== ""
        ? `remote_ip_prefix ${show(typed)}`
        : `normalized_cidr ${show(raw.normalized_cidr)}`;
}

/** Every address of the rule's families, saying why. */
function anySources(families: Ethertype[], why: string): RuleSource[] {
    return families.map((ethertype) => ({
        ethertype,
        range: rangeOf(ANY_ADDRESS[ethertype]),
        admits: `${ANY_ADDRESS[ethertype]} (${why})`,
    }));
}

/** The members of a remote group or address group; any address when it was not resolved. */
function remoteSources(
    kind: string,
    id: unknown,
    map: Map<string, string[] | null>,
    families: Ethertype[],
    found: { problems: string[]; unresolved: string[] },
): RuleSource[] {
    if (typeof id !== "string") {
        found.problems.push(`${kind} ${show(id)}`);
        return NO_SOURCES;
    }
    const addresses = map.get(id);
    if (!addresses) {
        found.unresolved.push(`${kind} ${id}`);
        return anySources(families, `${kind} ${id} could not be resolved: counted as any address`);
    }
    const members = membersOf(kind, id, addresses);
    found.problems.push(...members.problems);
    return members.sources;
}

/**
 * The sources of one address or prefix as a firewall enforces it, in its own family (the caller
 * refuses a rule's prefix of the other family); an IPv4-mapped prefix counts for IPv4 as well,
 * whatever the driver does. `typed`: the prefix as the rule shows it (named
 * when the network differs); `memberOf`: the remote group the address is a member of. None, and
 * a problem named, when the text cannot be read.
 */
function prefixSources(
    text: string,
    typed: string | undefined,
    memberOf: string | undefined,
    what: string,
    problems: string[],
): RuleSource[] {
    let read: ReturnType<typeof enforcedRanges>;
    try {
        read = enforcedRanges(text);
    } catch (err) {
        problems.push(`${what} ${show(text)} (${err instanceof Error ? err.message : err})`);
        return NO_SOURCES;
    }
    const { prefix, mappedIpv4 } = read;
    const source: RuleSource = {
        ethertype: prefix.ethertype,
        range: prefix,
        admits: admits(prefix.cidr, typed, memberOf),
    };
    if (!mappedIpv4) return [source];
    return [
        source,
        { ethertype: "IPv4", range: mappedIpv4, admits: admits(mappedIpv4.cidr, typed, memberOf) },
    ];
}

function admits(cidr: string, typed: string | undefined, memberOf: string | undefined): string {
    if (memberOf !== undefined) return `${cidr} (in ${memberOf})`;
    return cidr === typed ? cidr : `${cidr} (stored as ${typed})`;
}

// Many rules name the same remote group: its members are read once per list of addresses.
const membersMemo = new WeakMap<
    string[],
    Map<string, { sources: RuleSource[]; problems: string[] }>
>();

function membersOf(kind: string, id: string, addresses: string[]) {
    const byRemote = membersMemo.get(addresses) ?? new Map();
    membersMemo.set(addresses, byRemote);
    const key = `${kind}|${id}`;
    let found = byRemote.get(key);
    if (!found) {
        found = { sources: [] as RuleSource[], problems: [] as string[] };
        for (const address of addresses) {
            found.sources.push(
                ...prefixSources(
                    address,
                    undefined,
                    `${kind} ${id}`,
                    `${kind} ${id} address`,
                    found.problems,
                ),
            );
        }
        byRemote.set(key, found);
    }
    return found;
}

export function show(value: unknown): string {
    return value === undefined ? "(absent)" : JSON.stringify(value);
}
