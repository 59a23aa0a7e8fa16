// How each problem zod finds in a stack config is worded for the operator: the namespaced key, what
// is wrong (never the value, which may be a secret) and an example that fixes it.
import { z } from "zod";
import { exampleFor, formatExample, formatPath } from "./examples";
import { NAMESPACE, objectOrEmpty, validPorts } from "./fields";

/** One line per issue: `capi-mgmt-ingress:<key>: <what> (for example <key>: <value>)`. */
export function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
    return defaultedOperatorPorts(issue, raw) ?? describeKeyIssue(issue, raw);
}

/**
 * A port check failing on operator.ports when the stack does not set it: the problem is the
 * default, so the message says so (once) and names the key to set. The default stays [6443, 22]
 * rather than following protectedPorts, so that adding a protected port never admits the
 * operator to it unasked.
 */
function defaultedOperatorPorts(
    issue: z.core.$ZodIssue,
    raw: Record<string, unknown>,
): string | undefined {
    const [top, key] = issue.path;
    // Unset, operator.ports holds the default: only the protectedPorts check can fail on it.
    if (top !== "operator" || key !== "ports") {
        return undefined;
    }
    if (objectOrEmpty(raw.operator).ports !== undefined) {
        return undefined;
    }
    const ports = validPorts(raw.protectedPorts) ?? [6443, 22];
    const example = { path: ["operator", "ports"], value: ports };
    return (
        `${NAMESPACE}:operator.ports: not set, so it defaults to [6443, 22], which is not a ` +
        `subset of protectedPorts (${ports.join(", ")}); set operator.ports to the protected ` +
        `ports the operator may reach (for example ${formatExample(example)})`
    );
}

function describeKeyIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
    const path = formatPath(issue.path);
    const key = path === "" ? NAMESPACE : `${NAMESPACE}:${path}`;
    // An unknown key is fixed by removing it: no value to offer.
    const example =
        issue.code === "unrecognized_keys"
            ? undefined
            : exampleFor(issue.path as (string | number)[], raw);
    return `${key}: ${issueMessage(issue)}${example ? ` (for example ${formatExample(example)})` : ""}`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
    if (issue.code === "unrecognized_keys") {
        const keys = issue.keys.join(", ");
        return `unknown key${issue.keys.length > 1 ? "s" : ""} ${keys}; remove ${issue.keys.length > 1 ? "them" : "it"}`;
    }
    if (issue.code === "invalid_type") {
        return issue.input === undefined
            ? `is required (${issue.expected})`
            : `expected ${issue.expected}, got ${typeName(issue.input)}`;
    }
    return issue.message;
}

/** The YAML type of a value, never the value itself (it may be a secret). */
function typeName(value: unknown): string {
    if (value === null) {
        return "null (no value)";
    }
    return Array.isArray(value) ? "array" : typeof value;
}
