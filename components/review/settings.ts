// A stack's settings as `key.path = value` rows for a reviewer. Custom checks appear by name:
// their command lines (and any field but the expectation and the timeout) may carry credentials,
// so they are compared but never shown.
export interface SettingRow {
    key: string;
    /** What the review prints. */
    value: string;
    /** What changes are judged on; never printed (a hidden command compares by its text). */
    compare: string;
}

const SHOWN_CHECK_KEYS = new Set(["expect", "timeoutSeconds"]);
export const HIDDEN = "(not shown)";

// A key named like a credential (no key of the schema is): its value, even under a key the
// schema refuses, is compared but never shown, since the review renders the file before it validates.
const SECRET_KEY = /passw(or)?d|secret|token|credential|api[-_]?key|private[-_]?key/i;

/**
 * Flattened rows, secrets masked; a custom check's hidden fields and a key named like a
 * credential are rows with value HIDDEN.
 */
export function flattenSettings(values: unknown): SettingRow[] {
    const rows: SettingRow[] = [];
    const push = (key: string, value: string, compare = value) =>
        rows.push({ key, value, compare });
    const walk = (value: unknown, path: string): void => {
        if (SECRET_KEY.test(path.slice(path.lastIndexOf(".") + 1)) && value !== undefined) {
            push(path, HIDDEN, JSON.stringify(value) ?? "");
        } else if (path === "verify.custom" && Array.isArray(value)) {
            value.forEach((check, i) => walkCheck(check, i));
            if (value.length === 0) {
                push(path, "(none)");
            }
        } else if (Array.isArray(value) && value.every((v) => typeof v !== "object")) {
            push(
                path,
                value.length ? value.map((v) => maskSecrets(String(v))).join(", ") : "(none)",
            );
        } else if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, `${path}[${i}]`));
            if (value.length === 0) {
                push(path, "(none)");
            }
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

/** Hides what looks like a credential in free text. */
export function maskSecrets(text: string): string {
    return text
        .replace(/(bearer\s+)[^\s"']+/gi, "$1****")
        .replace(
            /((?:password|secret|token|api[-_]?key)[=:\s]+)("[^"]*"|'[^']*'|[^\s"']+)/gi,
            "$1****",
        )
        .replace(/(:\/\/[^/\s:@]+:)[^/\s@]+@/g, "$1****@");
}
