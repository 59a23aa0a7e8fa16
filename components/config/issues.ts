// How each problem zod finds in a stack config is worded for the operator: the namespaced key, what
// is wrong (never the value, which may be a secret) and an example that fixes it.
import { z } from "zod";
import { keyShown } from "../yaml-keys";
import { exampleFor, formatExample, formatPath } from "./examples";
import { NAMESPACE, objectOrEmpty, validPorts } from "./fields";
import { CREDENTIAL_NAME } from "./values";

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
    // An unknown key or a duplicate entry is fixed by removing it: no value to offer.
    const example =
        issue.code === "unrecognized_keys" || (issue.code === "custom" && issue.params?.duplicate)
            ? undefined
            : exampleFor(issue.path as (string | number)[], raw);
    return `${key}: ${issueMessage(issue)}${example ? ` (for example ${formatExample(example)})` : ""}`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
    if (issue.code === "unrecognized_keys") {
        // A key may be a value typed where a key goes (a password): shown only if it reads as a name.
        const keys = issue.keys.map(keyShown).join(", ");
        // A value under a credential's name is in the file for anyone who reads it.
        const credentials = issue.keys.filter((k) => CREDENTIAL_NAME.test(k)).map(keyShown);
        const rotate =
            credentials.length > 0
                ? `; ${credentials.join(", ")} ${credentials.length > 1 ? "are" : "is"} named like a credential: no key here takes one (a custom check's goes in its env as a Pulumi secret); rotate it if the file was ever shared`
                : "";
        return `unknown key${issue.keys.length > 1 ? "s" : ""} ${keys}; remove ${issue.keys.length > 1 ? "them" : "it"}${rotate}`;
    }
    if (issue.code === "invalid_type") {
        return issue.input === undefined
            ? `is required (${issue.expected})`
            : `expected ${issue.expected}, got ${typeName(issue.input)}`;
    }
    if (issue.code === "invalid_union") {
        return unionMessage(issue);
    }
    return issue.message;
}

/**
 * A value that fits no form of a key taking several (approvedRetirement: a digest, or
 * `{digest, targets}`): the problems of the form the value has, else the forms expected.
 */
function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
    // A form refusing the value's type says so in its one issue, at the value itself.
    const typeOf = (branch: z.core.$ZodIssue[]) =>
        branch[0].code === "invalid_type" && branch[0].path.length === 0
            ? branch[0].expected
            : undefined;
    const meant = issue.errors.find((branch) => typeOf(branch) === undefined);
    if (meant) {
        return meant
            .map((i) => (i.path.length ? `${formatPath(i.path)}: ` : "") + issueMessage(i))
            .join("; ");
    }
    return `expected ${issue.errors.map(typeOf).join(" or ")}, got ${typeName(issue.input)}`;
}

/** The YAML type of a value, never the value itself (it may be a secret). */
function typeName(value: unknown): string {
    if (value === null) {
        return "null (no value)";
    }
    return Array.isArray(value) ? "array" : typeof value;
}
