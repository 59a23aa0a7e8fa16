// Which `--stack` values name a stack: a Pulumi stack name (stacks/Pulumi.<name>.yaml) or a path
// to a stack file. Free of imports so the command line can check it before loading anything.

/**
 * Pulumi's rule for a stack name (pkg/backend validateStackName): 1 to 100 letters, digits,
 * `-`, `_` or `.`. Anything else (`../x`, `a/b`) would make the file name a path.
 */
export const STACK_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

/** Why `stack` is neither a stack name nor a stack file's path; undefined when it is one. */
export function stackNameProblem(stack: string): string | undefined {
    // `--stack --json`: the next option taken as the value, which Pulumi's rule would accept.
    if (stack.startsWith("--")) {
        return `"${stack}" is an option, not a stack name: give the stack's name after --stack`;
    }
    if (stack.endsWith(".yaml") || STACK_NAME_PATTERN.test(stack)) {
        return undefined;
    }
    return (
        `"${stack}" is not a stack name: Pulumi stack names are 1 to 100 letters, digits, ` +
        `"-", "_" or "." (stacks/Pulumi.<name>.yaml); give a path ending in .yaml for a stack file`
    );
}
