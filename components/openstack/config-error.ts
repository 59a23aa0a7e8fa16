// The mark of a deliberate refusal of the operator's OpenStack configuration (clouds.yaml,
// secure.yaml, OS_CLOUD and the other OS_* variables): the command line reports it as kind
// "config", exit 2 (tools/cli/output.ts); any other error, a program fault included, as kind "run".
//
// Told by its name, not by a class: dynamic providers capture these modules by value into
// serialized closures, whose serializer rewrites `extends Error` and breaks instanceof.

/** The `name` of a refused configuration; tools/cli/output.ts reads it. */
export const CONFIG_ERROR_NAME = "EnvironmentError";

/** An Error named {@link CONFIG_ERROR_NAME}: the operator's configuration is refused. */
export function configError(message: string): Error {
    const err = new Error(message);
    err.name = CONFIG_ERROR_NAME;
    return err;
}
