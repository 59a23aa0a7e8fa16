// Keys of other namespaces in a stack's config (`openstack:region`, `pulumi:template`). They are
// not this project's to read, but the stack file takes no secrets: credentials come from
// clouds.yaml or OS_* variables (docs/credentials.md), so a secret there is refused.
import { NAMESPACE } from "./fields";

/**
 * The openstack provider's credential settings: its config keys that carry a secret
 * (terraform-provider-openstack's provider schema, as @pulumi/openstack's config/vars.d.ts
 * names them: "Password to login with", "Authentication token ...", "Application Credential
 * secret ..."). `key` and `cert` are file paths there, not secrets.
 */
export const CREDENTIAL_KEYS = ["password", "token", "applicationCredentialSecret"];

const WHERE_CREDENTIALS_BELONG =
    "credentials come from clouds.yaml (or secure.yaml) or OS_* variables, never from the " +
    "stack file (docs/credentials.md); remove the key";

/**
 * The problem with a key of another namespace, if any: a secret value at any depth (`secure`
 * true), or a provider credential key (CREDENTIAL_KEYS, any namespace) in plain text. `at` is
 * where the key or its secret leaf is (file:line:col). Names the key, never the value.
 */
export function foreignKeyProblem(
    fullKey: string,
    secure: boolean,
    at: string,
): string | undefined {
    const [namespace, name] = fullKey.split(":", 2);
    if (namespace === NAMESPACE) {
        return undefined;
    }
    if (secure) {
        return (
            `${fullKey} is a secret (at ${at}); the stack file takes no secrets outside ` +
            `${NAMESPACE}:verify.custom[].env: ${WHERE_CREDENTIALS_BELONG}`
        );
    }
    if (CREDENTIAL_KEYS.includes(name ?? "")) {
        return (
            `${fullKey} is a credential in plain text (at ${at}): ${WHERE_CREDENTIALS_BELONG}, ` +
            "and rotate it if the file was ever shared"
        );
    }
    return undefined;
}
