// `npm run -s changed-stacks -- --base <git-ref> [--head <git-ref>] [--json]`: the stacks a change
// must be previewed and applied in (components/review/git.ts, stacksToRun), for the workflows'
// matrices. Prints a JSON array of stack names (with --json, each with why it runs).
// Exit codes (as the command line's): 0 printed (possibly []); 2 could not run: bad usage, git
// failed, or a stack file to run has no stack name (there is no finding, so never 1).
import { parseArgs } from "node:util";
import { changedFiles, stacksAtRef, stacksToRun } from "../components/review/git";
import { argumentProblem } from "./cli/usage";

const USAGE = "usage: npm run -s changed-stacks -- --base <git-ref> [--head <git-ref>] [--json]";

const OPTIONS = {
    base: { type: "string" },
    head: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
} as const;

function main(): number {
    const problem = argumentProblem(OPTIONS, process.argv.slice(2));
    if (problem) {
        process.stderr.write(`${problem}\n${USAGE}\n`);
        return 2;
    }
    const { values } = parseArgs({ options: OPTIONS });
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    if (!values.base) {
        process.stderr.write(`--base is required\n${USAGE}\n`);
        return 2;
    }
    // The repository the command runs in (the workflows run it at the checkout's root).
    const cwd = process.cwd();
    const stacks = stacksToRun(
        changedFiles(values.base, values.head, cwd),
        stacksAtRef(values.head ?? "HEAD", cwd),
    );
    process.stdout.write(`${JSON.stringify(values.json ? stacks : stacks.map((s) => s.stack))}\n`);
    return 0;
}

try {
    process.exit(main());
} catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
}
