// Credential scenarios where the project refuses on purpose, stricter than openstacksdk: each
// names its row of the table in docs/credentials.md and a pattern of the message.
import {
    inCwd,
    KEYSTONE,
    openrc,
    prod,
    pwAuth,
    Scenario,
    SENTINEL,
    withCloud,
} from "./credential-scenarios";

export const REFUSALS: Scenario[] = [
    {
        name: "a vendor profile",
        files: inCwd(prod({ profile: "vexxhost" })),
        env: withCloud,
        refuse: { row: "profile", message: /sets profile: vendor profiles are not supported/ },
    },
    {
        name: "token auth",
        files: inCwd(
            prod(
                { auth_type: "v3token" },
                { auth_url: KEYSTONE, project_name: "magnum", project_domain_name: "Default" },
            ),
        ),
        env: withCloud,
        refuse: {
            row: "auth_type",
            message: /auth_type "v3token", which this program does not support/,
        },
    },
    {
        name: "OIDC auth from the variables",
        env: { ...openrc, OS_AUTH_TYPE: "v3oidcpassword" },
        refuse: { row: "auth_type", message: /auth_type "v3oidcpassword"/ },
    },
    {
        name: "a duplicate password key",
        files: {
            "cwd/clouds.yaml": `clouds:\n  prod:\n    auth:\n      auth_url: ${KEYSTONE}\n      username: operator\n      password: ${SENTINEL}\n      password: ${SENTINEL}-2\n      project_name: magnum\n      user_domain_name: Default\n      project_domain_name: Default\n`,
        },
        env: withCloud,
        refuse: {
            row: "duplicate keys",
            message: /clouds\.yaml: not valid YAML at line 7, column 7 \(DUPLICATE_KEY\)/,
        },
    },
    {
        name: "a password starting with @",
        files: {
            "cwd/clouds.yaml": `clouds:\n  prod:\n    auth:\n      auth_url: ${KEYSTONE}\n      password: @${SENTINEL}\n`,
        },
        env: withCloud,
        refuse: {
            row: "parse errors",
            message: /clouds\.yaml: not valid YAML at line 5, column 17 \(BAD_SCALAR_START\)/,
        },
    },
    {
        name: "a tab in secure.yaml",
        files: {
            ...inCwd(prod({}, { ...pwAuth, password: undefined })),
            "cwd/secure.yaml": `clouds:\n  prod:\n    auth:\n\t  password: ${SENTINEL}\n`,
        },
        env: withCloud,
        refuse: { row: "parse errors", message: /secure\.yaml: not valid YAML at line 4/ },
    },
    {
        name: "OS_CLIENT_CONFIG_FILE naming no file",
        files: inCwd(prod()),
        env: { ...withCloud, OS_CLIENT_CONFIG_FILE: "<root>/missing.yaml" },
        refuse: {
            row: "OS_CLIENT_CONFIG_FILE",
            message: /OS_CLIENT_CONFIG_FILE names .*missing\.yaml, which does not exist/,
        },
    },
    {
        name: "a regions list",
        files: inCwd(prod({ regions: ["R1", "R2"] })),
        env: withCloud,
        refuse: { row: "regions", message: /sets regions: not supported/ },
    },
    {
        name: "verify as a path",
        files: inCwd(prod({ verify: "/etc/ssl/ca.pem" })),
        env: withCloud,
        refuse: { row: "verify", message: /sets verify to a string; expected true or false/ },
    },
    {
        name: "a domain scope",
        files: inCwd(
            prod(
                {},
                {
                    auth_url: KEYSTONE,
                    username: "operator",
                    password: SENTINEL,
                    user_domain_name: "Default",
                    domain_name: "corp",
                },
            ),
        ),
        env: withCloud,
        refuse: { row: "domain scope", message: /sets domain_name without a project/ },
    },
    {
        name: "password auth with an application credential id in auth",
        files: inCwd(prod({}, { ...pwAuth, application_credential_id: "ac-1" })),
        env: withCloud,
        refuse: {
            row: "stray auth keys",
            message: /sets auth\.application_credential_id, which password auth does not read/,
        },
    },
    {
        name: "no password anywhere",
        files: inCwd(prod({}, { ...pwAuth, password: undefined })),
        env: withCloud,
        refuse: {
            row: "incomplete",
            message: /incomplete for password auth: expected password \(OS_PASSWORD\)/,
        },
    },
    {
        name: "comma-separated regions",
        files: inCwd(prod({ region_name: "R1,R2" })),
        env: withCloud,
        refuse: { row: "regions", message: /lists several regions in region_name/ },
    },
    {
        name: "OS_CLOUD_NAME",
        env: { ...openrc, OS_CLOUD_NAME: "mine" },
        refuse: { row: "OS_CLOUD_NAME", message: /OS_CLOUD_NAME is set/ },
    },
    {
        name: "auth_url with braces",
        files: inCwd(prod({}, { ...pwAuth, auth_url: "https://{region_name}.example/v3" })),
        env: withCloud,
        refuse: { row: "auth_url braces", message: /auth_url: it holds \{ or \}/ },
    },
    {
        name: "OS_CLOUD with OS_REGION_NAME naming another region",
        files: inCwd(prod({ region_name: "RegionTwo" })),
        env: { ...withCloud, OS_REGION_NAME: "RegionOne" },
        refuse: {
            row: "OS_REGION_NAME",
            message:
                /reads region "RegionTwo" from the cloud, the openstack provider \(and the openstack CLI\) take "RegionOne"/,
        },
    },
];
