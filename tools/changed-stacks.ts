// `npm run -s changed-stacks -- --base <git-ref> [--head <git-ref>] [--json]`: the stacks a change
// must be previewed and applied in (components/review/git.ts, stacksToRun), for the workflows'
// matrices. Prints a JSON array of stack names (with --json, each with why it runs).
// Exit codes (as the command line's): 0 printed (possibly []); 2 could not run: bad usage, git
// failed, or a stack file to run has no stack name (there is no finding, so never 1).
import { Command } from "commander";
import { changedFiles, stacksAtRef, stacksToRun } from "../components/review/git";
import { gitRefArgument } from "./cli/commands";
import { runScript } from "./cli/usage";

const command = new Command("changed-stacks")
    .description("the stacks a change must be previewed and applied in, as a JSON array")
    .requiredOption("--base <git-ref>", "the change's base", gitRefArgument)
    .option("--head <git-ref>", "the change's head (default HEAD)", gitRefArgument)
    .option("--json", "each stack with why it runs; an error as the JSON error document")
    .addHelpText(
        "after",
        "\nExit codes: 0 printed (possibly []); 2 could not run: bad usage, git failed, or a " +
            "stack file to run has no stack name.",
    );

function list(values: { base: string; head?: string; json?: boolean }): number {
    // The repository the command runs in (the workflows run it at the checkout's root).
    const cwd = process.cwd();
    const stacks = stacksToRun(
        changedFiles(values.base, values.head, cwd),
        stacksAtRef(values.head ?? "HEAD", cwd),
    );
    process.stdout.write(`${JSON.stringify(values.json ? stacks : stacks.map((s) => s.stack))}\n`);
    return 0;
}

process.exit(runScript(command, process.argv.slice(2), list));
