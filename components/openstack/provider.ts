// The openstack provider's inputs, built from the identity the program's own session uses, so
// that the rules are written as the same user, in the same project, region, interface and TLS
// settings as they are read, gated and retired.
//
// The provider (terraform-provider-openstack through gophercloud's clientconfig) reads more than
// its inputs: every identity input left unset falls back to an OS_* variable, and OS_CLOUD in its
// environment makes it read clouds.yaml itself (its own search path, only `auth:` keys spelt with
// underscores, no XDG, no .yml or .json). Where that reading would differ from openstacksdk's,
// `providerInputs` refuses with both readings instead of guessing.
import * as pulumi from "@pulumi/pulumi";
import { isRecord, parseCloudsFile } from "./clouds-files";
import type { AuthSettings, ResolvedAuth } from "./credentials";

/** The provider's inputs: plain settings, and secrets only where they did not come from OS_*. */
export interface ProviderInputs {
    /** Every identity input, explicit: `cloud` is "" so the inputs alone say who the provider is. */
    plain: {
        cloud: "";
        authUrl: string;
        region: string;
        endpointType: string;
        insecure: boolean;
        cacertFile?: string;
        userName?: string;
        userId?: string;
        userDomainName?: string;
        userDomainId?: string;
        tenantName?: string;
        tenantId?: string;
        projectDomainName?: string;
        projectDomainId?: string;
        applicationCredentialId?: string;
        applicationCredentialName?: string;
    };
    /** From clouds.yaml or secure.yaml; they go to the provider as Pulumi secrets. */
    secret: { password?: string; applicationCredentialSecret?: string };
}

/**
 * The provider's inputs for the resolved identity. A pure function of the identity and the
 * environment: two evaluations give identical inputs. Throws, naming the variable or key and
 * both readings, when the provider would authenticate otherwise (docs/credentials.md).
 */
export function providerInputs(
    resolved: ResolvedAuth,
    env: NodeJS.ProcessEnv,
    cwd: string,
    requestedCloud?: string,
): ProviderInputs {
    const s = resolved.settings;
    refuseEnvironmentFallbacks(s, env);
    if (env.OS_CLOUD) {
        refuseOwnCloudsReading(s, env, cwd, requestedCloud);
    }
    const plain: ProviderInputs["plain"] = {
        cloud: "",
        authUrl: s.authUrl,
        region: s.regionName ?? "",
        endpointType: s.interface,
        insecure: s.insecure,
        cacertFile: s.cacert,
        userName: s.username,
        userId: s.userId,
        userDomainName: s.userDomainName,
        userDomainId: s.userDomainId,
        tenantName: s.projectName,
        tenantId: s.projectId,
        projectDomainName: s.projectDomainName,
        projectDomainId: s.projectDomainId,
        applicationCredentialId: s.applicationCredentialId,
        applicationCredentialName: s.applicationCredentialName,
    };
    for (const key of Object.keys(plain) as (keyof typeof plain)[]) {
        if (plain[key] === undefined) {
            delete plain[key];
        }
    }
    // From the environment, the provider reads the same variable itself: nothing to store.
    const secret: ProviderInputs["secret"] = {};
    if (s.secretFrom === "file") {
        if (s.method === "password") {
            secret.password = resolved.secrets.password;
        } else {
            secret.applicationCredentialSecret = resolved.secrets.applicationCredentialSecret;
        }
    }
    return { plain, secret };
}

/** The `openstack.Provider` arguments: secrets wrapped so that state holds them encrypted. */
export function providerArgs(
    inputs: ProviderInputs,
): Record<string, pulumi.Input<string | boolean>> {
    const args: Record<string, pulumi.Input<string | boolean>> = { ...inputs.plain };
    for (const [key, value] of Object.entries(inputs.secret)) {
        if (value !== undefined) {
            args[key] = pulumi.secret(value);
        }
    }
    return args;
}

/**
 * Identity inputs left unset fall back to OS_* variables in the provider (its schema defaults,
 * and gophercloud's clientconfig filling empty fields): a stale variable would change who the
 * provider is, while openstacksdk ignores it.
 */
function refuseEnvironmentFallbacks(s: AuthSettings, env: NodeJS.ProcessEnv): void {
    const fallbacks: [string, keyof AuthSettings | null][] = [
        ["OS_USERNAME", "username"],
        ["OS_USER_ID", "userId"],
        ["OS_PROJECT_NAME", "projectName"],
        ["OS_TENANT_NAME", "projectName"],
        ["OS_PROJECT_ID", "projectId"],
        ["OS_TENANT_ID", "projectId"],
        ["OS_USER_DOMAIN_NAME", "userDomainName"],
        ["OS_USER_DOMAIN_ID", "userDomainId"],
        ["OS_PROJECT_DOMAIN_NAME", "projectDomainName"],
        ["OS_PROJECT_DOMAIN_ID", "projectDomainId"],
        ["OS_APPLICATION_CREDENTIAL_ID", "applicationCredentialId"],
        ["OS_APPLICATION_CREDENTIAL_NAME", "applicationCredentialName"],
        ["OS_CACERT", "cacert"],
        ["OS_TOKEN", null],
        ["OS_AUTH_TOKEN", null],
        ["OS_SYSTEM_SCOPE", null],
        ["OS_CERT", null],
        ["OS_KEY", null],
    ];
    for (const [variable, field] of fallbacks) {
        const value = env[variable];
        if (value && (field === null || s[field] === undefined)) {
            throw new Error(
                `${variable} is set, but ${s.source} resolves without it: openstacksdk reads ` +
                    `${s.method} auth ${describe(s)}; the openstack provider would take ${variable} ` +
                    `as its ${field ?? variable.slice(3).toLowerCase()} (a stale variable?); ` +
                    `expected ${variable} unset, or the cloud to name the same value`,
            );
        }
    }
}

/** With OS_CLOUD set, the provider reads clouds.yaml itself; it must find and read the same. */
function refuseOwnCloudsReading(
    s: AuthSettings,
    env: NodeJS.ProcessEnv,
    cwd: string,
    requestedCloud?: string,
): void {
    const fs = require("node:fs") as typeof import("node:fs");
    const path = require("node:path") as typeof import("node:path");
    if (s.cloud !== env.OS_CLOUD || (requestedCloud && requestedCloud !== env.OS_CLOUD)) {
        throw new Error(
            `OS_CLOUD is "${env.OS_CLOUD}", but the program uses ${s.source}: the openstack ` +
                "provider takes OS_CLOUD over its inputs; expected OS_CLOUD unset or naming the same cloud",
        );
    }
    // gophercloud: OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack, /etc/openstack.
    const home = env.HOME ?? "";
    const own = (name: string, override?: string) =>
        [
            override,
            path.join(cwd, name),
            path.join(home, ".config/openstack", name),
            `/etc/openstack/${name}`,
        ]
            .filter((f): f is string => !!f)
            .find((f) => fs.existsSync(f));
    const pairs: [string, string | undefined, string | undefined][] = [
        ["clouds.yaml", s.files.config, own("clouds.yaml", env.OS_CLIENT_CONFIG_FILE)],
        ["secure.yaml", s.files.secure, own("secure.yaml")],
    ];
    for (const [what, ours, theirs] of pairs) {
        if ((ours && path.resolve(cwd, ours)) !== (theirs && path.resolve(cwd, theirs))) {
            throw new Error(
                `With OS_CLOUD set the openstack provider reads ${what} itself: openstacksdk reads ` +
                    `${ours ?? "none"}, the provider would read ${theirs ?? "none"}; expected one file ` +
                    `for both (move it, or unset OS_CLOUD and name the cloud in the stack config)`,
            );
        }
    }
    // gophercloud reads identity keys only under auth: spelt with underscores, and no
    // `insecure` or per-service interface; other keys (volume_api_version, ...) do not matter.
    const authReadable = [
        "auth_url",
        "username",
        "user_id",
        "password",
        "project_name",
        "project_id",
        "user_domain_name",
        "user_domain_id",
        "project_domain_name",
        "project_domain_id",
        "domain_name",
        "domain_id",
        "application_credential_id",
        "application_credential_name",
        "application_credential_secret",
    ];
    for (const file of [s.files.config, s.files.secure]) {
        const entry = file
            ? (parseCloudsFile(file).clouds as Record<string, unknown> | undefined)?.[s.cloud]
            : undefined;
        if (!isRecord(entry)) {
            continue;
        }
        const identityKey = (k: string) => {
            const plain = k.replace(/-/g, "_");
            return (
                authReadable.includes(plain) ||
                /^tenant_|^network_(interface|endpoint_type)$|^insecure$/.test(plain)
            );
        };
        const odd = [
            ...Object.keys(entry).filter(identityKey),
            ...(isRecord(entry.auth)
                ? Object.keys(entry.auth)
                      .filter((k) => !authReadable.includes(k))
                      .map((k) => `auth.${k}`)
                : []),
        ];
        if (odd.length > 0) {
            throw new Error(
                `With OS_CLOUD set the openstack provider reads cloud "${s.cloud}" of ${file} itself, ` +
                    `and gophercloud ignores ${odd.join(", ")}, which openstacksdk reads: expected ` +
                    "them under auth: with underscores (project_domain_name), or OS_CLOUD unset and the cloud named in the stack config",
            );
        }
    }
}

function describe(s: AuthSettings): string {
    const who =
        s.method === "password"
            ? `user ${s.username ?? s.userId} in project ${s.projectName ?? s.projectId}`
            : `application credential ${s.applicationCredentialId ?? s.applicationCredentialName}`;
    return `as ${who}`;
}
