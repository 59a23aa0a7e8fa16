// A Networking API answer read through its schema (zod at the boundary). An answer that does not
// fit is refused naming the request (method, path and endpoint, masked as every endpoint text
// is), what was expected, and which item and field failed and how, by type only: an answer's
// values (a description, a name) may hold what must not be printed (safety invariant 5).
//
// Dynamic providers capture this module by value: free functions and plain data only; schemas are
// built by the caller inside its function and passed in.
import type { output, ZodType } from "zod";
import { maskSecrets } from "../mask";
import type { Session } from "./keystone";

/** Where an answer came from and how its fields are named in an error. */
export interface AnswerPlace {
    /** `GET /v2.0/ports?… on <endpoint>`, from {@link requestText}. */
    request: string;
    /** The answer's key the data sat under: `ports` for a listing, `port` for one resource; ""
     * when the data is the whole answer. */
    root: string;
    /** The data is one resource checked as a list of one: its index is not named. */
    single?: boolean;
}

/** How many failing fields an error names; the rest are counted. */
const SHOWN_ISSUES = 3;

/** `GET /v2.0/ports?… on <endpoint>`, masked: a query or an endpoint may carry a credential. */
export function requestText(s: Session, method: string, path: string): string {
    return `${method} ${maskSecrets(path)} on ${maskSecrets(s.networkUrl)}`;
}

/**
 * `data` as `schema` reads it. Throws an Error "<request>: expected <expected>; the answer
 * differs at <root>[i].field: expected string, got a number; …" (at most three fields, then how
 * many more), never a value.
 */
export function parseAnswer<S extends ZodType>(
    schema: S,
    data: unknown,
    place: AnswerPlace,
    expected: string,
): output<S> {
    const result = schema.safeParse(data);
    if (result.success) {
        return result.data;
    }
    const issues = result.error.issues;
    const shown = issues.slice(0, SHOWN_ISSUES).map((issue) => {
        const path = place.single ? issue.path.slice(1) : issue.path;
        const at = fieldPath(place.root, path as PropertyKey[]);
        const got = typeOf(valueAt(data, issue.path as PropertyKey[]));
        switch (issue.code) {
            case "invalid_type":
                return `${at}: expected ${issue.expected}, got ${got}`;
            case "invalid_value":
                return `${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got another ${got.replace(/^an? /, "")}`;
            case "unrecognized_keys":
                return `${at}: unexpected keys ${issue.keys.join(", ")}`;
            default:
                return `${at}: ${issue.code.replace(/_/g, " ")}`;
        }
    });
    const more = issues.length > SHOWN_ISSUES ? `; and ${issues.length - SHOWN_ISSUES} more` : "";
    throw new Error(
        `${place.request}: expected ${expected}; the answer differs at ${shown.join("; ")}${more}`,
    );
}

/** The kind of a value, never the value: `a string`, `a number`, `null`, `nothing`, … */
export function typeOf(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    if (typeof value === "number") {
        return Number.isInteger(value) ? "an integer" : "a fraction";
    }
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** `ports[3].fixed_ips[0].ip_address`. */
function fieldPath(root: string, path: PropertyKey[]): string {
    return path.reduce<string>(
        (text, part) =>
            typeof part === "number"
                ? `${text}[${part}]`
                : text === ""
                  ? String(part)
                  : `${text}.${String(part)}`,
        root,
    );
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
    let value = data;
    for (const part of path) {
        if (typeof value !== "object" || value === null) {
            return undefined;
        }
        value = (value as Record<PropertyKey, unknown>)[part];
    }
    return value;
}
