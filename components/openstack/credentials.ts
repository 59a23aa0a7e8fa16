// Reading the credentials: clouds.yaml, secure.yaml and the OS_* variables, into settings that
// are safe to show and secrets that are not.
//
// Dynamic providers capture this module by value into serialized closures that run in a plain
// `node` process. So: free functions and plain data only; Node built-ins and npm packages are
// required inside function bodies; no classes (the closure serializer rewrites `extends Error`,
// which loses the message and breaks instanceof), no module-level Maps, Sets or zod schemas.
import { errorMessage } from "./http";

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
/** Where the credentials are read from. */
export interface ResolveOptions {
    /** A clouds.yaml entry; else OS_CLOUD; else the OS_* variables. */
    cloud?: string;
    env?: NodeJS.ProcessEnv;
    /** Where ./clouds.yaml is looked for (default: the process's working directory). */
    cwd?: string;
}

/**
 * Resolves the auth settings the way the openstack provider does: a named cloud (the option,
 * else OS_CLOUD) comes from the first clouds.yaml found (OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
 * ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml), merged with secure.yaml; without
 * a cloud, from the OS_* variables.
 */
export function resolveAuth(opts: ResolveOptions = {}): {
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
