// The retirement of the wide rules: deletes exactly the targets measured (and shown) at preview,
// by id, after re-reading each one's shape and re-checking that every allow entry is in the
// group. It depends on the read-back gate, so it runs only after the tight rules are measured.
import * as pulumi from "@pulumi/pulumi";
import { AllowEntry, allowEntrySchema } from "../model/allowset";
import { guardDestroy } from "./destroy-guard";
import { droppedEntries, guardRemoval } from "./removal-guard";
import { findMissing, formatMissing } from "./gate";
import { openSession, Session } from "../openstack/keystone";
import { deleteRule, getRule, listRules } from "../openstack/networking";
import type { RetireTarget as PlannedTarget } from "../plan/plan";
import { entryKey, ruleKey, ruleShape, RuleShape, sameShape } from "../model/rules";

/** A target as the preview showed it: its id and shape (what it admits is for reviewers). */
export type RetireTarget = Pick<PlannedTarget, "id" | "shape">;

export interface RetiredRule extends RetireTarget {
    outcome: "deleted" | "already-gone";
}

export interface RetirementInputs {
    /** clouds.yaml entry ("" = OS_CLOUD or the OS_* variables of the provider's process). */
    cloud: string;
    groupId: string;
    /** The allow-set: each entry must still be in the group when the wide rules go. */
    entries: AllowEntry[];
    targets: RetireTarget[];
    allowDestroy: boolean;
    /** The gate's measured rule count: only there to order the retirement after the gate. */
    readbackRuleCount: number;
}

export interface RetirementOutputs extends RetirementInputs {
    /** Every rule this resource retired, across updates (for reviewers; destroy lists live). */
    retired: RetiredRule[];
}

export interface WideRuleRetirementArgs {
    cloud: pulumi.Input<string>;
    groupId: pulumi.Input<string>;
    entries: pulumi.Input<AllowEntry[]>;
    targets: pulumi.Input<RetireTarget[]>;
    allowDestroy: pulumi.Input<boolean>;
    readbackRuleCount: pulumi.Input<number>;
}

/** Thrown after some rules were deleted, so the engine records them (ErrorResourceInitFailed). */
interface PartialFailure extends Error {
    retired: RetiredRule[];
}

function describeShape(shape: RuleShape): string {
    const ports =
        shape.portRangeMin === null && shape.portRangeMax === null
            ? "all ports"
            : shape.portRangeMin === shape.portRangeMax
              ? `${shape.portRangeMin}`
              : `${shape.portRangeMin}-${shape.portRangeMax}`;
    const remote = shape.remoteGroupId
        ? `group ${shape.remoteGroupId}`
        : (shape.remoteIpPrefix ?? "(any)");
    return `${shape.direction} ${shape.ethertype} ${shape.protocol ?? "any"} ${ports} from ${remote}`;
}

/**
 * Retires the targets: one list (the allow-set must be there), one GET per target (gone = done;
 * another group or another shape = refuse, before anything is deleted), one DELETE per target,
 * then one list to confirm they are absent. Never touches a rule outside `targets`.
 */
export async function retireRules(
    s: Session,
    groupId: string,
    entries: AllowEntry[],
    targets: RetireTarget[],
): Promise<RetiredRule[]> {
    if (targets.length === 0) {
        return [];
    }
    const before = await listRules(s, groupId);
    const missing = findMissing(before, groupId, entries, []);
    if (missing.length > 0) {
        throw new Error(
            `Refusing to retire ${targets.length} wide rule(s) of group ${groupId}: the allow-set is ` +
                `not all in GET /v2.0/security-group-rules any more, and retiring now would lock ` +
                `these sources out:\n${formatMissing(missing)}`,
        );
    }
    const allowKeys = new Set(entries.map((e) => entryKey(e, groupId)));
    const refusals: string[] = [];
    const present: RetireTarget[] = [];
    const retired: RetiredRule[] = [];
    for (const target of targets) {
        const rule = await getRule(s, target.id);
        if (rule === null) {
            retired.push({ ...target, outcome: "already-gone" });
        } else if (rule.security_group_id !== groupId) {
            refusals.push(
                `${target.id}: preview showed it in group ${groupId}, it is in group ${rule.security_group_id}`,
            );
        } else if (!sameShape(ruleShape(rule), target.shape)) {
            refusals.push(
                `${target.id}: preview showed ${describeShape(target.shape)}, ` +
                    `GET /v2.0/security-group-rules/${target.id} shows ${describeShape(ruleShape(rule))}`,
            );
        } else if (allowKeys.has(ruleKey(rule))) {
            refusals.push(`${target.id}: it is the allow-set's own rule ${ruleKey(rule)}`);
        } else {
            present.push(target);
        }
    }
    if (refusals.length > 0) {
        throw new Error(
            `Refusing to retire any wide rule of group ${groupId}: what is there is not what the ` +
                `preview showed; run the preview again.\n${refusals.map((r) => `  - ${r}`).join("\n")}`,
        );
    }
    for (const target of present) {
        try {
            retired.push({ ...target, outcome: await deleteRule(s, target.id) });
        } catch (err) {
            const failure = new Error(
                `Retiring rule ${target.id} (${describeShape(target.shape)}) of group ${groupId} failed ` +
                    `after ${retired.length} of ${targets.length} were retired; run the update again: ` +
                    (err instanceof Error ? err.message : String(err)),
            ) as PartialFailure;
            failure.retired = retired;
            throw failure;
        }
    }
    const after = await listRules(s, groupId);
    const remaining = after.filter((r) => targets.some((t) => t.id === r.id));
    if (remaining.length > 0) {
        const failure = new Error(
            `The retirement of group ${groupId} did not take: DELETE succeeded but ` +
                `GET /v2.0/security-group-rules still lists ${remaining.map((r) => r.id).join(", ")}`,
        ) as PartialFailure;
        failure.retired = retired.filter((r) => !remaining.some((x) => x.id === r.id));
        throw failure;
    }
    return retired;
}

/** Picks and checks the retirement's inputs from what the engine hands over. */
export function retirementInputs(props: Record<string, unknown>): RetirementInputs {
    const { z } = require("zod") as typeof import("zod");
    const nullableText = z.string().nullable();
    const nullableInt = z.number().int().nullable();
    const schema = z.object({
        cloud: z.string(),
        groupId: z.string().min(1),
        entries: z.array(allowEntrySchema(z)),
        targets: z.array(
            z.object({
                id: z.string().min(1),
                shape: z.object({
                    direction: z.string(),
                    ethertype: z.string(),
                    protocol: nullableText,
                    portRangeMin: nullableInt,
                    portRangeMax: nullableInt,
                    remoteIpPrefix: nullableText,
                    remoteGroupId: nullableText,
                }),
            }),
        ),
        allowDestroy: z.boolean(),
        readbackRuleCount: z.number().int(),
    });
    const result = schema.safeParse(props);
    if (!result.success) {
        throw new Error(
            `WideRuleRetirement inputs are not what the program declares: ${z.prettifyError(result.error)}`,
        );
    }
    return result.data;
}

/** Keeps the latest outcome per id, so a rule retired twice is listed once. */
function mergeRetired(earlier: RetiredRule[], now: RetiredRule[]): RetiredRule[] {
    const byId = new Map(earlier.map((r) => [r.id, r]));
    for (const r of now) {
        if (!byId.has(r.id) || r.outcome === "deleted") {
            byId.set(r.id, r);
        }
    }
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Runs the retirement; after a partial failure it throws with the engine's init-failure fields,
 * so the rules already deleted are recorded in the state (and the destroy guard sees them).
 */
async function retireAndRecord(
    id: string,
    props: Record<string, unknown>,
    earlier: RetiredRule[],
): Promise<RetirementOutputs> {
    const inputs = retirementInputs(props);
    const session = await openSession({ cloud: inputs.cloud || undefined });
    try {
        const now = await retireRules(session, inputs.groupId, inputs.entries, inputs.targets);
        return { ...inputs, retired: mergeRetired(earlier, now) };
    } catch (err) {
        const partial = (err as Partial<PartialFailure>).retired;
        if (err instanceof Error && partial && partial.length > 0) {
            Object.assign(err, {
                id,
                properties: {
                    ...inputs,
                    retired: mergeRetired(earlier, partial),
                    __provider: props.__provider,
                },
                reasons: [err.message],
            });
        }
        throw err;
    }
}

// An update that drops entries re-runs the removal guard here even with no target: if this update
// refused before while the gate's passed, the gate's state no longer holds the dropped entries.
function dropsEntries(olds: RetirementOutputs, news: RetirementInputs): boolean {
    return (
        !Array.isArray(olds.entries) ||
        !Array.isArray(news.entries) ||
        droppedEntries(olds, news).length > 0
    );
}

export const wideRuleRetirementProvider: pulumi.dynamic.ResourceProvider = {
    async create(props: Record<string, unknown>) {
        const id = `retirement-${String(props.groupId)}`;
        return { id, outs: await retireAndRecord(id, props, []) };
    },

    // Any target is a change, so a wide rule that reappears shows up in the next preview.
    async diff(_id: string, olds: RetirementOutputs, news: RetirementInputs) {
        const changes =
            !Array.isArray(news.targets) ||
            news.targets.length > 0 ||
            olds.allowDestroy !== news.allowDestroy ||
            olds.groupId !== news.groupId ||
            olds.cloud !== news.cloud ||
            dropsEntries(olds, news);
        return { changes };
    },

    // A wide rule retired here may be what let the gate pass an entry this update drops.
    async update(id: string, olds: RetirementOutputs, news: Record<string, unknown>) {
        const inputs = retirementInputs(news);
        const retiring = inputs.targets.map((t) => t.id);
        await guardRemoval(olds, inputs, undefined, retiring);
        return { outs: await retireAndRecord(id, news, olds.retired ?? []) };
    },

    // Decided from the live group, whatever `retired` holds: an adoption by hand, or a run that
    // died between a DELETE and recording it, leaves `retired` empty with the wide rules gone.
    async delete(_id: string, props: RetirementOutputs) {
        await guardDestroy(props);
    },
};

export class WideRuleRetirement extends pulumi.dynamic.Resource {
    declare readonly retired: pulumi.Output<RetiredRule[]>;

    constructor(name: string, args: WideRuleRetirementArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            wideRuleRetirementProvider,
            name,
            { ...args, retired: undefined },
            opts,
            "retirement",
            "WideRuleRetirement",
        );
    }
}
