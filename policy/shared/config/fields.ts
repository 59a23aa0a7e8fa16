// Copied from components/config/fields.ts by `npm run policy:shared`: edit the original.
// The stack config's shared pieces: the namespace its keys live in, the API's default port, the
// value types several keys share (port, prefix, host address, reason, digest, timeout, regular
// expression) with the message each refusal gives, and readers of a value zod may have left
// unparsed (the cross-field checks and the problems' wording run on partly invalid config).
import { z } from "zod";
import { parseHostAddress, parsePrefix } from "../model/cidr";
import { DIGEST_PATTERN } from "../plan/approval";

export const NAMESPACE = "capi-mgmt-ingress";
export const DEFAULT_API_PORT = 6443;

export const port = z.number().int().min(1).max(65535);

export const cidr = z.string().refine(validPrefix, {
    error: (issue) => prefixMessage(issue.input),
});

export const hostAddress = z.string().refine(validHost, {
    error: (issue) => `"${String(issue.input)}" is not an IP address`,
});

export const reason = z.string().trim().min(8, { error: "a reason of a few words is required" });

// Compared byte for byte with the review's digest, so upper case is refused, not folded.
export const digest = z.string().regex(DIGEST_PATTERN, {
    error: "expected sha256:<64 lower-case hex digits>, exactly as the review prints it (upper case is refused)",
});

export const regExp = z.string().refine(validRegExp, { error: "not a valid regular expression" });

export const timeoutSeconds = (fallback: number, max = 600) =>
    z.number().positive().max(max).default(fallback);

export const floorMessage = (min: number) => ({
    error: `cannot be below /${min}; admit a wider prefix with a waiver {cidr, reason} for that entry`,
});

/**
 * A zod check on a list of sources: an entry naming the same network as an earlier one is refused
 * at its own index, naming the earlier one. The network is the canonical prefix the allow-set
 * derives (parsePrefix, components/model/allowset.ts), so `10.0.0.1`, `10.0.0.1/32` and
 * `::ffff:10.0.0.1` are one source. `field` is the key of the CIDR in an entry that is an object;
 * entries that are no valid address are left to their own check.
 */
export function uniqueNetworks(key: string, field?: string) {
    const textOf = (entry: unknown) => (field === undefined ? entry : objectOrEmpty(entry)[field]);
    const check = (entries: unknown[], ctx: z.RefinementCtx) => {
        const first = new Map<string, number>();
        entries.forEach((entry, i) => {
            const text = textOf(entry);
            if (typeof text !== "string" || !validPrefix(text)) {
                return;
            }
            const network = parsePrefix(text).cidr;
            const earlier = first.get(network);
            if (earlier === undefined) {
                first.set(network, i);
                return;
            }
            const at = (n: number) => `${key}[${n}]${field === undefined ? "" : `.${field}`}`;
            ctx.addIssue({
                code: "custom",
                path: field === undefined ? [i] : [i, field],
                params: { duplicate: true },
                message:
                    `"${text}" is the same network (${network}) as ${at(earlier)} ` +
                    `("${String(textOf(entries[earlier]))}"); list each source once: remove one`,
            });
        });
    };
    return [
        check,
        { when: (payload: { value: unknown }) => Array.isArray(payload.value) },
    ] as const;
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function objectOrEmpty(value: unknown): Record<string, unknown> {
    return isObject(value) ? value : {};
}

/** The ports when `value` is a list of valid port numbers, else undefined. */
export function validPorts(value: unknown): number[] | undefined {
    return Array.isArray(value) &&
        value.every((p) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535)
        ? (value as number[])
        : undefined;
}

function validPrefix(text: string): boolean {
    try {
        parsePrefix(text);
        return true;
    } catch {
        return false;
    }
}

function prefixMessage(input: unknown): string {
    try {
        parsePrefix(String(input));
        return "invalid prefix";
    } catch (err) {
        return (err as Error).message;
    }
}

function validHost(text: string): boolean {
    try {
        parseHostAddress(text);
        return true;
    } catch {
        return false;
    }
}

function validRegExp(text: string): boolean {
    try {
        new RegExp(text);
        return true;
    } catch {
        return false;
    }
}
