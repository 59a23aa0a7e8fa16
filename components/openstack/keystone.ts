// Keystone v3: a session (password or application credential), its token and the network
// endpoint from the token's catalog; and the authenticated Networking API request.
//
// There is no well-kept OpenStack client on npm (pkgcloud and openstack-wrapper are stale),
// hence this small one.
//
// Dynamic providers capture this module by value into serialized closures that run in a plain
// `node` process. So: free functions and plain data only; Node built-ins and npm packages are
// required inside function bodies; no classes (the closure serializer rewrites `extends Error`,
// which loses the message and breaks instanceof), no module-level Maps, Sets or zod schemas.
import {
    AuthSecrets,
    AuthSettings,
    resolveAuth,
    ResolvedAuth,
    ResolveOptions,
} from "./credentials";
import { maskSecrets } from "../mask";
import { configError } from "./config-error";
import { parseAnswer } from "./answers";
import { errorMessage, httpError, HttpResponse, originOf, parseJson, sendWithRetry } from "./http";

export interface RequestCounts {
    /** Keystone token requests. */
    identity: number;
    GET: number;
    POST: number;
    PUT: number;
    DELETE: number;
}

export interface RetryPolicy {
    /** Attempts for a safe request (GET, PUT, DELETE, token issue); a create gets one. */
    attempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    timeoutMs: number;
}

export interface SessionSecret {
    token: string;
    credentials: AuthSecrets;
}

/** A plain object; the token and credentials live in a non-enumerable `secret`, so logging or
 * serializing a session shows neither. */
export interface Session {
    settings: AuthSettings;
    /** The network endpoint, without a trailing `/v2.0`; its query, if any, kept. */
    networkUrl: string;
    projectId: string | null;
    userId: string;
    /** Token expiry, epoch milliseconds. */
    expiresAt: number;
    requests: RequestCounts;
    retry: RetryPolicy;
    readonly secret: SessionSecret;
}

export interface OpenSessionOptions extends ResolveOptions {
    retry?: Partial<RetryPolicy>;
    /** An identity resolved already (the one the provider was built from); else resolved here. */
    resolved?: ResolvedAuth;
}

const DEFAULT_RETRY: RetryPolicy = {
    attempts: 6,
    baseDelayMs: 250,
    maxDelayMs: 4000,
    timeoutMs: 30000,
};

/** Re-authenticate when the token has less than this left. */
const TOKEN_MARGIN_MS = 60000;

/** Authenticates and finds the network endpoint; one Keystone request. */
export async function openSession(opts: OpenSessionOptions = {}): Promise<Session> {
    const { settings, secrets } = opts.resolved ?? resolveAuth(opts);
    const session = {
        settings,
        networkUrl: "",
        projectId: null,
        userId: "",
        expiresAt: 0,
        requests: { identity: 0, GET: 0, POST: 0, PUT: 0, DELETE: 0 },
        retry: { ...DEFAULT_RETRY, ...opts.retry },
    } as unknown as Session;
    Object.defineProperty(session, "secret", {
        enumerable: false,
        writable: false,
        value: { token: "", credentials: secrets },
    });
    await authenticate(session);
    return session;
}

/** Issues a new token (and re-reads the endpoint) for the session, in place. */
export async function authenticate(s: Session): Promise<void> {
    const { z } = require("zod") as typeof import("zod");
    const body = JSON.stringify(authRequestBody(s.settings, s.secret.credentials));
    const url = identityTokenUrl(s.settings);
    // The request as sent (an auth URL may have a path prefix and a query), credentials masked.
    const target = new URL(url);
    const path = target.pathname + target.search;
    let response: HttpResponse;
    try {
        response = await sendWithRetry(s, "POST", url, {}, body, true, "identity");
    } catch (err) {
        throw new Error(
            `Keystone token request (${s.settings.source}): ${maskSecrets(errorMessage(err))}`,
        );
    }
    if (response.status !== 201) {
        throw httpError("POST", path, originOf(url), response, [201], s.settings, true);
    }
    const token = response.headers["x-subject-token"];
    const schema = z.object({
        token: z.object({
            expires_at: z.string(),
            user: z.object({ id: z.string() }),
            project: z.object({ id: z.string() }).optional(),
            catalog: z
                .array(
                    z.object({
                        type: z.string(),
                        endpoints: z.array(
                            z.object({
                                interface: z.string(),
                                url: z.string(),
                                region_id: z.string().nullish(),
                                region: z.string().nullish(),
                            }),
                        ),
                    }),
                )
                .optional(),
        }),
    });
    const request = `POST ${maskSecrets(path)} on ${maskSecrets(originOf(url))} (${s.settings.source})`;
    if (typeof token !== "string" || token === "") {
        throw new Error(`${request}: expected a token in X-Subject-Token, got none`);
    }
    const info = parseAnswer(
        schema,
        parseJson(response.body),
        { request, root: "" },
        "a token body (expiry, user, catalog)",
    ).token;
    s.secret.token = token;
    s.expiresAt = Date.parse(info.expires_at);
    s.userId = info.user.id;
    s.projectId = info.project?.id ?? null;
    s.networkUrl = pickNetworkEndpoint(info.catalog ?? [], s.settings);
}

/**
 * The token URL of the session's auth URL; an auth URL that is not an http or https URL is the
 * operator's configuration refused (a configError naming auth_url, or OS_AUTH_URL for the OS_*
 * environment), its text shown with any credential masked (safety invariant 5).
 */
function identityTokenUrl(settings: AuthSettings): string {
    let url: string | undefined;
    try {
        url = tokenUrl(settings.authUrl);
    } catch {
        // Not a URL: nothing tells the userinfo apart, so all before the last "@" is masked.
    }
    if (url === undefined || !/^https?:$/.test(new URL(url).protocol)) {
        const key = settings.cloud === "envvars" ? "OS_AUTH_URL" : "auth_url";
        const shown = maskSecrets(settings.authUrl.replace(/^.*@/s, "****@"));
        throw configError(
            `${settings.source} sets ${key} to ${JSON.stringify(shown)}, ` +
                `${url === undefined ? "not a URL" : "not an http or https URL"}; ` +
                "expected the Keystone URL as http:// or https://host[:port][/path]",
        );
    }
    return url;
}

/**
 * Keystone's token URL for an auth URL: `/v3/auth/tokens` joined to its path (`/v3` once), its
 * query kept after the path, as the WHATWG URL API joins them. Throws on an unparsable URL.
 */
export function tokenUrl(authUrl: string): string {
    const url = new URL(authUrl);
    const base = url.pathname.replace(/\/+$/, "");
    url.pathname = `${/\/v3$/.test(base) ? base : `${base}/v3`}/auth/tokens`;
    return url.href;
}

function authRequestBody(settings: AuthSettings, secrets: AuthSecrets): unknown {
    const domain = (id?: string, name?: string) => (id ? { id } : { name });
    const user = settings.userId
        ? { id: settings.userId }
        : {
              name: settings.username,
              domain: domain(settings.userDomainId, settings.userDomainName),
          };
    if (settings.method === "application_credential") {
        const credential = settings.applicationCredentialId
            ? {
                  id: settings.applicationCredentialId,
                  secret: secrets.applicationCredentialSecret,
              }
            : {
                  name: settings.applicationCredentialName,
                  secret: secrets.applicationCredentialSecret,
                  user,
              };
        // An application credential carries its own scope.
        return {
            auth: {
                identity: {
                    methods: ["application_credential"],
                    application_credential: credential,
                },
            },
        };
    }
    const project = settings.projectId
        ? { id: settings.projectId }
        : {
              name: settings.projectName,
              domain: domain(settings.projectDomainId, settings.projectDomainName),
          };
    return {
        auth: {
            identity: {
                methods: ["password"],
                password: { user: { ...user, password: secrets.password } },
            },
            scope: { project },
        },
    };
}

interface CatalogEntry {
    type: string;
    endpoints: {
        interface: string;
        url: string;
        region_id?: string | null;
        region?: string | null;
    }[];
}

function pickNetworkEndpoint(catalog: CatalogEntry[], settings: AuthSettings): string {
    const endpoints = catalog
        .filter((service) => service.type === "network")
        .flatMap((service) => service.endpoints)
        .filter((e) => e.interface === settings.interface)
        .filter(
            (e) =>
                !settings.regionName ||
                e.region_id === settings.regionName ||
                e.region === settings.regionName,
        );
    const urls = [...new Set(endpoints.map((e) => endpointBase(e.url)))];
    const where = `with interface ${settings.interface}${settings.regionName ? ` in region ${settings.regionName}` : ""}`;
    if (urls.length === 0) {
        const seen = catalog
            .flatMap((service) =>
                service.endpoints.map(
                    (e) => `${service.type}/${e.interface}/${e.region_id ?? e.region ?? "-"}`,
                ),
            )
            .join(", ");
        throw new Error(
            `The token's catalog (${settings.source}) has no network endpoint ${where}; it has: ${seen || "nothing"}`,
        );
    }
    if (urls.length > 1) {
        throw new Error(
            `The token's catalog (${settings.source}) has ${urls.length} network endpoints ${where}: ${urls.join(", ")}; ` +
                `expected one: set region_name (OS_REGION_NAME)`,
        );
    }
    return urls[0];
}

/** A catalog URL without trailing slashes or `/v2.0` on its path; its query kept. */
function endpointBase(url: string): string {
    const at = url.search(/[?#]/);
    const [head, rest] = at < 0 ? [url, ""] : [url.slice(0, at), url.slice(at)];
    return head.replace(/\/+$/, "").replace(/\/v2\.0$/, "") + rest;
}

/**
 * The URL of a Networking API request: `path` (with its own query) after the endpoint's path,
 * the endpoint's query kept, the request's parameters after it; a fragment dropped. keystoneauth1
 * joins by string (session.py: `'%s/%s' % (base_url.rstrip('/'), url.lstrip('/'))`), which would
 * put the path inside an endpoint's query. Throws on an endpoint that is not a URL.
 */
export function networkRequestUrl(networkUrl: string, path: string): string {
    const url = new URL(networkUrl);
    const at = path.indexOf("?");
    const [pathname, query] = at < 0 ? [path, ""] : [path.slice(0, at), path.slice(at + 1)];
    url.pathname = url.pathname.replace(/\/+$/, "") + pathname;
    url.search = [url.search.slice(1), query].filter((q) => q !== "").join("&");
    url.hash = "";
    return url.href;
}

/**
 * One Networking API call: refreshes a token that is about to expire, re-authenticates once on
 * 401 and sends again, retries when safe, and turns any status outside `expect` into a typed
 * error. Returns the parsed body (undefined when empty).
 */
export async function networkRequest(
    s: Session,
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body: unknown,
    expect: number[],
): Promise<unknown> {
    if (Date.now() > s.expiresAt - TOKEN_MARGIN_MS) {
        await authenticate(s);
    }
    const text = body === undefined ? undefined : JSON.stringify(body);
    const send = () =>
        sendWithRetry(
            s,
            method,
            networkRequestUrl(s.networkUrl, path),
            { "X-Auth-Token": s.secret.token },
            text,
            method !== "POST",
            method,
        );
    let response = await send();
    if (response.status === 401) {
        // Rejected before it was processed, so sending it again is safe even for a create.
        await authenticate(s);
        response = await send();
    }
    if (!expect.includes(response.status)) {
        throw httpError(method, path, s.networkUrl, response, expect, s.settings);
    }
    return response.body === "" ? undefined : parseJson(response.body);
}
