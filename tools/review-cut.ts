// `npm run -s review:cut -- --for <comment|summary> [--link <run url>] < review.md`: the review
// cut to fit a pull-request comment (65,536 characters) or a step's job summary (1 MiB), with a
// line saying it was cut and where the full review is (components/review/cut.ts). Prints the
// review unchanged when it fits.
// Exit codes: 0 printed; 2 could not run: bad usage, or stdin could not be read.
import * as fs from "node:fs";
import { Command, Option } from "commander";
import { maskSecrets } from "../components/mask";
import { COMMENT_LIMIT, cutReview, SUMMARY_LIMIT } from "../components/review/cut";
import { runScript } from "./cli/usage";

const command = new Command("review:cut")
    .description(
        "the review on stdin cut to fit a pull-request comment or a job summary, with a line " +
            "saying where the full review is; unchanged when it fits",
    )
    .usage("--for <comment|summary> [--link <run url>] < review.md")
    .addOption(
        new Option("--for <where>", "what it must fit")
            .choices(["comment", "summary"])
            .makeOptionMandatory(),
    )
    .option("--link <run url>", "the workflow run that holds the full review")
    .addHelpText(
        "after",
        "\nExit codes: 0 printed; 2 could not run: bad usage, or stdin could not be read.",
    );

function cut(values: { for: "comment" | "summary"; link?: string }): number {
    // The link is printed in the review: a password or token in it is masked (invariant 5).
    const run = values.link ? `the workflow run ${maskSecrets(values.link)}` : "this workflow run";
    const fullReviewAt =
        values.for === "comment"
            ? `the job summary of ${run} (past 1 MiB, in its review step's log)`
            : `the log of the review step of ${run}`;
    const markdown = fs.readFileSync(0, "utf8");
    const limit = values.for === "comment" ? COMMENT_LIMIT : SUMMARY_LIMIT;
    process.stdout.write(cutReview(markdown, { limit, fullReviewAt }));
    return 0;
}

// Not process.exit: it would cut short the write of a long review to a pipe.
process.exitCode = runScript(command, process.argv.slice(2), cut);
