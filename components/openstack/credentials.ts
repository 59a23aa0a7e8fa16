// Reading the credentials as openstacksdk's config loader reads them (openstack/config/loader.py:
// get_one): which cloud (the stack's `cloud`, OS_CLOUD, the OS_* variables as "envvars", or the
// only one), its entry from clouds.yaml and secure.yaml, and the environment's overrides, into
// settings that are safe to show and secrets that are not. The entry's fixes are cloud-entry.ts's,
// the plugin's options and completeness auth-plugin.ts's. What the loader would half-read or what
// this program cannot use is refused by name; docs/credentials.md lists every case.
//
// Dynamic providers capture this module by value into serialized closures that run in a plain
// `node` process. So: free functions and plain data only; Node built-ins and npm packages are
// required inside function bodies; no classes, no module-level Maps, Sets or zod schemas.
import { authFromConfig } from "./auth-plugin";
import { cloudConfig, environmentCloud } from "./cloud-entry";
import { CloudsFiles, isRecord, readCloudsFiles, searchDirectories } from "./clouds-files";
import { configError } from "./config-error";

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
 * is complete for Keystone v3. A refusal of the operator's configuration is a configError
 * (config-error.ts) naming the key and file or variable, never quoting a value of a file or a
 * secret; any other error is this program's fault and keeps its own name.
 */
export function resolveAuth(opts: ResolveOptions = {}): ResolvedAuth {
    const env = opts.env ?? process.env;
    const cwd = opts.cwd ?? process.cwd();
    if (env.OS_CLOUD_NAME) {
        throw configError(
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
        throw configError(
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
        throw configError(
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
        throw configError(`Cloud "${name}" of ${where} is not a mapping; expected auth: and keys`);
    }
    const source =
        name === "envvars" && fromEnv
            ? "the OS_* environment"
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
    const resolved = authFromConfig(
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
        throw configError(
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
        throw configError(
            `OS_CLOUD is "${selected}" but the stack config's cloud is "${cloud}": the openstack ` +
                `provider (gophercloud's clientconfig) takes OS_CLOUD's cloud "${selected}", while ` +
                `this tool (as openstacksdk) reads cloud "${cloud}"; ${read}; expected OS_CLOUD ` +
                `unset or "${cloud}"`,
        );
    }
    return cloud || undefined;
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
