// The Networking API client: Keystone v3 auth (password or application credential) read the way
// the openstack provider reads it, the network endpoint from the token's catalog, pagination,
// typed errors, and bounded retries only where a retry is safe.
//
// There is no well-kept OpenStack client on npm (pkgcloud and openstack-wrapper are stale),
// hence this small one.
//
// Dynamic providers capture this module by value into serialized closures that run in a plain
// `node` process. So: free functions and plain data only; Node built-ins and npm packages are
// required inside function bodies; no classes (the closure serializer rewrites `extends Error`,
// which loses the message and breaks instanceof), no module-level Maps, Sets or zod schemas.
import type { AllowEntry } from "../model/allowset";
import { roleDescription, type NeutronRule } from "../model/rules";

export type EndpointInterface = "public" | "internal" | "admin";

/** Everything needed to authenticate except the secrets; safe to show. */
export interface AuthSettings {
    /** Where the settings came from (a clouds.yaml entry or the OS_* variables). */
    source: string;
    authUrl: string;
    method: "password" | "application_credential";
    username?: string;
    userId?: string;
    userDomainName?: string;
    userDomainId?: string;
    projectName?: string;
    projectId?: string;
    projectDomainName?: string;
    projectDomainId?: string;
    applicationCredentialId?: string;
    applicationCredentialName?: string;
    regionName?: string;
    interface: EndpointInterface;
    cacert?: string;
    insecure: boolean;
}

export interface AuthSecrets {
    password?: string;
    applicationCredentialSecret?: string;
}

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
    /** The network endpoint, without a trailing `/v2.0`. */
    networkUrl: string;
    projectId: string | null;
    userId: string;
    /** Token expiry, epoch milliseconds. */
    expiresAt: number;
    requests: RequestCounts;
    retry: RetryPolicy;
    readonly secret: SessionSecret;
}

export interface OpenSessionOptions {
    /** A clouds.yaml entry; else OS_CLOUD; else the OS_* variables. */
    cloud?: string;
    env?: NodeJS.ProcessEnv;
    /** Where ./clouds.yaml is looked for (default: the process's working directory). */
    cwd?: string;
    retry?: Partial<RetryPolicy>;
}

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

/** The fields a rule is created with; Neutron fills the rest. */
export interface RuleCreate {
    security_group_id: string;
    direction: "ingress" | "egress";
    ethertype: "IPv4" | "IPv6";
    protocol: string | null;
    port_range_min: number | null;
    port_range_max: number | null;
    remote_ip_prefix: string | null;
    remote_group_id?: string | null;
    description?: string;
    /** Only an admin names it; otherwise the rule belongs to the caller's project. */
    project_id?: string;
}

export interface SecurityGroup {
    id: string;
    name: string;
    project_id: string;
    description: string;
}

export interface Subnet {
    id: string;
    name: string;
    cidr: string;
    ip_version: number;
    network_id: string;
    project_id: string;
}

export interface Router {
    id: string;
    name: string;
    /** The external gateway's fixed IPs: where the router SNATs its subnets' traffic from. */
    gatewayIps: string[];
}

export interface GuardingPort {
    portId: string;
    name: string;
    deviceOwner: string;
    deviceId: string;
    securityGroups: string[];
    portSecurityEnabled: boolean;
    /** How the address reaches the port: as its floating IP or as one of its fixed IPs. */
    via: "floating-ip" | "fixed-ip";
    floatingIpId?: string;
    fixedIps: string[];
}

const DEFAULT_RETRY: RetryPolicy = {
    attempts: 6,
    baseDelayMs: 250,
    maxDelayMs: 4000,
    timeoutMs: 30000,
};

/** Re-authenticate when the token has less than this left. */
const TOKEN_MARGIN_MS = 60000;

// ---------------------------------------------------------------------------------------------
// Reading the credentials

/**
 * Resolves the auth settings the way the openstack provider does: a named cloud (the option,
 * else OS_CLOUD) comes from the first clouds.yaml found (OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
 * ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml), merged with secure.yaml; without
 * a cloud, from the OS_* variables.
 */
export function resolveAuth(opts: OpenSessionOptions = {}): {
    settings: AuthSettings;
    secrets: AuthSecrets;
} {
    const env = opts.env ?? process.env;
    const cloud = opts.cloud || env.OS_CLOUD || "";
    return cloud ? authFromCloudsYaml(cloud, env, opts.cwd ?? process.cwd()) : authFromEnv(env);
}

function authFromEnv(env: NodeJS.ProcessEnv): { settings: AuthSettings; secrets: AuthSecrets } {
    const get = (...names: string[]): string | undefined => {
        for (const name of names) {
            const value = env[name];
            if (value !== undefined && value !== "") {
                return value;
            }
        }
        return undefined;
    };
    const source = "the OS_* environment variables";
    const authUrl = get("OS_AUTH_URL");
    if (!authUrl) {
        throw new Error(
            "No OpenStack credentials: OS_CLOUD (a clouds.yaml entry) and OS_AUTH_URL are both unset; " +
                "expected one of them in the environment",
        );
    }
    const raw = {
        auth_url: authUrl,
        username: get("OS_USERNAME"),
        user_id: get("OS_USER_ID"),
        password: get("OS_PASSWORD"),
        project_name: get("OS_PROJECT_NAME", "OS_TENANT_NAME"),
        project_id: get("OS_PROJECT_ID", "OS_TENANT_ID"),
        user_domain_name: get("OS_USER_DOMAIN_NAME"),
        user_domain_id: get("OS_USER_DOMAIN_ID"),
        project_domain_name: get("OS_PROJECT_DOMAIN_NAME"),
        project_domain_id: get("OS_PROJECT_DOMAIN_ID"),
        domain_name: get("OS_DOMAIN_NAME", "OS_DEFAULT_DOMAIN_NAME"),
        domain_id: get("OS_DOMAIN_ID", "OS_DEFAULT_DOMAIN_ID"),
        application_credential_id: get("OS_APPLICATION_CREDENTIAL_ID"),
        application_credential_name: get("OS_APPLICATION_CREDENTIAL_NAME"),
        application_credential_secret: get("OS_APPLICATION_CREDENTIAL_SECRET"),
    };
    return buildAuth(source, raw, {
        authType: get("OS_AUTH_TYPE"),
        regionName: get("OS_REGION_NAME"),
        interface: get("OS_INTERFACE", "OS_ENDPOINT_TYPE"),
        cacert: get("OS_CACERT"),
        insecure: parseBool(get("OS_INSECURE"), "OS_INSECURE"),
    });
}

function authFromCloudsYaml(
    cloud: string,
    env: NodeJS.ProcessEnv,
    cwd: string,
): { settings: AuthSettings; secrets: AuthSecrets } {
    const fs = require("node:fs") as typeof import("node:fs");
    const path = require("node:path") as typeof import("node:path");
    const os = require("node:os") as typeof import("node:os");
    const YAML = require("yaml") as typeof import("yaml");
    const { z } = require("zod") as typeof import("zod");

    const home = env.HOME || os.homedir();
    const candidates = (name: string, override: string | undefined): string[] =>
        override
            ? [override]
            : [
                  path.join(cwd, name),
                  path.join(home, ".config", "openstack", name),
                  path.join("/etc/openstack", name),
              ];
    const configOverride = env.OS_CLIENT_CONFIG_FILE || undefined;
    const configFile = candidates("clouds.yaml", configOverride).find((f) => fs.existsSync(f));
    if (!configFile) {
        throw new Error(
            configOverride
                ? `OS_CLIENT_CONFIG_FILE names ${configOverride}, which does not exist; expected the clouds.yaml holding cloud "${cloud}"`
                : `Cloud "${cloud}" was asked for, but no clouds.yaml exists in ${candidates("clouds.yaml", undefined).join(", ")}`,
        );
    }
    const secureFile = candidates("secure.yaml", env.OS_CLIENT_SECURE_FILE || undefined).find((f) =>
        fs.existsSync(f),
    );

    const text = z.union([z.string(), z.number()]).transform(String);
    const entrySchema = z.looseObject({
        auth_type: z.string().optional(),
        auth: z.record(z.string(), text.nullish()).optional(),
        region_name: z.string().optional(),
        interface: z.string().optional(),
        endpoint_type: z.string().optional(),
        cacert: z.string().optional(),
        verify: z.union([z.boolean(), z.string()]).optional(),
    });
    const fileSchema = z.object({
        clouds: z.record(z.string(), entrySchema.nullish()).nullish(),
    });
    type Entry = import("zod").infer<typeof entrySchema>;
    const readClouds = (file: string): Record<string, Entry | null | undefined> => {
        let parsed: unknown;
        try {
            parsed = YAML.parse(fs.readFileSync(file, "utf8"));
        } catch (err) {
            throw new Error(
                `${file} cannot be read as YAML: ${errorMessage(err)}; expected a clouds.yaml`,
            );
        }
        const result = fileSchema.safeParse(parsed ?? {});
        if (!result.success) {
            throw new Error(
                `${file} does not have the clouds.yaml shape (clouds.<name>.auth...): ${z.prettifyError(result.error)}`,
            );
        }
        return result.data.clouds ?? {};
    };

    const clouds = readClouds(configFile);
    const entry = clouds[cloud];
    if (!entry) {
        const known = Object.keys(clouds);
        throw new Error(
            `Cloud "${cloud}" is not in ${configFile}; expected one of: ${known.length ? known.join(", ") : "(no clouds defined)"}`,
        );
    }
    const secureEntry = secureFile ? readClouds(secureFile)[cloud] : undefined;
    const auth: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries({ ...entry.auth, ...secureEntry?.auth })) {
        auth[key] = value ?? undefined;
    }
    const merged = { ...entry, ...secureEntry };
    const source = `cloud "${cloud}" of ${configFile}${secureEntry ? ` (and ${secureFile})` : ""}`;
    let insecure = false;
    if (merged.verify !== undefined) {
        insecure = !parseBool(String(merged.verify), `verify of ${source}`);
    }
    return buildAuth(
        source,
        {
            auth_url: auth.auth_url,
            username: auth.username,
            user_id: auth.user_id,
            password: auth.password,
            project_name: auth.project_name ?? auth.tenant_name,
            project_id: auth.project_id ?? auth.tenant_id,
            user_domain_name: auth.user_domain_name,
            user_domain_id: auth.user_domain_id,
            project_domain_name: auth.project_domain_name,
            project_domain_id: auth.project_domain_id,
            domain_name: auth.domain_name ?? auth.default_domain_name,
            domain_id: auth.domain_id ?? auth.default_domain_id,
            application_credential_id: auth.application_credential_id,
            application_credential_name: auth.application_credential_name,
            application_credential_secret: auth.application_credential_secret,
        },
        {
            authType: merged.auth_type,
            regionName: merged.region_name,
            interface: merged.interface ?? merged.endpoint_type,
            cacert: merged.cacert,
            insecure,
        },
    );
}

interface RawAuth {
    auth_url?: string;
    username?: string;
    user_id?: string;
    password?: string;
    project_name?: string;
    project_id?: string;
    user_domain_name?: string;
    user_domain_id?: string;
    project_domain_name?: string;
    project_domain_id?: string;
    domain_name?: string;
    domain_id?: string;
    application_credential_id?: string;
    application_credential_name?: string;
    application_credential_secret?: string;
}

function buildAuth(
    source: string,
    raw: RawAuth,
    extra: {
        authType?: string;
        regionName?: string;
        interface?: string;
        cacert?: string;
        insecure: boolean;
    },
): { settings: AuthSettings; secrets: AuthSecrets } {
    if (!raw.auth_url) {
        throw new Error(`${source} has no auth_url; expected the Keystone URL`);
    }
    const authType = (extra.authType ?? "").replace(/^v3/, "");
    const looksLikeAppCredential =
        raw.application_credential_id !== undefined ||
        raw.application_credential_name !== undefined ||
        raw.application_credential_secret !== undefined;
    let method: AuthSettings["method"];
    if (authType === "applicationcredential" || authType === "application_credential") {
        method = "application_credential";
    } else if (authType === "" || authType === "password") {
        method = looksLikeAppCredential && authType === "" ? "application_credential" : "password";
    } else {
        throw new Error(
            `${source} asks for auth type "${extra.authType}"; expected password or v3applicationcredential`,
        );
    }
    // A domain given without saying whose is the default for both, as gophercloud reads it.
    const settings: AuthSettings = {
        source,
        authUrl: raw.auth_url,
        method,
        username: raw.username,
        userId: raw.user_id,
        userDomainName: raw.user_domain_name ?? (raw.user_domain_id ? undefined : raw.domain_name),
        userDomainId: raw.user_domain_id ?? (raw.user_domain_name ? undefined : raw.domain_id),
        projectName: raw.project_name,
        projectId: raw.project_id,
        projectDomainName:
            raw.project_domain_name ?? (raw.project_domain_id ? undefined : raw.domain_name),
        projectDomainId:
            raw.project_domain_id ?? (raw.project_domain_name ? undefined : raw.domain_id),
        applicationCredentialId: raw.application_credential_id,
        applicationCredentialName: raw.application_credential_name,
        regionName: extra.regionName,
        interface: parseInterface(extra.interface, source),
        cacert: extra.cacert,
        insecure: extra.insecure,
    };
    const secrets: AuthSecrets = {
        password: raw.password,
        applicationCredentialSecret: raw.application_credential_secret,
    };
    const missing = missingAuthFields(settings, secrets);
    if (missing.length > 0) {
        throw new Error(
            `${source} is incomplete for ${method} auth: expected ${missing.join(", ")}`,
        );
    }
    return { settings, secrets };
}

function missingAuthFields(s: AuthSettings, secrets: AuthSecrets): string[] {
    const missing: string[] = [];
    const needsUserDomain = (): boolean => !s.userId && !s.userDomainName && !s.userDomainId;
    if (s.method === "application_credential") {
        if (!secrets.applicationCredentialSecret) {
            missing.push("application_credential_secret (OS_APPLICATION_CREDENTIAL_SECRET)");
        }
        if (!s.applicationCredentialId) {
            if (!s.applicationCredentialName) {
                missing.push(
                    "application_credential_id or application_credential_name (OS_APPLICATION_CREDENTIAL_ID/NAME)",
                );
            } else if (!s.userId && !s.username) {
                missing.push("a user (username or user_id) to look the credential name up for");
            } else if (needsUserDomain()) {
                missing.push("user_domain_name or user_domain_id (OS_USER_DOMAIN_NAME/ID)");
            }
        }
        return missing;
    }
    if (!s.userId && !s.username) {
        missing.push("username or user_id (OS_USERNAME/OS_USER_ID)");
    } else if (needsUserDomain()) {
        missing.push("user_domain_name or user_domain_id (OS_USER_DOMAIN_NAME/ID)");
    }
    if (!secrets.password) {
        missing.push("password (OS_PASSWORD)");
    }
    if (!s.projectId && !s.projectName) {
        missing.push("project_name or project_id (OS_PROJECT_NAME/ID)");
    } else if (!s.projectId && !s.projectDomainName && !s.projectDomainId) {
        missing.push("project_domain_name or project_domain_id (OS_PROJECT_DOMAIN_NAME/ID)");
    }
    return missing;
}

function parseInterface(value: string | undefined, source: string): EndpointInterface {
    const normalized = (value ?? "public").replace(/URL$/, "");
    if (normalized === "public" || normalized === "internal" || normalized === "admin") {
        return normalized;
    }
    throw new Error(`${source} names interface "${value}"; expected public, internal or admin`);
}

function parseBool(value: string | undefined, what: string): boolean {
    if (value === undefined) {
        return false;
    }
    const lower = value.toLowerCase();
    if (["1", "true", "yes", "on"].includes(lower)) {
        return true;
    }
    if (["0", "false", "no", "off", ""].includes(lower)) {
        return false;
    }
    throw new Error(`${what} is "${value}"; expected true or false`);
}

// ---------------------------------------------------------------------------------------------
// Sessions

/** Authenticates and finds the network endpoint; one Keystone request. */
export async function openSession(opts: OpenSessionOptions = {}): Promise<Session> {
    const { settings, secrets } = resolveAuth(opts);
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
    const base = s.settings.authUrl.replace(/\/+$/, "");
    const url = `${/\/v3$/.test(base) ? base : `${base}/v3`}/auth/tokens`;
    const body = JSON.stringify(authRequestBody(s.settings, s.secret.credentials));
    let response: HttpResponse;
    try {
        response = await sendWithRetry(s, "POST", url, {}, body, true, "identity");
    } catch (err) {
        throw new Error(`Keystone token request (${s.settings.source}): ${errorMessage(err)}`);
    }
    if (response.status !== 201) {
        throw httpError("POST", "/v3/auth/tokens", originOf(url), response, [201], s.settings);
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
    const parsed = schema.safeParse(parseJson(response.body));
    if (typeof token !== "string" || token === "" || !parsed.success) {
        throw new Error(
            `POST /v3/auth/tokens on ${originOf(url)} (${s.settings.source}): expected a token ` +
                `(X-Subject-Token and a token body), got ` +
                (parsed.success ? "no X-Subject-Token header" : z.prettifyError(parsed.error)),
        );
    }
    const info = parsed.data.token;
    s.secret.token = token;
    s.expiresAt = Date.parse(info.expires_at);
    s.userId = info.user.id;
    s.projectId = info.project?.id ?? null;
    s.networkUrl = pickNetworkEndpoint(info.catalog ?? [], s.settings);
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
    const urls = [...new Set(endpoints.map((e) => e.url.replace(/\/+$/, "")))];
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
    return urls[0].replace(/\/v2\.0$/, "");
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface HttpResponse {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
}

/** One HTTP exchange; a fresh connection each time (a reused socket a server dropped resets). */
function sendOnce(
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
async function sendWithRetry(
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
                throw new Error(
                    `${method} ${pathText} on ${origin}: expected an HTTP response, got ` +
                        `${failure.code ?? "an error"} (${failure.message})${tried}`,
                );
            }
            return response!;
        }
        const delay = Math.min(s.retry.maxDelayMs, s.retry.baseDelayMs * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, delay * (0.8 + Math.random() * 0.4)));
    }
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
            s.networkUrl + path,
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

function httpError(
    method: string,
    path: string,
    origin: string,
    response: HttpResponse,
    expect: number[],
    settings: AuthSettings,
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
    const authHint = response.status === 401 ? ` (credentials from ${settings.source})` : "";
    const err = new Error(
        `${method} ${path} on ${origin}: expected ${expect.join(" or ")}, got ${response.status}` +
            `${type ? ` ${type}` : ""}${detail ? `: ${detail.trim()}` : ""}${authHint}`,
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

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return null;
    }
}

function originOf(url: string): string {
    return new URL(url).origin;
}

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// Resources

/** GETs a collection, following the `<collection>_links` next links. */
export async function listAll(
    s: Session,
    resource: string,
    query: string[],
    pageSize?: number,
): Promise<unknown[]> {
    const key = resource.replace(/-/g, "_");
    const params = pageSize ? [...query, `limit=${pageSize}`] : query;
    let search = params.length > 0 ? `?${params.join("&")}` : "";
    const visited: string[] = [];
    const items: unknown[] = [];
    for (;;) {
        const path = `/v2.0/${resource}${search}`;
        const data = (await networkRequest(s, "GET", path, undefined, [200])) as Record<
            string,
            unknown
        > | null;
        const page = data?.[key];
        if (!Array.isArray(page)) {
            throw new Error(
                `GET ${path} on ${s.networkUrl}: expected a "${key}" list, got ${JSON.stringify(data).slice(0, 200)}`,
            );
        }
        items.push(...page);
        const links = data?.[`${key}_links`];
        const next = Array.isArray(links)
            ? (links as { rel?: string; href?: string }[]).find((l) => l.rel === "next")
            : undefined;
        if (!next?.href || page.length === 0) {
            return items;
        }
        // Only the query of the link: the host in it is the one Neutron sees, not ours.
        search = new URL(next.href, s.networkUrl).search;
        if (visited.includes(search)) {
            throw new Error(`GET ${path} on ${s.networkUrl}: the next link loops to ${search}`);
        }
        visited.push(search);
    }
}

/**
 * The rules of a list or a single answer. A rule with an id whose other fields cannot be read is
 * kept, in its most open form (ingress, any protocol, all ports, any address) with `unreadable`
 * saying which field held what: one odd rule is reported by id and counts as admitting
 * everything, instead of failing the whole listing.
 */
function parseRules(data: unknown, what: string): NeutronRule[] {
    const { z } = require("zod") as typeof import("zod");
    const rule = z.object({
        id: z.string(),
        security_group_id: z.string(),
        direction: z.enum(["ingress", "egress"]),
        ethertype: z.enum(["IPv4", "IPv6"]),
        protocol: z.string().nullable(),
        port_range_min: z.number().int().nullable(),
        port_range_max: z.number().int().nullable(),
        remote_ip_prefix: z.string().nullable(),
        remote_group_id: z.string().nullable(),
        remote_address_group_id: z.string().nullish(),
        normalized_cidr: z.string().nullish(),
        description: z.string().nullish(),
    });
    const identified = z.array(z.looseObject({ id: z.string(), security_group_id: z.string() }));
    const items = identified.safeParse(data);
    if (!items.success) {
        throw new Error(
            `${what}: expected security group rules, got ${z.prettifyError(items.error)}`,
        );
    }
    return items.data.map((item) => {
        const result = rule.safeParse(item);
        if (result.success) {
            return result.data;
        }
        const fields = [...new Set(result.error.issues.map((issue) => String(issue.path[0])))];
        const raw = item as Record<string, unknown>;
        return {
            id: item.id,
            security_group_id: item.security_group_id,
            direction: "ingress",
            ethertype: raw.ethertype === "IPv6" ? "IPv6" : "IPv4",
            protocol: null,
            port_range_min: null,
            port_range_max: null,
            remote_ip_prefix: null,
            remote_group_id: null,
            description: typeof raw.description === "string" ? raw.description : null,
            unreadable: fields
                .map((field) => `${field} ${JSON.stringify(raw[field]) ?? "(absent)"}`)
                .join("; "),
        };
    });
}

/** Every rule of the group (all pages), each checked to belong to it. */
export async function listRules(
    s: Session,
    groupId: string,
    opts: { pageSize?: number } = {},
): Promise<NeutronRule[]> {
    const query = [`security_group_id=${encodeURIComponent(groupId)}`];
    const what = `GET /v2.0/security-group-rules?${query[0]} on ${s.networkUrl}`;
    const rules = parseRules(await listAll(s, "security-group-rules", query, opts.pageSize), what);
    const stranger = rules.find((r) => r.security_group_id !== groupId);
    if (stranger) {
        // A server that ignored the filter would make every later decision wrong.
        throw new Error(
            `${what}: expected only rules of group ${groupId}, got rule ${stranger.id} of group ${stranger.security_group_id}`,
        );
    }
    return rules;
}

/** The rule, or null when it does not exist. */
export async function getRule(s: Session, id: string): Promise<NeutronRule | null> {
    const path = `/v2.0/security-group-rules/${encodeURIComponent(id)}`;
    try {
        const data = (await networkRequest(s, "GET", path, undefined, [200])) as {
            security_group_rule?: unknown;
        };
        return parseRules([data?.security_group_rule], `GET ${path} on ${s.networkUrl}`)[0];
    } catch (err) {
        if (isOpenStackError(err, "NotFoundError")) {
            return null;
        }
        throw err;
    }
}

/** Creates a rule; never retried. A 409 is a RuleExistsError or an OverQuotaError. */
export async function createRule(s: Session, body: RuleCreate): Promise<NeutronRule> {
    const path = "/v2.0/security-group-rules";
    const data = (await networkRequest(s, "POST", path, { security_group_rule: body }, [201])) as {
        security_group_rule?: unknown;
    };
    return parseRules([data?.security_group_rule], `POST ${path} on ${s.networkUrl}`)[0];
}

/** Deletes a rule; a rule that is not there (404) is already done. */
export async function deleteRule(s: Session, id: string): Promise<"deleted" | "already-gone"> {
    const path = `/v2.0/security-group-rules/${encodeURIComponent(id)}`;
    try {
        await networkRequest(s, "DELETE", path, undefined, [204]);
        return "deleted";
    } catch (err) {
        if (isOpenStackError(err, "NotFoundError")) {
            return "already-gone";
        }
        throw err;
    }
}

/** The canonical create body for an allow entry, as the openstack provider sends it. */
export function entryRuleBody(entry: AllowEntry, groupId: string): RuleCreate {
    return {
        security_group_id: groupId,
        direction: "ingress",
        ethertype: entry.ethertype,
        protocol: entry.protocol,
        port_range_min: entry.port,
        port_range_max: entry.port,
        remote_ip_prefix: entry.remoteIpPrefix,
        description: roleDescription(entry.role),
    };
}

/** Looks a resource up by id, else by name; several may share a name. */
async function findByIdOrName(
    s: Session,
    resource: string,
    nameOrId: string,
    fields: string[],
    extraQuery: string[] = [],
): Promise<Record<string, unknown>[]> {
    const key = resource.replace(/-/g, "_").replace(/s$/, "");
    const fieldQuery = fields.map((f) => `fields=${f}`);
    if (/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(nameOrId)) {
        const path = `/v2.0/${resource}/${encodeURIComponent(nameOrId)}?${fieldQuery.join("&")}`;
        try {
            const data = (await networkRequest(s, "GET", path, undefined, [200])) as Record<
                string,
                Record<string, unknown>
            >;
            return [data[key]];
        } catch (err) {
            if (!isOpenStackError(err, "NotFoundError")) {
                throw err;
            }
        }
    }
    const query = [`name=${encodeURIComponent(nameOrId)}`, ...extraQuery, ...fieldQuery];
    return (await listAll(s, resource, query)) as Record<string, unknown>[];
}

export async function findSecurityGroups(
    s: Session,
    nameOrId: string,
    projectId?: string,
): Promise<SecurityGroup[]> {
    const { z } = require("zod") as typeof import("zod");
    const found = await findByIdOrName(
        s,
        "security-groups",
        nameOrId,
        ["id", "name", "project_id", "description"],
        projectId ? [`project_id=${encodeURIComponent(projectId)}`] : [],
    );
    const groups = z
        .array(
            z.object({
                id: z.string(),
                name: z.string(),
                project_id: z.string(),
                description: z
                    .string()
                    .nullish()
                    .transform((d) => d ?? ""),
            }),
        )
        .parse(found);
    return projectId ? groups.filter((g) => g.project_id === projectId) : groups;
}

export async function createSecurityGroup(
    s: Session,
    group: { name: string; description?: string; project_id?: string },
): Promise<SecurityGroup> {
    const data = (await networkRequest(
        s,
        "POST",
        "/v2.0/security-groups",
        { security_group: group },
        [201],
    )) as { security_group: SecurityGroup };
    return data.security_group;
}

/** Deletes a group and with it its rules; 404 is done. */
export async function deleteSecurityGroup(s: Session, id: string): Promise<void> {
    try {
        await networkRequest(
            s,
            "DELETE",
            `/v2.0/security-groups/${encodeURIComponent(id)}`,
            undefined,
            [204],
        );
    } catch (err) {
        if (!isOpenStackError(err, "NotFoundError")) {
            throw err;
        }
    }
}

export async function findSubnets(s: Session, nameOrId: string): Promise<Subnet[]> {
    const { z } = require("zod") as typeof import("zod");
    const found = await findByIdOrName(s, "subnets", nameOrId, [
        "id",
        "name",
        "cidr",
        "ip_version",
        "network_id",
        "project_id",
    ]);
    return z
        .array(
            z.object({
                id: z.string(),
                name: z.string(),
                cidr: z.string(),
                ip_version: z.number(),
                network_id: z.string(),
                project_id: z.string(),
            }),
        )
        .parse(found);
}

function parseRouters(data: unknown): Router[] {
    const { z } = require("zod") as typeof import("zod");
    return z
        .array(
            z.object({
                id: z.string(),
                name: z.string(),
                external_gateway_info: z
                    .object({
                        external_fixed_ips: z.array(z.object({ ip_address: z.string() })).nullish(),
                    })
                    .nullish(),
            }),
        )
        .parse(data)
        .map((r) => ({
            id: r.id,
            name: r.name,
            gatewayIps: (r.external_gateway_info?.external_fixed_ips ?? []).map(
                (ip) => ip.ip_address,
            ),
        }));
}

export async function findRouters(s: Session, nameOrId: string): Promise<Router[]> {
    return parseRouters(
        await findByIdOrName(s, "routers", nameOrId, ["id", "name", "external_gateway_info"]),
    );
}

/**
 * The ports that receive traffic sent to `address`: the port behind a floating IP with that
 * address, and any port holding it as a fixed IP. Their security groups decide who reaches it.
 */
export async function portsGuardingAddress(s: Session, address: string): Promise<GuardingPort[]> {
    const { z } = require("zod") as typeof import("zod");
    const portSchema = z.object({
        id: z.string(),
        name: z.string(),
        device_owner: z.string(),
        device_id: z.string(),
        security_groups: z.array(z.string()),
        port_security_enabled: z.boolean().optional(),
        fixed_ips: z.array(z.object({ ip_address: z.string() })),
    });
    const toGuarding = (
        port: import("zod").infer<typeof portSchema>,
        via: GuardingPort["via"],
        floatingIpId?: string,
    ): GuardingPort => ({
        portId: port.id,
        name: port.name,
        deviceOwner: port.device_owner,
        deviceId: port.device_id,
        securityGroups: [...port.security_groups].sort(),
        portSecurityEnabled: port.port_security_enabled ?? true,
        via,
        ...(floatingIpId ? { floatingIpId } : {}),
        fixedIps: port.fixed_ips.map((ip) => ip.ip_address),
    });
    const floatingIps = z
        .array(z.object({ id: z.string(), port_id: z.string().nullable() }))
        .parse(
            await listAll(s, "floatingips", [
                `floating_ip_address=${encodeURIComponent(address)}`,
                "fields=id",
                "fields=port_id",
            ]),
        );
    const guarding: GuardingPort[] = [];
    for (const fip of floatingIps) {
        if (fip.port_id) {
            const data = (await networkRequest(
                s,
                "GET",
                `/v2.0/ports/${encodeURIComponent(fip.port_id)}`,
                undefined,
                [200],
            )) as { port?: unknown };
            guarding.push(toGuarding(portSchema.parse(data?.port), "floating-ip", fip.id));
        }
    }
    const fixed = z
        .array(portSchema)
        .parse(
            await listAll(s, "ports", [`fixed_ips=${encodeURIComponent(`ip_address=${address}`)}`]),
        );
    for (const port of fixed) {
        guarding.push(toGuarding(port, "fixed-ip"));
    }
    return guarding;
}

/** Sets the project's security group and rule quotas (admin only). */
export async function setSecurityGroupQuota(
    s: Session,
    projectId: string,
    quota: { security_group?: number; security_group_rule?: number },
): Promise<void> {
    await networkRequest(
        s,
        "PUT",
        `/v2.0/quotas/${encodeURIComponent(projectId)}`,
        { quota },
        [200],
    );
}
