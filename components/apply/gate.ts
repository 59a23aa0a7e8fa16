// The read-back gate: after every tight rule is created, list the group from the Networking API
// and require each allow entry there (by Neutron key) and each declared rule (by id). The
// retirement depends on it, so the wide rules never go unless the tight ones are measured.
import * as pulumi from "@pulumi/pulumi";
import { AllowEntry, allowEntrySchema } from "../model/allowset";
import { guardDestroy } from "./destroy-guard";
import { guardRemoval } from "./removal-guard";
import { openSession, Session } from "../openstack/keystone";
import { listRules } from "../openstack/networking";
import { entryKey, NeutronRule, ruleKey, ruleShape, RuleShape } from "../model/rules";

export interface GateInputs {
    /** clouds.yaml entry ("" = OS_CLOUD or the OS_* variables of the provider's process). */
    cloud: string;
    groupId: string;
    entries: AllowEntry[];
    /** Ids of the rule resources the gate depends on. */
    ruleIds: string[];
    /** Recorded for the destroy guard, which this resource runs too (see delete); false if absent. */
    allowDestroy?: boolean;
}

/** A measured rule: its id and the fields of Neutron's duplicate key. */
export type MeasuredRule = RuleShape & { id: string };

/** One row of what the read-back did not find. */
export interface MissingRow {
    role: string;
    port: string;
    cidr: string;
    id: string;
}

export interface GateOutputs extends GateInputs {
    /** Every rule of the group as measured, sorted by id. */
    rules: MeasuredRule[];
    /** Empty after create/update (they fail otherwise); a refresh may find gaps. */
    missing: MissingRow[];
}

export interface ReadbackGateArgs {
    cloud: pulumi.Input<string>;
    groupId: pulumi.Input<string>;
    entries: pulumi.Input<AllowEntry[]>;
    ruleIds: pulumi.Input<pulumi.Input<string>[]>;
    allowDestroy: pulumi.Input<boolean>;
}

/** What the listed rules lack: entries absent by key, declared rules absent by id. Pure. */
export function findMissing(
    rules: NeutronRule[],
    groupId: string,
    entries: AllowEntry[],
    ruleIds: string[],
): MissingRow[] {
    const keys = new Set(rules.map(ruleKey));
    const ids = new Set(rules.map((r) => r.id));
    const missing: MissingRow[] = [];
    for (const entry of entries) {
        if (!keys.has(entryKey(entry, groupId))) {
            missing.push({
                role: entry.role,
                port: `${entry.port}/tcp`,
                cidr: entry.remoteIpPrefix,
                id: "-",
            });
        }
    }
    for (const id of ruleIds) {
        if (!ids.has(id)) {
            missing.push({ role: "-", port: "-", cidr: "-", id });
        }
    }
    return missing;
}

/** A fixed-width table of the missing rows, for an error a reader can act on. */
export function formatMissing(missing: MissingRow[]): string {
    const header: MissingRow = { role: "ROLE", port: "PORT", cidr: "CIDR", id: "RULE ID" };
    const rows = [header, ...missing];
    const width = (key: keyof MissingRow) => Math.max(...rows.map((r) => r[key].length));
    const widths = { role: width("role"), port: width("port"), cidr: width("cidr") };
    return rows
        .map((r) =>
            [
                r.role.padEnd(widths.role),
                r.port.padEnd(widths.port),
                r.cidr.padEnd(widths.cidr),
                r.id,
            ].join("  "),
        )
        .join("\n");
}

export function measureRules(rules: NeutronRule[]): MeasuredRule[] {
    return rules
        .map((r) => ({ id: r.id, ...ruleShape(r) }))
        .sort((a, b) => a.id.localeCompare(b.id));
}

/** Lists the group once and measures it against the inputs; `missing` says what is absent. */
export async function measureReadback(s: Session, inputs: GateInputs): Promise<GateOutputs> {
    const rules = await listRules(s, inputs.groupId);
    return {
        ...inputs,
        rules: measureRules(rules),
        missing: findMissing(rules, inputs.groupId, inputs.entries, inputs.ruleIds),
    };
}

/** The gate proper: the measured state, or an error with a table of what is missing. */
export async function readBack(s: Session, inputs: GateInputs): Promise<GateOutputs> {
    const measured = await measureReadback(s, inputs);
    if (measured.missing.length > 0) {
        const absentIds = measured.missing.filter((m) => m.id !== "-").length;
        const absentEntries = measured.missing.length - absentIds;
        throw new Error(
            `Read-back of security group ${inputs.groupId} failed: ${absentEntries} of ` +
                `${inputs.entries.length} allow entries and ${absentIds} of ${inputs.ruleIds.length} ` +
                `declared rule ids are not in GET /v2.0/security-group-rules ` +
                `(${measured.rules.length} rules listed). The wide rules stay until this passes.\n` +
                formatMissing(measured.missing),
        );
    }
    return measured;
}

/** Picks and checks the gate's inputs from what the engine hands over (which holds more). */
export function gateInputs(props: Record<string, unknown>): GateInputs {
    const { z } = require("zod") as typeof import("zod");
    const schema = z.object({
        cloud: z.string(),
        groupId: z.string().min(1),
        entries: z.array(allowEntrySchema(z)),
        ruleIds: z.array(z.string().min(1)),
        allowDestroy: z.boolean().default(false),
    });
    const result = schema.safeParse(props);
    if (!result.success) {
        throw new Error(
            `ReadbackGate inputs are not what the program declares: ${z.prettifyError(result.error)}`,
        );
    }
    return result.data;
}

/** What the gate's verdict depends on; at preview unknown values make it differ. */
function signature(inputs: Partial<GateInputs>): string {
    const entries = Array.isArray(inputs.entries)
        ? inputs.entries.map((e) => `${e.role}|${e.ethertype}|${e.port}|${e.remoteIpPrefix}`).sort()
        : inputs.entries;
    const ids = Array.isArray(inputs.ruleIds) ? [...inputs.ruleIds].sort() : inputs.ruleIds;
    // A state recorded before allowDestroy was a gate input reads as false: no spurious update.
    const allowDestroy = inputs.allowDestroy === true;
    return JSON.stringify([inputs.cloud, inputs.groupId, entries, ids, allowDestroy]);
}

async function sessionFor(inputs: GateInputs): Promise<Session> {
    return openSession({ cloud: inputs.cloud || undefined });
}

export const readbackGateProvider: pulumi.dynamic.ResourceProvider = {
    async create(props: Record<string, unknown>) {
        const inputs = gateInputs(props);
        const outs = await readBack(await sessionFor(inputs), inputs);
        return { id: `readback-${inputs.groupId}`, outs };
    },

    async diff(_id: string, olds: GateOutputs, news: GateInputs) {
        const changes = signature(olds) !== signature(news) || (olds.missing ?? []).length > 0;
        return { changes };
    },

    // Runs before the engine deletes the rules of entries this update dropped (removal-guard.ts
    // cites the engine's order): the new rules are read back, then each dropped entry's source
    // must still be admitted by another rule of the live group, unless allowDestroy approves.
    async update(_id: string, olds: GateOutputs, news: Record<string, unknown>) {
        const inputs = gateInputs(news);
        const session = await sessionFor(inputs);
        const outs = await readBack(session, inputs);
        const sameCloud = (olds.cloud ?? "") === inputs.cloud;
        await guardRemoval(olds, inputs, sameCloud ? (g) => listRules(session, g) : undefined);
        return { outs };
    },

    // A refresh records gaps instead of failing; the next diff then re-runs the gate.
    async read(id: string, props: Record<string, unknown>) {
        const inputs = gateInputs(props);
        return { id, props: await measureReadback(await sessionFor(inputs), inputs) };
    },

    // The same live guard as the retirement's delete: the gate is recorded before the retirement
    // runs, so a run that died inside the retirement (nothing of it recorded) is still guarded.
    async delete(_id: string, props: GateOutputs) {
        await guardDestroy(props);
    },
};

export class ReadbackGate extends pulumi.dynamic.Resource {
    declare readonly rules: pulumi.Output<MeasuredRule[]>;
    declare readonly groupId: pulumi.Output<string>;

    constructor(name: string, args: ReadbackGateArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            readbackGateProvider,
            name,
            { ...args, rules: undefined, missing: undefined },
            opts,
            "gate",
            "ReadbackGate",
        );
    }
}
