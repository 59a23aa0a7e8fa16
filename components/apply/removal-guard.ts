// The removal guard: an update that drops allow-set entries (a conductor unit Juju no longer lists,
// a changed operator prefix or hairpin subnet) has the engine delete their tight rules. The
// read-back gate runs this check in its update, which comes before those deletes:
// - the engine generates the deletes of resources no longer registered, and of the old halves of
//   create-before-delete replacements, only once the program's registrations are done
//   (pkg/resource/deploy/deployment_executor.go, Execute: "The SourceIterator sends us a `nil`
//   event ... we should begin processing deletes", then performPostSteps -> GenerateDeletes in
//   step_generator.go, which deletes prev.Resources not seen or marked Delete "due to replacement");
// - a failed step cancels the deployment before those deletes (step_executor.go: without
//   ContinueOnError, an error calls se.cancel(), and Execute leaves its loop on ctx.Done() without
//   performPostSteps); with --continue-on-error the deletes run, minus the transitive dependencies
//   of the failed step's old and new states (performPostSteps' erroredDeps), and the gate's old
//   state depends on every rule it read back, the dropped ones included.
// So a refusal here leaves every dropped rule in place, and the retirement (which depends on the
// gate) does not run either. The retirement runs the check again in its update, with the wide
// rules it is about to retire counted as gone: one of them may be what still admits a source.
import { AllowEntry } from "../model/allowset";
import { entryKey, NeutronRule } from "../model/rules";
import { Lister, listLive, unadmittedOnceRemoved } from "./destroy-guard";

/** One side of the gate's update: where the allow-set's rules are, and which entries. */
export interface RemovalSide {
    /** clouds.yaml entry ("" = OS_CLOUD or the OS_* variables of the provider's process). */
    cloud: string;
    groupId: string;
    entries: AllowEntry[];
}

/**
 * The entries of `olds` that `news` no longer declares, each keyed as Neutron keys its rule (so a
 * changed prefix, port or group drops the old entry). Pure.
 */
export function droppedEntries(olds: RemovalSide, news: RemovalSide): AllowEntry[] {
    const kept = new Set(news.entries.map((e) => entryKey(e, news.groupId)));
    return olds.entries.filter((e) => !kept.has(entryKey(e, olds.groupId)));
}

/**
 * The dropped entries whose source no rule of the old group admits on the entry's port once the
 * stack's own rules for the dropped entries, and the rules with an id in `retiring`, are deleted.
 * `rules` is the old group listed after this update's rules were created, so a replacement (a
 * wider operator prefix) counts. Pure.
 */
export function strandedByUpdate(
    rules: NeutronRule[],
    olds: RemovalSide,
    news: RemovalSide,
    retiring: string[] = [],
): AllowEntry[] {
    const dropped = droppedEntries(olds, news);
    return unadmittedOnceRemoved(rules, olds.groupId, dropped, dropped, retiring);
}

/** The refusal for an update that would strand a dropped entry's source, or undefined. Pure. */
export function removalRefusal(
    rules: NeutronRule[],
    olds: RemovalSide,
    news: RemovalSide,
    retiring: string[] = [],
): string | undefined {
    const stranded = strandedByUpdate(rules, olds, news, retiring);
    if (stranded.length === 0) {
        return undefined;
    }
    const width = Math.max(...stranded.map((e) => e.role.length));
    const rows = stranded.map(
        (e) => `  ${e.role.padEnd(width)}  ${e.port}/tcp  ${e.remoteIpPrefix}`,
    );
    const moved =
        olds.groupId === news.groupId ? "" : ` (the update moves to group ${news.groupId})`;
    const retired =
        retiring.length === 0 ? "" : ` and the wide rules it retires (${retiring.join(", ")})`;
    return (
        `Refusing to remove the rules of ${stranded.length} allow-set entr` +
        `${stranded.length === 1 ? "y" : "ies"} this update no longer declares${moved}: once this ` +
        `stack's rules for them${retired} are deleted, no rule of security group ${olds.groupId} ` +
        `(GET /v2.0/security-group-rules, ${rules.length} rules listed) admits their sources on ` +
        `their ports:\n${rows.join("\n")}\n` +
        `Expected another rule of the group (a wider prefix, a rule added by hand) to admit each ` +
        `source before this stack's rule for it goes. Nothing was deleted and no wide rule retired.\n` +
        `If a source still needs access (a conductor unit Juju did not list, an operator still on ` +
        `that address), bring it back into the allow-set or add a rule that admits it, then run ` +
        `\`pulumi up\` again. If it must lose access, set \`pulumi config set allowDestroy true\`, ` +
        `run \`pulumi up\`, then set it back to false.`
    );
}

/**
 * Throws the refusal for an update from `olds` (the gate's recorded state) to `news` (its checked
 * inputs), unless `news.allowDestroy` is true (the approval of the current configuration);
 * `retiring` are the ids of wide rules the same update deletes. Lists
 * the old group only when an entry was dropped; a listing that fails refuses (fail closed), and so
 * does a recorded state without a group id and allow-set.
 */
export async function guardRemoval(
    olds: Partial<RemovalSide>,
    news: RemovalSide & { allowDestroy?: boolean },
    list?: Lister,
    retiring: string[] = [],
): Promise<void> {
    if (news.allowDestroy === true) {
        return;
    }
    if (typeof olds.groupId !== "string" || !Array.isArray(olds.entries)) {
        throw new Error(
            "Refusing the update: the read-back gate's recorded state holds no group id and " +
                "allow-set, so which tight rules this update removes cannot be checked against " +
                "the live group; set `pulumi config set allowDestroy true`, run `pulumi up`, then " +
                "set it back to false.",
        );
    }
    const recorded = { cloud: olds.cloud ?? "", groupId: olds.groupId, entries: olds.entries };
    if (droppedEntries(recorded, news).length === 0) {
        return;
    }
    const rules = await listLive(recorded, list, "Refusing to remove dropped allow-set entries");
    const refusal = removalRefusal(rules, recorded, news, retiring);
    if (refusal) {
        throw new Error(refusal);
    }
}
