// The destroy guard: removing the tight rules is decided from the live group, never from what this
// stack recorded. Two removals are guarded:
// - a destroy: the retirement and the read-back gate run `guardDestroy` in their delete, and the
//   engine deletes them before the rules they depend on, so the check runs while every tight rule
//   still exists and a refusal stops the destroy before any rule is deleted;
// - an update that drops allow-set entries: the gate's update runs `guardRemoval`
//   (removal-guard.ts) before the engine deletes the dropped entries' rules.
import { AllowEntry } from "../model/allowset";
import { parsePrefix, prefixContains } from "../model/cidr";
import { certainlyReachesPort, certainRemotePrefix } from "../model/rule-reach";
import { entryKey, NeutronRule, ruleKey } from "../model/rules";
import { listRules } from "../openstack/networking";
import { openSession } from "../openstack/keystone";

/** What a delete needs from its recorded state: no credentials, only where and what to check. */
export interface DestroyGuardState {
    /** clouds.yaml entry ("" = OS_CLOUD or the OS_* variables of the provider's process). */
    cloud: string;
    groupId: string;
    entries: AllowEntry[];
    allowDestroy?: boolean;
}

/**
 * True when the rule certainly lets the entry's whole source reach the entry's port over TCP:
 * in a form every firewall driver enforces so (rule-reach.ts `certainlyReachesPort`), from a prefix
 * the drivers are given that contains the source (`certainRemotePrefix`). Counting a rule that
 * one driver reads otherwise (protocol "0" is `ip.proto == 0` on OVN) would let a removal strand
 * the source there.
 */
export function certainlyAdmits(rule: NeutronRule, entry: AllowEntry): boolean {
    // A remote group admits its members, which cannot be told from here: it does not count.
    if (
        rule.remote_group_id ||
        rule.remote_address_group_id ||
        rule.ethertype !== entry.ethertype ||
        !certainlyReachesPort(rule, entry.port)
    ) {
        return false;
    }
    const prefix = certainRemotePrefix(rule);
    return prefix !== undefined && prefixContains(prefix, parsePrefix(entry.remoteIpPrefix));
}

/**
 * The `sources` that no rule of the group certainly admits (`certainlyAdmits`) once the rules
 * keyed like a `removed` entry (the stack's own rules for them, created or adopted: Neutron's
 * duplicate key allows one per entry) and the rules with an id in `alsoGone` are deleted. Pure; `rules` is
 * GET /v2.0/security-group-rules for `groupId`.
 */
export function unadmittedOnceRemoved(
    rules: NeutronRule[],
    groupId: string,
    removed: AllowEntry[],
    sources: AllowEntry[],
    alsoGone: string[] = [],
): AllowEntry[] {
    const gone = new Set(removed.map((e) => entryKey(e, groupId)));
    const surviving = rules.filter(
        (r) => r.security_group_id === groupId && !gone.has(ruleKey(r)) && !alsoGone.includes(r.id),
    );
    return sources.filter((entry) => !surviving.some((r) => certainlyAdmits(r, entry)));
}

/**
 * The allow-set entries on the API's port (the conductors' port) that no rule of the group admits
 * once the rules keyed like an allow entry are gone: the sources a destroy would lock out. Pure.
 */
export function strandedByDestroy(
    rules: NeutronRule[],
    groupId: string,
    entries: AllowEntry[],
): AllowEntry[] {
    const apiPorts = new Set(entries.filter((e) => e.role === "conductor").map((e) => e.port));
    return unadmittedOnceRemoved(
        rules,
        groupId,
        entries,
        entries.filter((e) => apiPorts.has(e.port)),
    );
}

/** The refusal for a destroy that would strand `stranded`, or undefined when there is none. */
export function destroyRefusal(state: DestroyGuardState, rules: NeutronRule[]): string | undefined {
    const stranded = strandedByDestroy(rules, state.groupId, state.entries);
    if (stranded.length === 0) {
        return undefined;
    }
    const width = Math.max(...stranded.map((e) => e.role.length));
    const rows = stranded.map(
        (e) => `  ${e.role.padEnd(width)}  ${e.port}/tcp  ${e.remoteIpPrefix}`,
    );
    return (
        `Refusing to destroy: once this stack's tight rules are deleted, no rule of security group ` +
        `${state.groupId} (GET /v2.0/security-group-rules, ${rules.length} rules listed) admits ` +
        `these allow-set sources on the API's port, so destroying would lock Magnum out:\n` +
        `${rows.join("\n")}\n` +
        `Add a rule that admits them first, or to destroy anyway set ` +
        `\`pulumi config set allowDestroy true\`, run \`pulumi up\`, then \`pulumi destroy\`.`
    );
}

/** Where to list and with what: a session opened from `cloud`, unless `list` is given. */
export type Lister = (groupId: string) => Promise<NeutronRule[]>;

/**
 * GET /v2.0/security-group-rules for `where.groupId`; a failure throws `refusing` with the group
 * and the request named (fail closed).
 */
export async function listLive(
    where: { cloud: string; groupId: string },
    list: Lister | undefined,
    refusing: string,
): Promise<NeutronRule[]> {
    try {
        return list
            ? await list(where.groupId)
            : await listRules(
                  await openSession({ cloud: where.cloud || undefined }),
                  where.groupId,
              );
    } catch (err) {
        throw new Error(
            `${refusing}: the rules of security group ${where.groupId} could not be listed ` +
                `(GET /v2.0/security-group-rules) to check that no allow-set source is left ` +
                `without an admitting rule: ${err instanceof Error ? err.message : String(err)}`,
        );
    }
}

/**
 * Lists the group live and throws the refusal, unless `allowDestroy` is set. A listing that fails
 * refuses too (fail closed), naming the group and the request. `list` is the Networking API's
 * GET /v2.0/security-group-rules for the group (a session opened from the recorded cloud).
 */
export async function guardDestroy(state: DestroyGuardState, list?: Lister): Promise<void> {
    if (state.allowDestroy === true) {
        return;
    }
    if (typeof state.groupId !== "string" || !Array.isArray(state.entries)) {
        throw new Error(
            "Refusing to destroy: the recorded state holds no group id and allow-set to check " +
                "against the live group; set `pulumi config set allowDestroy true`, run " +
                "`pulumi up`, then `pulumi destroy`.",
        );
    }
    const rules = await listLive(state, list, "Refusing to destroy");
    const refusal = destroyRefusal(state, rules);
    if (refusal) {
        throw new Error(refusal);
    }
}
