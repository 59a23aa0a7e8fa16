// How a stack's values reach the program, for the program (components/program.ts) and for the
// tools that read the stack file without the engine (components/config/stackfile.ts): one rule,
// so both accept the same files and refuse them with the same words.
import { CREDENTIAL_NAME } from "./credential-name";
import { NAMESPACE } from "./fields";

type Path = (string | number)[];

/**
 * The value the program validates for a top-level key of this namespace. `value` is what the
 * engine hands the program (always text) or what the stack file's YAML holds (the tools).
 *
 * Pulumi passes every config value to the program as text (PULUMI_CONFIG, a JSON map of strings:
 * parseConfig in sdk/nodejs/runtime/config.ts): a YAML string as it is, so `allowDestroy: "false"`
 * arrives as `false`, and anything else as its JSON (MarshalString of `object` in
 * sdk/go/common/resource/config/object.go: `16` as `16`, a mapping as its JSON). And
 * `pulumi config set <key> <value>` stores the value as a string (config.NewValue in
 * pkg/cmd/pulumi/config/config_set.go); only with `--path` are `true`, `false` and integers
 * stored typed (adjustObjectValue in sdk/go/common/resource/config/map.go). So the text is read
 * as JSON where it parses, as Config.getBoolean ("true"/"false") and requireObject (JSON.parse)
 * read it in sdk/nodejs/config.ts, and as text otherwise; `cloud` (a clouds.yaml name) is text.
 * The engine lets such text through Pulumi.yaml's declared types too: ValidateConfigValue in
 * sdk/go/common/workspace/project.go takes "true"/"false" as a boolean, and text that
 * strconv.Atoi reads as an integer.
 */
export function programValue(key: string, value: unknown): unknown {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (key === "cloud") {
        return text;
    }
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

export { CREDENTIAL_NAME };

/**
 * The paths custom.<i>.env.<NAME> inside `verify` (the value the program reads) whose NAME is
 * named like a credential (CREDENTIAL_NAME) and whose value is not among `secure`, the paths of
 * the `{ secure: ... }` leaves of the stack file's value of the key.
 */
export function plainCredentialEnv(verify: unknown, secure: Path[]): Path[] {
    const custom = (verify as { custom?: unknown } | null)?.custom;
    if (!Array.isArray(custom)) {
        return [];
    }
    const secret = new Set(secure.map((p) => JSON.stringify(p)));
    return custom.flatMap((check: unknown, i) => {
        const env = (check as { env?: unknown } | null)?.env;
        // Shapes the schema refuses are its to name; a list's keys are indices, never a name.
        if (typeof env !== "object" || env === null) {
            return [];
        }
        return Object.keys(env)
            .map((name): Path => ["custom", i, "env", name])
            .filter((p) => CREDENTIAL_NAME.test(p[3] as string))
            .filter((p) => !secret.has(JSON.stringify(p)));
    });
}

/** The refusal of a plain-text check env credential at `path` in verify; names it, never its value. */
export function plainCredentialProblem(path: Path, at: string): string {
    const key = `verify.custom[${path[1]}].env.${path[3]}`;
    return (
        `${NAMESPACE}:${key} is named like a credential but is plain text (at ${at}); the stack ` +
        "file takes credentials only as Pulumi secrets: set it with `pulumi config set --secret " +
        `--path '${key}' <value>\` (the tools take it from the environment variable ` +
        `${String(path[3])}), and rotate it if the file was ever shared`
    );
}

/**
 * The refusal of a key of this namespace named like a credential (CREDENTIAL_NAME; no key of the
 * schema is) in plain text, `at` where it is (file:line:col); names the key, never its value.
 * Refused as a credential rather than as an unknown key: its value is in the file for anyone
 * who reads it.
 */
export function plainCredentialKeyProblem(fullKey: string, at: string): string {
    return (
        `${fullKey} is named like a credential and is plain text in the stack file (at ${at}); ` +
        `no key of ${NAMESPACE} takes a credential (the cloud's come from clouds.yaml or OS_* ` +
        "variables): remove it; a custom check's credential goes in its env as a Pulumi secret " +
        "(`pulumi config set --secret --path 'verify.custom[<i>].env.<NAME>' <value>`); rotate " +
        "it if the file was ever shared"
    );
}
