// `npm run -s review:cut -- --for <comment|summary> [--link <run url>] < review.md`: the review
// cut to fit a pull-request comment (65,536 characters) or a step's job summary (1 MiB), with a
// line saying it was cut and where the full review is (components/review/cut.ts). Prints the
// review unchanged when it fits.
// Exit codes: 0 printed; 2 bad usage.
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { COMMENT_LIMIT, cutReview, SUMMARY_LIMIT } from "../components/review/cut";
import { argumentProblem } from "./cli/usage";

const USAGE =
    "usage: npm run -s review:cut -- --for <comment|summary> [--link <run url>] < review.md";

const OPTIONS = {
    for: { type: "string" },
    link: { type: "string" },
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
    if (values.for !== "comment" && values.for !== "summary") {
        process.stderr.write(`--for must be comment or summary\n${USAGE}\n`);
        return 2;
    }
    const run = values.link ? `the workflow run ${values.link}` : "this workflow run";
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
process.exitCode = main();
