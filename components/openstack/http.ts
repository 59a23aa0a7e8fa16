// One HTTP exchange with Keystone or Neutron, bounded retries only where a retry is safe, and
// typed errors.
//
// Dynamic providers capture this module by value into serialized closures that run in a plain
// `node` process. So: free functions and plain data only; Node built-ins and npm packages are
// required inside function bodies; no classes (the closure serializer rewrites `extends Error`,
// which loses the message and breaks instanceof), no module-level Maps, Sets or zod schemas.
import type { AuthSettings } from "./credentials";
import type { RequestCounts, Session } from "./keystone";
import { maskSecrets } from "../mask";

export type OpenStackErrorName =
    "OpenStackHttpError" | "RuleExistsError" | "OverQuotaError" | "NotFoundError";

/** An HTTP error from Keystone or Neutron; `name` tells the kinds apart. */
export interface OpenStackHttpError extends Error {
    name: OpenStackErrorName;
    status: number;
    /** NeutronError.type or Keystone's error title, "" when the body had none. */
    type: string;
    method: string;
    path: string;
    /** For RuleExistsError: the id of the rule that already has the key, when Neutron says. */
    existingRuleId?: string;
}

export interface HttpResponse {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
}

/** One HTTP exchange; a fresh connection each time (a reused socket a server dropped resets). */
export function sendOnce(
    settings: AuthSettings,
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
): Promise<HttpResponse> {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    const lib = (
        secure ? require("node:https") : require("node:http")
    ) as typeof import("node:https");
    const options: import("node:https").RequestOptions = {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: {
            Accept: "application/json",
            ...(body === undefined
                ? {}
                : {
                      "Content-Type": "application/json",
                      "Content-Length": String(Buffer.byteLength(body)),
                  }),
            ...headers,
        },
    };
    if (secure) {
        options.rejectUnauthorized = !settings.insecure;
        if (settings.cacert) {
            const fs = require("node:fs") as typeof import("node:fs");
            try {
                options.ca = fs.readFileSync(settings.cacert);
            } catch (err) {
                return Promise.reject(
                    new Error(
                        `The CA bundle ${settings.cacert} (${settings.source}) cannot be read: ${errorMessage(err)}`,
                    ),
                );
            }
        }
    }
    return new Promise((resolve, reject) => {
        const request = lib.request(target, options, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("error", reject);
            response.on("end", () =>
                resolve({
                    status: response.statusCode ?? 0,
                    headers: response.headers,
                    body: Buffer.concat(chunks).toString("utf8"),
                }),
            );
        });
        request.on("timeout", () => {
            const err = new Error(`no response within ${timeoutMs} ms`) as NodeJS.ErrnoException;
            err.code = "ETIMEDOUT";
            request.destroy(err);
        });
        request.on("error", reject);
        request.end(body);
    });
}

/**
 * Sends with bounded, backed-off retries when `safe` (connection failures and 5xx); an unsafe
 * request (a create) is sent once: after a failure the caller lists to see whether it landed.
 */
export async function sendWithRetry(
    s: Session,
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    safe: boolean,
    counter: keyof RequestCounts,
): Promise<HttpResponse> {
    const retryableCodes = [
        "ECONNREFUSED",
        "ECONNRESET",
        "EPIPE",
        "ETIMEDOUT",
        "ECONNABORTED",
        "EHOSTUNREACH",
        "ENETUNREACH",
        "EAI_AGAIN",
    ];
    const attempts = safe ? Math.max(1, s.retry.attempts) : 1;
    const origin = originOf(url);
    const pathText = new URL(url).pathname + new URL(url).search;
    for (let attempt = 1; ; attempt++) {
        let response: HttpResponse | undefined;
        let failure: NodeJS.ErrnoException | undefined;
        s.requests[counter]++;
        try {
            response = await sendOnce(s.settings, method, url, headers, body, s.retry.timeoutMs);
        } catch (err) {
            failure = err as NodeJS.ErrnoException;
        }
        const retryable = failure
            ? retryableCodes.includes(failure.code ?? "")
            : [500, 502, 503, 504].includes(response!.status);
        if (!retryable || attempt >= attempts) {
            if (failure) {
                const tried = attempt > 1 ? ` after ${attempt} attempts` : "";
                // The path's query and the failure's words may name a credential.
                throw new Error(
                    maskSecrets(
                        `${method} ${pathText} on ${origin}: expected an HTTP response, got ` +
                            `${failure.code ?? "an error"} (${failure.message})${tried}`,
                    ),
                );
            }
            return response!;
        }
        const delay = Math.min(s.retry.maxDelayMs, s.retry.baseDelayMs * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, delay * (0.8 + Math.random() * 0.4)));
    }
}

export function httpError(
    method: string,
    path: string,
    origin: string,
    response: HttpResponse,
    expect: number[],
    settings: AuthSettings,
    /** Name the credentials' source on any status (Keystone), not only on 401. */
    nameSource = false,
): OpenStackHttpError {
    const data = parseJson(response.body) as {
        NeutronError?: { type?: string; message?: string };
        error?: { title?: string; message?: string };
    } | null;
    const type = data?.NeutronError?.type ?? data?.error?.title ?? "";
    const detail =
        data?.NeutronError?.message ?? data?.error?.message ?? response.body.slice(0, 300);
    let name: OpenStackErrorName = "OpenStackHttpError";
    if (response.status === 409 && type === "SecurityGroupRuleExists") {
        name = "RuleExistsError";
    } else if (response.status === 409 && type === "OverQuota") {
        name = "OverQuotaError";
    } else if (response.status === 404) {
        name = "NotFoundError";
    }
    const authHint =
        response.status === 401 || nameSource ? ` (credentials from ${settings.source})` : "";
    // The cloud's own words (a name it echoes, a proxy's page): masked (safety invariant 5).
    const said = detail ? `: ${maskSecrets(detail.trim())}` : "";
    const err = new Error(
        `${method} ${maskSecrets(path)} on ${maskSecrets(origin)}: expected ${expect.join(" or ")}, got ${response.status}` +
            `${type ? ` ${type}` : ""}${said}${authHint}`,
    ) as OpenStackHttpError;
    err.name = name;
    err.status = response.status;
    err.type = type;
    err.method = method;
    err.path = path;
    const existing = /Rule id is ([0-9a-f-]{36})/i.exec(detail);
    if (name === "RuleExistsError" && existing) {
        err.existingRuleId = existing[1];
    }
    return err;
}

/** True for an error of this client (of the given kind, when named). */
export function isOpenStackError<N extends OpenStackErrorName = OpenStackErrorName>(
    err: unknown,
    name?: N,
): err is OpenStackHttpError & { name: N } {
    return (
        err instanceof Error &&
        typeof (err as Partial<OpenStackHttpError>).status === "number" &&
        ["OpenStackHttpError", "RuleExistsError", "OverQuotaError", "NotFoundError"].includes(
            err.name,
        ) &&
        (name === undefined || err.name === name)
    );
}

export function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return null;
    }
}

export function originOf(url: string): string {
    return new URL(url).origin;
}

export function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
