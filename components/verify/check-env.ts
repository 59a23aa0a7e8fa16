// Secrets for custom checks: the values of `verify.custom[].env` may be Pulumi secrets (`pulumi
// config set --secret --path 'verify.custom[0].env.TOKEN'`), and nothing else in the stack
// config may. Pulumi marks only whole keys secret at run time (PULUMI_CONFIG_SECRET_KEYS), so
// which leaves are secret is read from the stack file, where each is a `{ secure: ... }` value.
// The values themselves reach the program decrypted, go only into the custom check's
// local.Command environment (a Pulumi secret, encrypted in state) and are never printed.

type Path = (string | number)[];

function isSecure(value: unknown): boolean {
    return (
        typeof value === "object" && value !== null && !Array.isArray(value) && "secure" in value
    );
}

/** The paths of the `{ secure: ... }` leaves inside a stack file value. */
export function secureLeaves(value: unknown, at: Path = []): Path[] {
    if (isSecure(value)) {
        return [at];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => secureLeaves(v, [...at, i]));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => secureLeaves(v, [...at, k]));
    }
    return [];
}

/** True for custom.<i>.env.<NAME> inside the verify key. */
export function isCheckEnv(path: Path): boolean {
    return (
        path.length === 4 &&
        path[0] === "custom" &&
        typeof path[1] === "number" &&
        path[2] === "env" &&
        typeof path[3] === "string"
    );
}

function dotted(key: string, path: Path): string {
    return [key, ...path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`))].join("");
}

/**
 * Checks that a secret config key holds secrets only where this project takes them:
 * `<namespace>:verify` with every `secure` leaf at custom[i].env.NAME. `fileValue` is the key's
 * value as the stack file writes it (undefined when the file could not be read). Throws naming
 * the key and the secret paths; never a value.
 */
export function assertSecretsOnlyInCheckEnv(
    fullKey: string,
    key: string,
    fileValue: unknown,
    file: string,
): void {
    const refuse = (why: string) =>
        new Error(
            `${fullKey} is a secret; ${why}. This project takes secrets from stack config only ` +
                `as the values of verify.custom[].env (credentials come from clouds.yaml or OS_* ` +
                `variables)`,
        );
    const leaves = fileValue === undefined ? [] : secureLeaves(fileValue);
    if (key !== "verify") {
        // Pulumi marks the whole key secret for a secure leaf at any depth: name the leaves.
        const paths = leaves.filter((p) => p.length > 0).map((p) => dotted(key, p));
        throw refuse(`it is not verify${paths.length ? ` (${paths.join(", ")} in ${file})` : ""}`);
    }
    if (leaves.length === 0) {
        throw refuse(`${file} shows no secure value under it to check`);
    }
    const outside = leaves.filter((path) => !isCheckEnv(path));
    if (outside.length > 0) {
        throw refuse(`${outside.map((p) => dotted(key, p)).join(", ")} is secret`);
    }
}

/**
 * For the tools that run without the engine (and so cannot decrypt): each secret value of
 * verify.custom[].env comes from the environment variable of the same name, or the check is
 * refused naming that variable and where the value is (`at`: file:line:col of a path inside
 * verify). Returns the verify value with those leaves replaced.
 */
export function checkEnvFromEnvironment(
    verify: unknown,
    env: NodeJS.ProcessEnv,
    at: (path: Path) => string,
): unknown {
    const leaves = secureLeaves(verify);
    if (leaves.length === 0) {
        return verify;
    }
    const copy = structuredClone(verify) as Record<string, unknown>;
    for (const path of leaves) {
        if (!isCheckEnv(path)) {
            throw new Error(
                `${dotted("verify", path)} is a secret at ${at(path)}; only the values of ` +
                    `verify.custom[].env may be secrets`,
            );
        }
        const name = path[3] as string;
        const value = env[name];
        if (value === undefined) {
            throw new Error(
                `${dotted("verify", path)} is a Pulumi secret at ${at(path)}, which only pulumi ` +
                    `can decrypt; export ${name} to run this check outside pulumi up`,
            );
        }
        const custom = copy.custom as Record<string, Record<string, unknown>>[];
        custom[path[1] as number].env[name] = value;
    }
    return copy;
}
