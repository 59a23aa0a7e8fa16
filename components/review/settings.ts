// A stack's settings as `key.path = value` rows for a reviewer. Custom checks appear by name:
// their command lines (and any field but the expectation and the timeout) may carry credentials,
// so they are compared but never shown.
import { retireSelectors, StackConfig } from "../config/schema";
import { DEFAULT_API_PORT } from "../config/fields";
import { CREDENTIAL_NAME as SECRET_KEY } from "../config/values";
import { maskSecrets } from "../mask";

export interface SettingRow {
    key: string;
    /** What the review prints. */
    value: string;
    /** What changes are judged on; never printed (a hidden command compares by its text). */
    compare: string;
    /** The row of an empty list (value NONE); a list of objects has no row once it has entries. */
    emptyList?: true;
}

/** One key whose rows differ; a side without the row does not have the key. */
export interface SettingDifference {
    key: string;
    left?: SettingRow;
    right?: SettingRow;
}

const SHOWN_CHECK_KEYS = new Set(["expect", "timeoutSeconds"]);

/**
 * Lists of values whose order the program never uses, by key path (`[]` for any index): the
 * allow-set is derived per source and port (components/model/allowset.ts), subnets and routers
 * are looked up each (discovery.ts), the approval compares target ids as a set (approval.ts).
 * They compare sorted, shown as written. acceptedExposure is not one: the first entry naming a
 * rule gives the reason shown (plan/exposure.ts). verify.custom rows are keyed by check name.
 */
const SET_LISTS = new Set([
    "protectedPorts",
    "operator.cidrs",
    "operator.ports",
    "hairpin.subnets",
    "hairpin.routers",
    "hairpin.ports",
    "conductors.static.addresses",
    "retire[].ports",
    "approvedRetirement.targets",
]);
export const HIDDEN = "(not shown)";
export const NONE = "(none)";

// A key named like a credential (SECRET_KEY): its value, even under a key the schema refuses, is
// compared but never shown, since the review renders the file before it validates.

/**
 * Flattened rows, secrets masked; a custom check's hidden fields and a key named like a
 * credential are rows with value HIDDEN.
 */
export function flattenSettings(values: unknown): SettingRow[] {
    const rows: SettingRow[] = [];
    const push = (key: string, value: string, compare = value) =>
        rows.push({ key, value, compare });
    const pushEmpty = (key: string) =>
        rows.push({ key, value: NONE, compare: NONE, emptyList: true });
    const walk = (value: unknown, path: string): void => {
        if (SECRET_KEY.test(path.slice(path.lastIndexOf(".") + 1)) && value !== undefined) {
            push(path, HIDDEN, JSON.stringify(value) ?? "");
        } else if (Array.isArray(value) && value.length === 0) {
            pushEmpty(path);
        } else if (path === "verify.custom" && Array.isArray(value)) {
            value.forEach((check, i) => walkCheck(check, i));
        } else if (Array.isArray(value) && value.every((v) => typeof v !== "object")) {
            const shown = value.map((v) => maskSecrets(String(v)));
            const unordered = SET_LISTS.has(path.replace(/\[\d+\]/g, "[]"));
            push(path, shown.join(", "), (unordered ? [...shown].sort() : shown).join(", "));
        } else if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, `${path}[${i}]`));
        } else if (value !== null && typeof value === "object") {
            for (const [key, child] of Object.entries(value)) {
                walk(child, path ? `${path}.${key}` : key);
            }
        } else if (value !== undefined) {
            push(path, maskSecrets(value === "" ? "(empty)" : String(value)));
        }
    };
    const walkCheck = (check: unknown, i: number): void => {
        const fields = (check ?? {}) as Record<string, unknown>;
        const name = typeof fields.name === "string" ? fields.name : `#${i}`;
        const path = `verify.custom[${name}]`;
        for (const [key, child] of Object.entries(fields)) {
            if (key === "name") {
                continue;
            }
            if (SHOWN_CHECK_KEYS.has(key)) {
                walk(child, `${path}.${key}`);
            } else {
                push(`${path}.${key}`, HIDDEN, JSON.stringify(child) ?? "");
            }
        }
    };
    walk(values, "");
    return rows;
}

/** hairpin.ports when unset and the API's port comes from the kubeconfig. */
export const API_PORT = "(the API's port, from the kubeconfig)";

/**
 * The settings the program uses, as rows: the stack's values after the schema's defaults, and the
 * defaults the program applies itself: api.port with api.address (components/discover/discovery.ts),
 * hairpin.ports (the API's port, components/plan/plan.ts) and the retire selectors
 * (retireSelectors). With api.fromKubeconfig the API's port is only known at preview.
 */
export function effectiveSettings(config: StackConfig): SettingRow[] {
    const apiPort =
        config.api.address === undefined ? undefined : (config.api.port ?? DEFAULT_API_PORT);
    return flattenSettings({
        ...config,
        api: apiPort === undefined ? config.api : { ...config.api, port: apiPort },
        hairpin: {
            ...config.hairpin,
            cidrs: inSetOrder(config.hairpin.cidrs),
            ports: config.hairpin.ports ?? (apiPort === undefined ? API_PORT : [apiPort]),
        },
        retire: inSetOrder(retireSelectors(config)),
        // Keyed by canonical CIDR (allowset.ts), each listed once (fields.ts uniqueNetworks).
        waivers: inSetOrder(config.waivers),
    });
}

/**
 * A list of entries whose order the program never uses (each a source, waiver or retire
 * selector on its own), in one order for both sides of a comparison: by content.
 */
function inSetOrder<T>(entries: T[]): T[] {
    const text = (e: T) => JSON.stringify(e);
    return [...entries].sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

/**
 * The keys whose rows differ, sorted. An empty list against a list with entries is no row of its
 * own: the entries' rows (unset on the empty side) say what differs.
 */
export function differingSettings(left: SettingRow[], right: SettingRow[]): SettingDifference[] {
    const l = new Map(left.map((r) => [r.key, r]));
    const r = new Map(right.map((row) => [row.key, row]));
    const hasEntries = (rows: Map<string, SettingRow>, key: string) =>
        [...rows.keys()].some((k) => k.startsWith(`${key}[`) || k.startsWith(`${key}.`));
    return [...new Set([...l.keys(), ...r.keys()])].sort().flatMap((key) => {
        const [a, b] = [l.get(key), r.get(key)];
        if (a && b) {
            return a.compare === b.compare ? [] : [{ key, left: a, right: b }];
        }
        const only = (a ?? b)!;
        return only.emptyList && hasEntries(a ? r : l, key) ? [] : [{ key, left: a, right: b }];
    });
}
