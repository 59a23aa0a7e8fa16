// `npm run review -- --stack <env> [--live] [--against <env>]`: Markdown for a pull request.
import { parseArgs } from "node:util";
import { liveReview } from "../components/discover/rest-lookups";
import { renderComparison, renderReview, ReviewInput } from "../components/review/markdown";
import { loadStackConfig } from "../components/config/stackfile";

async function reviewInput(stack: string, live: boolean): Promise<ReviewInput> {
    const config = loadStackConfig(stack);
    return { stack, config, live: live ? await liveReview(config) : undefined };
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            stack: { type: "string" },
            live: { type: "boolean", default: false },
            against: { type: "string" },
        },
    });
    if (!values.stack) {
        throw new Error("usage: npm run review -- --stack <env> [--live] [--against <env>]");
    }
    const input = await reviewInput(values.stack, values.live);
    if (values.against) {
        const other = await reviewInput(values.against, values.live);
        process.stdout.write(renderComparison(input, other));
    } else {
        process.stdout.write(renderReview(input));
    }
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
