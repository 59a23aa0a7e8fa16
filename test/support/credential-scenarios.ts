// Credential scenarios resolved both by the project and by openstacksdk's loader: files laid out
// under a temporary root (home, cwd, xdg, other) and an environment. `refuse` marks where the
// project is stricter on purpose; its key is a row of the table in docs/credentials.md.
import * as YAML from "yaml";

export const SENTINEL = "s3cr3t-sentinel-clouds-Zp4";
export const APP_SENTINEL = "s3cr3t-sentinel-appsecret-Lm9";

export interface Scenario {
    name: string;
    /** Paths relative to the scenario's root; "cwd/" is the working directory, "home/" is HOME. */
    files?: Record<string, string>;
    /** Added to HOME=<root>/home and XDG_CONFIG_DIRS=<root>/sys; "<root>" is replaced. */
    env?: Record<string, string>;
    cloud?: string;
    /** The project refuses: the docs table's row key and a pattern of the message. */
    refuse?: { row: string; message: RegExp };
}

export const KEYSTONE = "https://keystone.example:5000/v3";
export const pwAuth = {
    auth_url: KEYSTONE,
    username: "operator",
    password: SENTINEL,
    project_name: "magnum",
    user_domain_name: "Default",
    project_domain_name: "Default",
};
export const openrc = {
    OS_AUTH_URL: KEYSTONE,
    OS_USERNAME: "operator",
    OS_PASSWORD: SENTINEL,
    OS_PROJECT_NAME: "magnum",
    OS_USER_DOMAIN_NAME: "Default",
    OS_PROJECT_DOMAIN_NAME: "Default",
};
export const appcredEnv = {
    OS_AUTH_TYPE: "v3applicationcredential",
    OS_AUTH_URL: KEYSTONE,
    OS_APPLICATION_CREDENTIAL_ID: "ac-0123",
    OS_APPLICATION_CREDENTIAL_SECRET: APP_SENTINEL,
};

export function without(env: Record<string, string>, ...keys: string[]): Record<string, string> {
    return Object.fromEntries(Object.entries(env).filter(([k]) => !keys.includes(k)));
}

function clouds(entries: Record<string, unknown>): string {
    return YAML.stringify({ clouds: entries });
}
export const prod = (extra: Record<string, unknown> = {}, auth: Record<string, unknown> = pwAuth) =>
    clouds({ prod: { auth, ...extra } });
export const inCwd = (text: string) => ({ "cwd/clouds.yaml": text });
export const withCloud = { OS_CLOUD: "prod" };

export const SCENARIOS: Scenario[] = [
    // The OS_* variables alone.
    { name: "openrc with a password", env: openrc },
    {
        name: "password openrc with stale application credential variables",
        env: {
            ...openrc,
            OS_APPLICATION_CREDENTIAL_ID: "stale",
            OS_APPLICATION_CREDENTIAL_SECRET: APP_SENTINEL,
        },
    },
    { name: "application credential openrc", env: appcredEnv },
    {
        name: "application credential by name with its user",
        env: {
            OS_AUTH_TYPE: "v3applicationcredential",
            OS_AUTH_URL: KEYSTONE,
            OS_APPLICATION_CREDENTIAL_NAME: "deployer",
            OS_APPLICATION_CREDENTIAL_SECRET: APP_SENTINEL,
            OS_USERNAME: "operator",
            OS_USER_DOMAIN_NAME: "Default",
        },
    },
    { name: "OS_INSECURE=1 keeps verification", env: { ...openrc, OS_INSECURE: "1" } },
    { name: "OS_INSECURE=yes keeps verification", env: { ...openrc, OS_INSECURE: "yes" } },
    { name: "OS_INSECURE=true turns it off", env: { ...openrc, OS_INSECURE: "true" } },
    { name: "OS_INSECURE=True turns it off", env: { ...openrc, OS_INSECURE: "True" } },
    { name: "OS_INTERFACE=internal", env: { ...openrc, OS_INTERFACE: "internal" } },
    {
        name: "OS_ENDPOINT_TYPE wins over OS_INTERFACE",
        env: { ...openrc, OS_INTERFACE: "internal", OS_ENDPOINT_TYPE: "admin" },
    },
    { name: "OS_ENDPOINT_TYPE=internalURL", env: { ...openrc, OS_ENDPOINT_TYPE: "internalURL" } },
    { name: "OS_CACERT", env: { ...openrc, OS_CACERT: "/etc/ssl/keystone.pem" } },
    {
        name: "OS_CACERT with OS_INSECURE=true",
        env: { ...openrc, OS_CACERT: "/etc/ssl/keystone.pem", OS_INSECURE: "true" },
    },
    { name: "OS_REGION_NAME with the variables", env: { ...openrc, OS_REGION_NAME: "RegionTwo" } },
    {
        name: "OS_TENANT_NAME for the project",
        env: { ...without(openrc, "OS_PROJECT_NAME"), OS_TENANT_NAME: "legacy" },
    },
    {
        name: "an empty OS_PROJECT_NAME drops OS_TENANT_NAME",
        env: { ...openrc, OS_PROJECT_NAME: "", OS_TENANT_NAME: "legacy" },
        refuse: { row: "incomplete", message: /expected project_name or project_id/ },
    },
    {
        name: "OS_PROJECT_ID wins over OS_TENANT_ID",
        env: { ...openrc, OS_TENANT_ID: "t-1", OS_PROJECT_ID: "p-1" },
    },
    {
        name: "OS_DOMAIN_NAME for both domains",
        env: {
            ...openrc,
            OS_USER_DOMAIN_NAME: "",
            OS_PROJECT_DOMAIN_NAME: "",
            OS_DOMAIN_NAME: "corp",
        },
    },
    {
        name: "OS_DOMAIN_NAME beside OS_USER_DOMAIN_NAME",
        env: { ...openrc, OS_PROJECT_DOMAIN_NAME: "", OS_DOMAIN_NAME: "corp" },
    },
    {
        name: "OS_USER_ID instead of a name",
        env: { ...openrc, OS_USERNAME: "", OS_USER_ID: "u-1" },
    },
    {
        name: "OS_NETWORK_INTERFACE for the network",
        env: { ...openrc, OS_NETWORK_INTERFACE: "internal" },
    },
    { name: "OS_CLOUD=envvars", env: { ...openrc, OS_CLOUD: "envvars" } },
    // Where clouds.yaml is found.
    { name: "./clouds.yaml", files: inCwd(prod()), env: withCloud },
    {
        name: "~/.config/openstack/clouds.yaml",
        files: { "home/.config/openstack/clouds.yaml": prod() },
        env: withCloud,
    },
    {
        name: "./clouds.yml beside ~/.config/openstack/clouds.yaml",
        files: {
            "cwd/clouds.yml": prod({ region_name: "FromCwd" }),
            "home/.config/openstack/clouds.yaml": prod({ region_name: "FromHome" }),
        },
        env: withCloud,
    },
    {
        name: "./clouds.json",
        files: {
            "cwd/clouds.json": JSON.stringify({
                clouds: { prod: { auth: pwAuth, region_name: "Json" } },
            }),
        },
        env: withCloud,
    },
    {
        name: "XDG_CONFIG_HOME before ~/.config",
        files: {
            "xdg/openstack/clouds.yaml": prod({ region_name: "FromXdg" }),
            "home/.config/openstack/clouds.yaml": prod({ region_name: "FromHome" }),
        },
        env: { ...withCloud, XDG_CONFIG_HOME: "<root>/xdg" },
    },
    {
        name: "XDG_CONFIG_HOME without clouds.yaml falls back to ~/.config",
        files: { "home/.config/openstack/clouds.yaml": prod({ region_name: "FromHome" }) },
        env: { ...withCloud, XDG_CONFIG_HOME: "<root>/xdg" },
    },
    {
        name: "XDG_CONFIG_DIRS as the site directory",
        files: { "sys/openstack/clouds.yaml": prod({ region_name: "FromSite" }) },
        env: withCloud,
    },
    {
        name: "OS_CLIENT_CONFIG_FILE before ./clouds.yaml",
        files: {
            "other/mine.yaml": prod({ region_name: "Override" }),
            ...inCwd(prod({ region_name: "FromCwd" })),
        },
        env: { ...withCloud, OS_CLIENT_CONFIG_FILE: "<root>/other/mine.yaml" },
    },
    {
        name: "secure.yaml holds the password",
        files: {
            ...inCwd(prod({}, { ...pwAuth, password: undefined })),
            "home/.config/openstack/secure.yaml": clouds({
                prod: { auth: { password: SENTINEL } },
            }),
        },
        env: withCloud,
    },
    {
        name: "secure.yaml overrides a key",
        files: {
            ...inCwd(prod()),
            "cwd/secure.yaml": clouds({
                prod: { auth: { project_name: "fromsecure" }, region_name: "S" },
            }),
        },
        env: withCloud,
    },
    // How an entry is read.
    {
        name: "dashed project-domain-name",
        files: inCwd(
            prod(
                {},
                { ...pwAuth, project_domain_name: undefined, "project-domain-name": "dashed" },
            ),
        ),
        env: withCloud,
    },
    {
        name: "project_domain_name at the top level beside domain_name",
        files: inCwd(
            prod(
                { project_domain_name: "toplevel", domain_name: "Default" },
                { ...pwAuth, user_domain_name: undefined, project_domain_name: undefined },
            ),
        ),
        env: withCloud,
    },
    {
        name: "username and password at the top level",
        files: inCwd(
            prod(
                { username: "top", password: SENTINEL },
                { ...pwAuth, username: undefined, password: undefined },
            ),
        ),
        env: withCloud,
    },
    {
        name: "domain_name at the top level only",
        files: inCwd(
            prod(
                { domain_name: "corp" },
                { ...pwAuth, user_domain_name: undefined, project_domain_name: undefined },
            ),
        ),
        env: withCloud,
    },
    {
        name: "region_name and interface",
        files: inCwd(prod({ region_name: "RegionTwo", interface: "internal" })),
        env: withCloud,
    },
    {
        name: "endpoint_type wins over interface",
        files: inCwd(prod({ interface: "internal", endpoint_type: "admin" })),
        env: withCloud,
    },
    {
        name: "network_endpoint_type",
        files: inCwd(prod({ network_endpoint_type: "internal" })),
        env: withCloud,
    },
    { name: "interface publicURL", files: inCwd(prod({ interface: "publicURL" })), env: withCloud },
    { name: "verify: false", files: inCwd(prod({ verify: false })), env: withCloud },
    {
        name: "verify: no (YAML 1.1)",
        files: { "cwd/clouds.yaml": `${prod()}    verify: no\n` },
        env: withCloud,
    },
    { name: "insecure: true", files: inCwd(prod({ insecure: true })), env: withCloud },
    { name: 'insecure: "yes" (a string)', files: inCwd(prod({ insecure: "yes" })), env: withCloud },
    { name: "cacert", files: inCwd(prod({ cacert: "/etc/ssl/prod.pem" })), env: withCloud },
    {
        name: "cacert with verify: false",
        files: inCwd(prod({ cacert: "/etc/ssl/prod.pem", verify: false })),
        env: withCloud,
    },
    {
        name: "auth_type v3password",
        files: inCwd(prod({ auth_type: "v3password" })),
        env: withCloud,
    },
    {
        name: "auth_type v3applicationcredential by id",
        files: inCwd(
            prod(
                { auth_type: "v3applicationcredential" },
                {
                    auth_url: KEYSTONE,
                    application_credential_id: "ac-1",
                    application_credential_secret: APP_SENTINEL,
                },
            ),
        ),
        env: withCloud,
    },
    {
        name: "application credential by name with user_domain_name",
        files: inCwd(
            prod(
                { auth_type: "v3applicationcredential" },
                {
                    auth_url: KEYSTONE,
                    application_credential_name: "deployer",
                    application_credential_secret: APP_SENTINEL,
                    username: "operator",
                    user_domain_name: "Default",
                },
            ),
        ),
        env: withCloud,
    },
    {
        name: "Horizon clouds.yaml without a password plus OS_PASSWORD",
        files: inCwd(prod({}, { ...pwAuth, password: undefined })),
        env: { ...withCloud, OS_PASSWORD: SENTINEL },
    },
    {
        name: "OS_CLOUD with stale OS_* identity variables reads the cloud alone",
        files: inCwd(prod()),
        env: { ...withCloud, OS_USERNAME: "someone-else", OS_APPLICATION_CREDENTIAL_ID: "stale" },
    },
    { name: "the only cloud, none named", files: inCwd(prod()) },
    {
        name: "an explicit cloud wins over OS_CLOUD",
        files: inCwd(
            clouds({ prod: { auth: pwAuth }, other: { auth: pwAuth, region_name: "Other" } }),
        ),
        env: withCloud,
        cloud: "other",
    },
    {
        name: "tenant_name in auth",
        files: inCwd(prod({}, { ...pwAuth, project_name: undefined, tenant_name: "legacy" })),
        env: withCloud,
    },
    {
        name: "a numeric project_id",
        files: inCwd(prod({}, { ...pwAuth, project_name: undefined, project_id: 1234 })),
        env: withCloud,
    },
    {
        name: "dashed user-domain-name at the top level",
        files: inCwd(
            prod({ "user-domain-name": "corp" }, { ...pwAuth, user_domain_name: undefined }),
        ),
        env: withCloud,
    },
];
