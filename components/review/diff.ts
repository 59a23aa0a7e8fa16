// Base against head for one stack: the settings a change adds, removes or changes, the allow-set
// rows it gains and loses (with provenance), its retire selectors and, live, its retire targets
// and their digest. Pure: both sides' config values and measurements are handed in.
import { AllowEntry } from "../model/allowset";
import { parseStackConfig, retireSelectors, StackConfig } from "../config/schema";
import { DEFAULT_API_PORT } from "../config/fields";
import { configuredSources, Discovered, Plan, planIngress } from "../plan/plan";
import { judgeApproval } from "../plan/approval";
import { differingSettings, effectiveSettings, flattenSettings, SettingRow } from "./settings";
import { maskSecrets } from "../mask";
import { describeExposure, Ethertype } from "../model/exposure";
import { nothingMeasured } from "../discover/exposure";
import { driftRows, previewRefusals } from "./verdict";

export type StackStatus = "added" | "deleted" | "modified" | "unchanged";

export interface SideInput {
    /** The stack file's values (namespace removed); undefined when the file is absent. */
    raw?: Record<string, unknown>;
    /** With --live: what discovery measured for this side. */
    found?: Discovered;
    /** Why this side could not be read or measured. */
    error?: string;
}

export interface SettingChange {
    key: string;
    change: "added" | "removed" | "changed";
    base?: string;
    head?: string;
}

export interface AllowChange {
    change: "gained" | "lost";
    role: string;
    port: number;
    source: string;
    provenance: string;
}

export interface SelectorChange {
    change: "gained" | "lost";
    remote: string;
    ports: number[];
}

export interface ExposureChange {
    port: number;
    ethertype: Ethertype;
    base: string;
    head: string;
}

export interface TargetRow {
    id: string;
    admits: string;
}

export interface RetirementSide {
    targets: TargetRow[];
    /** Undefined when there is nothing to retire. */
    digest?: string;
    /** What `up` would do with this side's approvedRetirement. */
    approval: "approved" | "not approved" | "nothing to retire" | "spent";
}

export interface StackDiff {
    stack: string;
    status: StackStatus;
    /** configured: from the stack files alone (measured sources need --live); live: measured. */
    scope: "configured" | "live";
    problems: string[];
    settings: SettingChange[];
    allowSet: AllowChange[];
    retireSelectors: SelectorChange[];
    /** Live only: the retire targets each side would delete, and their digests. */
    retirement?: { base?: RetirementSide; head?: RetirementSide };
    /**
     * Live only (null without a measurement): what the API's port admits once `up` has applied
     * each side, per protected port and family, where the two sides differ.
     */
    exposure: ExposureChange[] | null;
    /**
     * Live only, when the head has a plan: what `review --stack <env> --live` would say of the
     * head as measured (components/review/verdict.ts); either list non-empty is a finding.
     */
    verdict?: { refusals: string[]; drift: { id: string; reason: string }[] };
    notes: string[];
}

interface Side {
    config?: StackConfig;
    plan?: Plan;
    found?: Discovered;
}

/** One stack's review of a change; `live` says both sides carry a measurement. */
export function diffStack(
    stack: string,
    base: SideInput,
    head: SideInput,
    live: boolean,
): StackDiff {
    const problems: string[] = [];
    const b = evaluateSide("base", base, live, problems);
    const h = evaluateSide("head", head, live, problems);
    // A file that could not be read is still there: its stack is neither added nor deleted.
    const unreadable = (side: SideInput) => side.raw === undefined && side.error !== undefined;
    const status: StackStatus =
        base.raw === undefined && !unreadable(base)
            ? "added"
            : head.raw === undefined && !unreadable(head)
              ? "deleted"
              : unreadable(base) || unreadable(head)
                ? "modified"
                : JSON.stringify(base.raw) === JSON.stringify(head.raw)
                  ? "unchanged"
                  : "modified";
    const notes: string[] = [];
    if (live) {
        notes.push(
            "Effective exposure from every security group on the API's port as measured, with " +
                "each side applied (remote groups and address groups resolved).",
        );
    } else {
        // NOT_READ is said once, where the exposure would be (diff-markdown.ts).
        notes.push(
            "Allow-set rows from the stack files alone: conductors measured through Juju and " +
                "hairpin subnets and routers are derived at preview (run with --live to include them).",
        );
    }
    return {
        stack,
        status,
        scope: live ? "live" : "configured",
        problems,
        settings: diffSettings(base.raw, head.raw),
        allowSet: diffAllowSets(b.plan?.allowSet ?? [], h.plan?.allowSet ?? []),
        retireSelectors: diffSelectors(b.config, h.config),
        retirement: live ? { base: retirementSide(b), head: retirementSide(h) } : undefined,
        exposure: live ? diffExposure(b, h) : null,
        verdict:
            live && h.config && h.plan
                ? {
                      refusals: previewRefusals(h.config, h.plan),
                      drift: driftRows(h.config, h.plan).drift,
                  }
                : undefined,
        notes,
    };
}

function evaluateSide(which: string, input: SideInput, live: boolean, problems: string[]): Side {
    if (input.error) {
        problems.push(`${which}: ${input.error}`);
    }
    if (input.raw === undefined) {
        return {};
    }
    let config: StackConfig;
    try {
        config = parseStackConfig(input.raw);
    } catch (err) {
        problems.push(`${which}: ${message(err)}`);
        return {};
    }
    if (live && !input.found) {
        return { config };
    }
    try {
        const plan = planIngress(config, input.found ?? configuredOnly(config));
        plan.allowSet = plan.allowSet.filter((e) => !e.provenance.includes(MEASURED_AT_PREVIEW));
        return { config, plan, found: input.found };
    } catch (err) {
        problems.push(`${which}: ${message(err)}`);
        return { config };
    }
}

// Conductors measured through Juju are unknown without --live; the derivation refuses an empty
// conductor set (it would lock Magnum out), so a stand-in takes their place and its row is dropped.
const MEASURED_AT_PREVIEW = "conductors measured through Juju at preview";

/** What the stack file alone says: static conductors and configured hairpin CIDRs, no rules. */
export function configuredOnly(config: StackConfig): Discovered {
    const sources = configuredSources(config);
    if (config.conductors.juju) {
        sources.conductors.push({ source: "192.0.2.1", provenance: MEASURED_AT_PREVIEW });
    }
    return {
        group: { id: "", name: "" },
        api: { address: config.api.address ?? "", ...apiPortWithoutLookups(config) },
        apiPorts: [],
        exposure: nothingMeasured(),
        conductors: sources.conductors,
        hairpin: sources.hairpin,
        rules: [],
        warnings: [],
    };
}

/**
 * The API's port as the stack file alone gives it. With api.fromKubeconfig the port is read from
 * the kubeconfig at preview (discovery), so here it is the one the stack implies: hairpin.ports
 * (the API's port alone, crossfield.ts), else 6443 if protected, else the first protected port
 * other than SSH's; the preview checks the real one against protectedPorts and hairpin.ports.
 */
export function apiPortWithoutLookups(config: StackConfig): { port: number; provenance: string } {
    if (config.api.fromKubeconfig === undefined) {
        return { port: config.api.port ?? DEFAULT_API_PORT, provenance: "config" };
    }
    const candidates = config.hairpin.ports ?? config.protectedPorts.filter((p) => p !== 22);
    return {
        port: candidates.includes(DEFAULT_API_PORT)
            ? DEFAULT_API_PORT
            : (candidates[0] ?? DEFAULT_API_PORT),
        provenance: "assumed from the stack: the kubeconfig is read at preview",
    };
}

/**
 * Keys added, removed or changed between two stack files' values; hidden values stay hidden. When
 * both sides validate (or are absent), their effective settings are compared (settings.ts
 * effectiveSettings), so stating a default, or an empty list for an absent one, changes nothing;
 * a value only the default gives is shown as `<value> (default)`. Otherwise the files' own rows
 * are compared (the side that does not validate is reported as a problem).
 */
export function diffSettings(
    base: Record<string, unknown> | undefined,
    head: Record<string, unknown> | undefined,
): SettingChange[] {
    const [b, h] = [effectiveOf(base), effectiveOf(head)];
    const [before, after] =
        b && h ? [b, h] : [flattenSettings(base ?? {}), flattenSettings(head ?? {})];
    return differingSettings(before, after).map(({ key, left, right }): SettingChange => {
        if (left && right) {
            return { key, change: "changed", base: left.value, head: right.value };
        }
        return left
            ? { key, change: "removed", base: left.value }
            : { key, change: "added", head: right!.value };
    });
}

/** A stack file's effective settings, defaults marked; undefined when it does not validate. */
function effectiveOf(raw: Record<string, unknown> | undefined): SettingRow[] | undefined {
    if (raw === undefined) {
        return [];
    }
    let config: StackConfig;
    try {
        config = parseStackConfig(raw);
    } catch {
        return undefined;
    }
    const stated = flattenSettings(raw).map((r) => r.key);
    // A row is stated when the file has its key or a key above it (a string the schema turns
    // into an object: approvedRetirement).
    const isStated = (key: string) => stated.some((k) => k === key || within(key, k));
    return effectiveSettings(config).map((row) =>
        isStated(row.key) ? row : { ...row, value: `${row.value} (default)` },
    );
}

/** Whether `key` is a part of `parent` (`parent.x`, `parent[x]`). */
function within(key: string, parent: string): boolean {
    return key.startsWith(`${parent}.`) || key.startsWith(`${parent}[`);
}

/** Rows gained and lost, by port and source; a source whose role changes is lost and gained. */
export function diffAllowSets(base: AllowEntry[], head: AllowEntry[]): AllowChange[] {
    const key = (e: AllowEntry) => `${e.role} ${e.port} ${e.remoteIpPrefix}`;
    const before = new Set(base.map(key));
    const after = new Set(head.map(key));
    const row = (change: AllowChange["change"], e: AllowEntry): AllowChange => ({
        change,
        role: e.role,
        port: e.port,
        source: e.remoteIpPrefix,
        // Provenance quotes the stack's reasons: free text, masked like the settings.
        provenance: maskSecrets(e.provenance.join("; ")),
    });
    return [
        ...base.filter((e) => !after.has(key(e))).map((e) => row("lost", e)),
        ...head.filter((e) => !before.has(key(e))).map((e) => row("gained", e)),
    ];
}

function diffSelectors(base?: StackConfig, head?: StackConfig): SelectorChange[] {
    const list = (c?: StackConfig) => (c ? retireSelectors(c) : []);
    const key = (s: { remote: string; ports: number[] }) =>
        `${s.remote} ${[...s.ports].sort((x, y) => x - y)}`;
    const before = list(base);
    const after = list(head);
    const beforeKeys = new Set(before.map(key));
    const afterKeys = new Set(after.map(key));
    return [
        ...before
            .filter((s) => !afterKeys.has(key(s)))
            .map((s) => ({ change: "lost" as const, ...s })),
        ...after
            .filter((s) => !beforeKeys.has(key(s)))
            .map((s) => ({ change: "gained" as const, ...s })),
    ];
}

/**
 * The exposure each side leaves once applied: every rule of every group on the API's port as
 * measured, with the side's allow-set added and its retire targets removed, remote groups and
 * address groups resolved (the plan's own "after", components/plan/exposure.ts).
 */
function diffExposure(base: Side, head: Side): ExposureChange[] {
    const after = (side: Side) => side.plan?.exposure.after.ports;
    const [b, h] = [after(base), after(head)];
    const keys = [...new Set([...(b ?? []), ...(h ?? [])].map((p) => `${p.port}|${p.ethertype}`))];
    return keys.flatMap((key) => {
        const [port, ethertype] = [Number(key.split("|")[0]), key.split("|")[1] as Ethertype];
        const describe = (ports?: typeof b) => {
            const found = ports?.find((p) => p.port === port && p.ethertype === ethertype);
            return ports === undefined
                ? "(no stack)"
                : describeExposure(found?.parts ?? [], ethertype);
        };
        const [before, now] = [describe(b), describe(h)];
        return before === now ? [] : [{ port, ethertype, base: before, head: now }];
    });
}

function retirementSide(side: Side): RetirementSide | undefined {
    if (!side.config || !side.plan) {
        return undefined;
    }
    const { plan, config } = side;
    const verdict = judgeApproval(plan.groupId, plan.retireTargets, config.approvedRetirement);
    return {
        targets: plan.retireTargets.map((t) => ({ id: t.id, admits: t.admits })),
        digest: verdict.status === "nothing-to-retire" ? undefined : verdict.digest,
        approval:
            verdict.status === "approved"
                ? "approved"
                : verdict.status === "refused"
                  ? "not approved"
                  : verdict.note
                    ? "spent"
                    : "nothing to retire",
    };
}

function message(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
