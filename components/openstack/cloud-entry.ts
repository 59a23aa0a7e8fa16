// One cloud entry (from clouds.yaml or the OS_* variables) through openstacksdk's loader's fixes
// (openstack/config/loader.py: _get_os_environ, get_one's _auth_update, magic_fixes:
// _fix_backwards_project, _fix_backwards_interface, _handle_domain_id, BOOL_KEYS), refusing what
// the loader would read in an order-dependent way or what this program does not support.
//
// Free functions only, with their modules required inside: dynamic providers capture this file.
import { isRecord } from "./clouds-files";
import { configError } from "./config-error";

/** openstacksdk's _get_os_environ: every OS_* variable, lower-cased without the prefix. */
export function environmentCloud(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
    const selectors = [
        "OS_CLOUD",
        "OS_REGION_NAME",
        "OS_CLIENT_CONFIG_FILE",
        "OS_CLIENT_SECURE_FILE",
        "OS_CLOUD_NAME",
    ];
    const keys = Object.keys(env).filter(
        (k) => k.startsWith("OS_") && !/^OS_(TEST|STD|LOG)/.test(k),
    );
    if (!keys.some((k) => !selectors.includes(k))) {
        return undefined;
    }
    const cloud: Record<string, unknown> = {};
    for (const key of keys) {
        cloud[key.slice(3).toLowerCase()] = env[key];
    }
    // OS_CLOUD is the selector, not a vendor profile (_expand_vendor_profile skips "envvars").
    delete cloud.cloud;
    return cloud;
}

/** get_one's merging, magic_fixes and _validate_auth, for the keys this program reads. */
export function cloudConfig(
    entry: Record<string, unknown>,
    source: string,
): Record<string, unknown> {
    const refuse = (key: string, why: string): never => {
        throw configError(`${source} sets ${key}: ${why}`);
    };
    for (const key of ["profile", "cloud"]) {
        if (entry[key] !== undefined) {
            refuse(key, "vendor profiles are not supported; expected the cloud's keys in full");
        }
    }
    for (const key of [
        "regions",
        "auth_plugin",
        "trust_id",
        "system_scope",
        "passcode",
        "token",
        "auth_token",
        "auth-token",
        "default_domain_id",
        "default_domain_name",
        "verify_ssl",
    ]) {
        if (entry[key] !== undefined || (isRecord(entry.auth) && entry.auth[key] !== undefined)) {
            refuse(
                key,
                "not supported; expected auth_type password or v3applicationcredential with a project scope, one region_name, and user/project domains spelt out",
            );
        }
    }
    if (entry.auth !== undefined && !isRecord(entry.auth)) {
        refuse("auth", "not a mapping; expected auth.auth_url and the credentials");
    }
    // defaults.json, then the entry (auth merged, the rest replaced): _auth_update.
    const config: Record<string, unknown> = {
        auth_type: "password",
        interface: "public",
        verify: true,
    };
    for (const [key, value] of Object.entries(entry)) {
        config[key] = key === "auth" ? { ...(value as Record<string, unknown>) } : value;
    }
    config.auth = (config.auth as Record<string, unknown> | undefined) ?? {};
    const auth = config.auth as Record<string, unknown>;
    // Dashed spellings of the same key: the loader's order between them decides, so refuse both.
    for (const scope of [config, auth]) {
        for (const key of Object.keys(scope)) {
            if (key.includes("-") && scope[key.replace(/-/g, "_")] !== undefined) {
                refuse(key, `both ${key} and ${key.replace(/-/g, "_")} are set; expected one`);
            }
        }
    }
    // magic_fixes: endpoint_type wins over interface (OS_ENDPOINT_TYPE over OS_INTERFACE).
    if (config.endpoint_type !== undefined) {
        config.interface = config.endpoint_type;
        delete config.endpoint_type;
    }
    if (config.auth_type === "v2password") {
        refuse("auth_type", "v2password is not supported; expected Keystone v3");
    }
    // _fix_backwards_project: tenant/project and domain keys, dashed or not, top level or auth.
    const mappings: [string, string[]][] = [
        ["domain_id", ["domain_id", "domain-id"]],
        ["domain_name", ["domain_name", "domain-name"]],
        ["user_domain_id", ["user_domain_id", "user-domain-id"]],
        ["user_domain_name", ["user_domain_name", "user-domain-name"]],
        ["project_domain_id", ["project_domain_id", "project-domain-id"]],
        ["project_domain_name", ["project_domain_name", "project-domain-name"]],
        ["project_id", ["tenant_id", "tenant-id", "project_id", "project-id"]],
        ["project_name", ["tenant_name", "tenant-name", "project_name", "project-name"]],
    ];
    for (const [target, keys] of mappings) {
        let value: string | undefined;
        for (const key of keys) {
            for (const scope of [config, auth]) {
                if (key in scope) {
                    value = scalarText(scope[key], key, source);
                    delete scope[key];
                }
            }
        }
        if (value) {
            auth[target] = value;
        }
    }
    // _fix_backwards_interface: <service>_endpoint_type is <service>_interface.
    for (const key of Object.keys(config)) {
        if (key.endsWith("endpoint_type")) {
            const target = key.replace("endpoint_type", "interface");
            if (config[target] !== undefined) {
                refuse(key, `${target} is set too; expected one of them`);
            }
            config[target] = config[key];
            delete config[key];
        }
    }
    // _handle_domain_id: a lone domain is both the user's and the project's.
    const projectScoped = ["project_id", "project_name"].some((k) => k in config || k in auth);
    for (const [target, keys] of [
        ["domain_id", ["user_domain_id", "project_domain_id"]],
        ["domain_name", ["user_domain_name", "project_domain_name"]],
    ] as const) {
        for (const key of keys) {
            if (target in auth && !(key in auth)) {
                auth[key] = auth[target];
            }
        }
        if (projectScoped) {
            delete config[target];
            delete auth[target];
        }
    }
    config.insecure =
        config.insecure === true ||
        (typeof config.insecure === "string" && config.insecure.toLowerCase() === "true");
    const authUrl = auth.auth_url ?? config.auth_url;
    if (typeof authUrl === "string" && /[{}]/.test(authUrl)) {
        refuse(
            "auth_url",
            "it holds { or }, which the loader expands from other keys; expected a plain URL",
        );
    }
    return config;
}

export function scalarText(value: unknown, key: string, source: string): string | undefined {
    if (value === null || value === undefined || value === "") {
        return undefined;
    }
    if (typeof value === "string" || (typeof value === "number" && Number.isInteger(value))) {
        return String(value);
    }
    throw configError(`${source} sets ${key} to a ${typeof value}; expected a string`);
}
