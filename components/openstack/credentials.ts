// Reading the credentials as openstacksdk's config loader reads them (openstack/config/loader.py:
// _get_os_environ, get_one, magic_fixes, _validate_auth; keystoneauth1's plugin options), into
// settings that are safe to show and secrets that are not. What the loader would half-read or
// what this program cannot use is refused by name; docs/credentials.md lists every case.
//
// Dynamic providers capture this module by value into serialized closures that run in a plain
// `node` process. So: free functions and plain data only; Node built-ins and npm packages are
// required inside function bodies; no classes, no module-level Maps, Sets or zod schemas.
import { cloudConfig, environmentCloud, scalarText } from "./cloud-entry";
import { CloudsFiles, isRecord, readCloudsFiles, searchDirectories } from "./clouds-files";

export type EndpointInterface = "public" | "internal" | "admin";

/** Everything needed to authenticate except the secrets; safe to show. */
export interface AuthSettings {
    /** Where the settings came from (a clouds.yaml entry or the OS_* variables). */
    source: string;
    /** The cloud's name: a clouds.yaml entry, or "envvars" for the OS_* variables. */
    cloud: string;
    /** The clouds.yaml and secure.yaml read, when the cloud came from files. */
    files: { config?: string; secure?: string };
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
    /** The network service's interface (network_interface, else interface). */
    interface: EndpointInterface;
    cacert?: string;
    insecure: boolean;
    /** Where the password or application credential secret came from. */
    secretFrom: "file" | "environment";
}

export interface AuthSecrets {
    password?: string;
    applicationCredentialSecret?: string;
}

/** Where the credentials are read from. */
export interface ResolveOptions {
    /** A clouds.yaml entry; else OS_CLOUD; else the OS_* variables; else the only cloud. */
    cloud?: string;
    env?: NodeJS.ProcessEnv;
    /** The working directory searched first (default: the process's). */
    cwd?: string;
}

export interface ResolvedAuth {
    settings: AuthSettings;
    secrets: AuthSecrets;
}

/**
 * Resolves the identity as openstacksdk's `OpenStackConfig().get_one(cloud)` does, then checks it
 * is complete for Keystone v3. Throws an error naming the key and file or variable; never
 * quoting a value of a file or a secret.
 */
export function resolveAuth(opts: ResolveOptions = {}): ResolvedAuth {
    const env = opts.env ?? process.env;
    const cwd = opts.cwd ?? process.cwd();
    if (env.OS_CLOUD_NAME) {
        throw environmentError(
            "OS_CLOUD_NAME is set; this program reads the OS_* variables only as the " +
                `cloud "envvars"; ${cloudsReadSafely(env, cwd)}; expected OS_CLOUD_NAME unset ` +
                "(a clouds.yaml entry is selected by the stack config's `cloud` or OS_CLOUD)",
        );
    }
    const files = readCloudsFiles(env, cwd);
    const fromEnv = environmentCloud(env);
    const clouds: Record<string, unknown> = { ...files.clouds };
    if (fromEnv) {
        clouds.envvars = fromEnv;
    }
    const fileNames = Object.keys(files.clouds);
    let name = opts.cloud || env.OS_CLOUD || (fromEnv ? "envvars" : "");
    if (!name && fileNames.length === 1) {
        name = fileNames[0];
    }
    if (!name) {
        throw environmentError(
            "No OpenStack credentials: no cloud named (config `cloud` or OS_CLOUD), no OS_* " +
                `variables, and ${files.configFile ? `${files.configFile} holds ${fileNames.length} clouds` : "no clouds.yaml"}; ` +
                `${cloudsRead(files, false, env, cwd)}; expected the stack config's \`cloud\` or ` +
                "OS_CLOUD naming a clouds.yaml entry, a clouds.yaml with one cloud, or the OS_* " +
                "variables of an openrc (OS_AUTH_URL and the rest)",
        );
    }
    const entry = clouds[name];
    const where = files.configFile ?? "any clouds.yaml";
    if (entry === undefined) {
        const namedBy = opts.cloud ? "the stack config's `cloud`" : "OS_CLOUD";
        const known = Object.keys(clouds);
        throw environmentError(
            (files.configFile && !known.length
                ? `${files.configFile} defines no cloud, so not "${name}" (named by ${namedBy}); `
                : `Cloud "${name}" is not in ${where} (named by ${namedBy}); `) +
                `${cloudsRead(files, fromEnv !== undefined, env, cwd)}; expected ` +
                (known.length
                    ? `${opts.cloud ? "" : "OS_CLOUD unset or "}one of: ${known.join(", ")}`
                    : `a cloud "${name}" under clouds: in a clouds.yaml`),
        );
    }
    if (!isRecord(entry)) {
        throw new Error(`Cloud "${name}" of ${where} is not a mapping; expected auth: and keys`);
    }
    const source =
        name === "envvars" && fromEnv
            ? "the OS_* environment variables"
            : `cloud "${name}" of ${files.configFile}${files.secureFile ? ` (and ${files.secureFile})` : ""}`;
    const config = cloudConfig(entry, source);
    // A Horizon clouds.yaml leaves the password out: the CLI and the provider take OS_PASSWORD.
    let secretFrom: AuthSettings["secretFrom"] = name === "envvars" ? "environment" : "file";
    const auth = config.auth as Record<string, unknown>;
    for (const [key, variable] of [
        ["password", "OS_PASSWORD"],
        ["application_credential_secret", "OS_APPLICATION_CREDENTIAL_SECRET"],
    ]) {
        if (!auth[key] && env[variable] && name !== "envvars") {
            auth[key] = env[variable];
            secretFrom = "environment";
        }
    }
    const resolved = build(
        source,
        name,
        { config: files.configFile, secure: files.secureFile },
        config,
        secretFrom,
        env.HOME ?? "",
    );
    // The loader keeps the cloud's region; the CLI and the provider take OS_REGION_NAME.
    const region = env.OS_REGION_NAME;
    if (region && name !== "envvars" && region !== resolved.settings.regionName) {
        throw environmentError(
            `OS_REGION_NAME and ${source} disagree: openstacksdk's loader reads region ` +
                `"${resolved.settings.regionName ?? "(none)"}" from the cloud, the openstack ` +
                `provider (and the openstack CLI) take "${region}" from OS_REGION_NAME; ` +
                `${cloudsRead(files, fromEnv !== undefined, env, cwd)}; expected ` +
                `OS_REGION_NAME unset or equal to the cloud's region_name` +
                (resolved.settings.regionName ? ` ("${resolved.settings.regionName}")` : ""),
        );
    }
    return resolved;
}

/**
 * The cloud the tools (audit, verify, review --live) read for a stack: its config's `cloud`, else
 * what OS_CLOUD selects. openstacksdk's `get_one(cloud)` takes the stack's cloud over OS_CLOUD, but
 * the provider does the reverse (gophercloud's clientconfig replaces the cloud it is given by
 * OS_CLOUD), so with both set and different the tools would read one cloud and `pulumi up` write
 * another: refused, naming both.
 */
export function stackCloud(
    cloud: string,
    env: NodeJS.ProcessEnv = process.env,
    cwd: string = process.cwd(),
): string | undefined {
    const selected = env.OS_CLOUD;
    if (cloud && selected && selected !== cloud) {
        const read = cloudsReadSafely(env, cwd);
        throw environmentError(
            `OS_CLOUD is "${selected}" but the stack config's cloud is "${cloud}": the openstack ` +
                `provider (gophercloud's clientconfig) takes OS_CLOUD's cloud "${selected}", while ` +
                `this tool (as openstacksdk) reads cloud "${cloud}"; ${read}; expected OS_CLOUD ` +
                `unset or "${cloud}"`,
        );
    }
    return cloud || undefined;
}

/**
 * An error of the operator's environment (OS_CLOUD, clouds.yaml, the OS_* variables), not of a
 * lookup: the command line reports it as kind "config", exit 2 (tools/cli/output.ts). Told by
 * its name, as this module may hold no class.
 */
function environmentError(message: string): Error {
    const err = new Error(message);
    err.name = "EnvironmentError";
    return err;
}

/** "clouds found: …; files read: …" for an error about which cloud is selected. */
function cloudsRead(
    files: CloudsFiles,
    withEnv: boolean,
    env: NodeJS.ProcessEnv,
    cwd: string,
): string {
    const names = [
        ...Object.keys(files.clouds),
        ...(withEnv ? ["envvars (the OS_* variables)"] : []),
    ];
    const read = [files.configFile, files.secureFile].filter((f) => f !== undefined);
    const searched = [...new Set(searchDirectories(env, cwd))];
    return (
        `clouds found: ${names.join(", ") || "none"}; files read: ` +
        (read.length ? read.join(", ") : `none (no clouds.yaml in ${searched.join(", ")})`)
    );
}

/** cloudsRead for an error found before the files are read: a file that fails is said so. */
function cloudsReadSafely(env: NodeJS.ProcessEnv, cwd: string): string {
    try {
        return cloudsRead(readCloudsFiles(env, cwd), environmentCloud(env) !== undefined, env, cwd);
    } catch (err) {
        return `the clouds files could not be read (${err instanceof Error ? err.message : err})`;
    }
}

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

/** keystoneauth's plugin loading (_validate_auth), the interface, TLS, and completeness. */
function build(
    source: string,
    cloud: string,
    files: AuthSettings["files"],
    raw: Record<string, unknown>,
    secretFrom: AuthSettings["secretFrom"],
    home: string,
): ResolvedAuth {
    // normalize_keys: dashes become underscores (collisions were refused above).
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
        throw new Error(
            `${source} asks for auth_type "${authType}", which this program does not support; ` +
                "expected password, v3password or v3applicationcredential",
        );
    }
    for (const key of ["domain_id", "domain_name"]) {
        if (auth[key] !== undefined) {
            throw new Error(
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
        // The loader fails on them (password) or drops them: either way not what was meant.
        throw new Error(
            `${source} sets auth.${stray.join(", auth.")}, which ${authType} auth does not read; ` +
                "expected them removed or auth_type set to the method they belong to",
        );
    }
    const value: Record<string, string | undefined> = {};
    for (const [name, old] of options) {
        const found = [
            auth[name],
            ...old.map((o) => auth[o]),
            config[name],
            ...old.map((o) => config[o]),
        ].find((v) => v !== undefined && v !== null && v !== "");
        value[name] =
            name === "password" || name === "application_credential_secret"
                ? found === undefined
                    ? undefined
                    : String(found)
                : scalarText(found, name, source);
    }
    const region = config.region_name;
    if (Array.isArray(region) || (typeof region === "string" && region.includes(","))) {
        throw new Error(`${source} lists several regions in region_name; expected one region`);
    }
    const verify = config.verify;
    if (typeof verify !== "boolean") {
        throw new Error(
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
        throw new Error(`${source} has no auth_url; expected the Keystone URL (OS_AUTH_URL)`);
    }
    const missing = missingAuthFields(settings, secrets);
    if (missing.length > 0) {
        throw new Error(
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
    throw new Error(
        `${source} names interface "${String(value)}"; expected public, internal or admin`,
    );
}
