// One cloud's merged config to the identity, as keystoneauth1's plugin loading reads it (what
// openstacksdk's loader ends with, openstack/config/loader.py _validate_auth): the auth method and
// its plugin's options with their deprecated names, the interface, TLS, and whether the identity
// is complete for Keystone v3. Which cloud is read, and from where, is credentials.ts's concern.
//
// Dynamic providers capture this module by value into serialized closures that run in a plain
// `node` process. So: free functions and plain data only; no classes, no module-level Maps, Sets
// or zod schemas.
import { keyShown } from "../yaml-keys";
import type { AuthSecrets, AuthSettings, EndpointInterface, ResolvedAuth } from "./credentials";
import { scalarText } from "./cloud-entry";
import { configError } from "./config-error";

/** The plugin's options (keystoneauth1 loading), with their deprecated names. */
function pluginOptions(method: AuthSettings["method"]): [string, string[]][] {
    const common: [string, string[]][] = [
        ["auth_url", []],
        ["user_id", []],
        ["username", ["user_name"]],
        ["user_domain_id", []],
        ["user_domain_name", []],
    ];
    return method === "password"
        ? [
              ...common,
              ["project_id", ["tenant_id"]],
              ["project_name", ["tenant_name"]],
              ["project_domain_id", []],
              ["project_domain_name", []],
              ["password", []],
          ]
        : [
              ...common,
              ["application_credential_id", []],
              ["application_credential_name", []],
              ["application_credential_secret", []],
          ];
}

/**
 * keystoneauth's plugin loading (_validate_auth), the interface, TLS, and completeness, for the
 * config of one cloud (`raw`, after cloud-entry.ts's fixes) read from `source`. Throws an error
 * naming `source` and the key; never quoting a secret.
 */
export function authFromConfig(
    source: string,
    cloud: string,
    files: AuthSettings["files"],
    raw: Record<string, unknown>,
    secretFrom: AuthSettings["secretFrom"],
    home: string,
): ResolvedAuth {
    // normalize_keys: dashes become underscores (cloudConfig refused a key spelt both ways).
    const dashless = (o: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/-/g, "_"), v]));
    const config = dashless(raw);
    const auth = dashless(config.auth as Record<string, unknown>);
    const authType = String(config.auth_type ?? "");
    let method: AuthSettings["method"];
    if (authType === "password" || authType === "v3password") {
        method = "password";
    } else if (authType === "v3applicationcredential") {
        method = "application_credential";
    } else {
        throw configError(
            `${source} asks for auth_type "${authType}", which this program does not support; ` +
                "expected v3password, password or v3applicationcredential",
        );
    }
    for (const key of ["domain_id", "domain_name"]) {
        if (auth[key] !== undefined) {
            throw configError(
                `${source} sets ${key} without a project: a domain-scoped token cannot manage ` +
                    "a project's rules; expected project_name or project_id (OS_PROJECT_NAME/ID)" +
                    (method === "application_credential" ? ", or user_domain_* for the user" : ""),
            );
        }
    }
    const options = pluginOptions(method);
    const known = options.flatMap(([name, old]) => [name, ...old]);
    const stray = Object.keys(auth).filter((k) => !known.includes(k));
    if (stray.length > 0) {
        // The loader fails on them (password) or drops them: either way not what was meant. A key
        // may be a value typed where a key goes (a password): shown only if it reads as a name.
        throw configError(
            `${source} sets auth.${stray.map(keyShown).join(", auth.")}, which ${authType} auth does not read; ` +
                "expected them removed or auth_type set to the method they belong to",
        );
    }
    const value: Record<string, string | undefined> = {};
    for (const [name, old] of options) {
        const found = [
            ...[name, ...old].map((k): [string, unknown] => [`auth.${k}`, auth[k]]),
            ...[name, ...old].map((k): [string, unknown] => [k, config[k]]),
        ].find(([, v]) => v !== undefined && v !== null && v !== "");
        // The secrets are read only as written: a string.
        value[name] =
            name === "password" || name === "application_credential_secret"
                ? secretText(found, cloud, source)
                : scalarText(found?.[1], name, source);
    }
    const region = config.region_name;
    if (Array.isArray(region) || (typeof region === "string" && region.includes(","))) {
        throw configError(`${source} lists several regions in region_name; expected one region`);
    }
    const verify = config.verify;
    if (typeof verify !== "boolean") {
        throw configError(
            `${source} sets verify to a ${typeof verify}; expected true or false (a CA bundle goes in cacert)`,
        );
    }
    const cacert = scalarText(config.cacert, "cacert", source);
    const settings: AuthSettings = {
        source,
        cloud,
        files,
        authUrl: value.auth_url ?? "",
        method,
        username: value.username,
        userId: value.user_id,
        userDomainName: value.user_domain_name,
        userDomainId: value.user_domain_id,
        projectName: value.project_name,
        projectId: value.project_id,
        projectDomainName: value.project_domain_name,
        projectDomainId: value.project_domain_id,
        applicationCredentialId: value.application_credential_id,
        applicationCredentialName: value.application_credential_name,
        regionName: scalarText(region, "region_name", source),
        interface: parseInterface(config.network_interface ?? config.interface, source),
        cacert: cacert && cacert.startsWith("~") ? home + cacert.slice(1) : cacert,
        insecure: config.insecure === true || verify === false,
        secretFrom,
    };
    const secrets: AuthSecrets = {
        password: value.password,
        applicationCredentialSecret: value.application_credential_secret,
    };
    if (!settings.authUrl) {
        throw configError(`${source} has no auth_url; expected the Keystone URL (OS_AUTH_URL)`);
    }
    const missing = missingAuthFields(settings, secrets);
    if (missing.length > 0) {
        throw configError(
            `${source} is incomplete for ${method} auth: expected ${missing.join(", ")}`,
        );
    }
    for (const key of Object.keys(settings) as (keyof AuthSettings)[]) {
        if (settings[key] === undefined) {
            delete settings[key];
        }
    }
    return { settings, secrets };
}

/**
 * A secret as the operator wrote it: a string, else refused naming the key path and the type,
 * never the value. YAML 1.1 reads an unquoted `012` as 10 and `1.50` as 1.5, and openstacksdk's
 * loader sends their text ("10", "1.5"; a list or mapping as it is): never what was written.
 */
function secretText(
    found: [string, unknown] | undefined,
    cloud: string,
    source: string,
): string | undefined {
    if (found === undefined || typeof found[1] === "string") {
        return found?.[1] as string | undefined;
    }
    const [key, v] = found;
    const type = Array.isArray(v)
        ? "a list"
        : v instanceof Date
          ? "a date"
          : typeof v === "object"
            ? "a mapping"
            : typeof v === "number"
              ? Number.isInteger(v)
                  ? "an integer"
                  : "a fraction"
              : `a ${typeof v}`;
    throw configError(
        `${source} sets clouds.${cloud}.${key} to ${type}, not a string; expected the ` +
            "secret as text, quoted if YAML would read it otherwise (a number, yes/no, a date)",
    );
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

function parseInterface(value: unknown, source: string): EndpointInterface {
    // keystoneauth accepts the v2 spellings (publicURL) for the same interface.
    const normalized = String(value ?? "public").replace(/URL$/, "");
    if (normalized === "public" || normalized === "internal" || normalized === "admin") {
        return normalized;
    }
    throw configError(
        `${source} names interface "${String(value)}"; expected public, internal or admin`,
    );
}
