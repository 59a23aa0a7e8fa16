// `npm run review`: what a stack's config does, as Markdown for a pull request (or JSON).
//   --stack <env>                     one stack's effective settings (--live: allow-set, targets)
//   --stack <env> --against <env>     two environments side by side
//   --stack <env> --base <git-ref>    the stack file at the ref against the working tree
//   --changed --base <git-ref>        every stack file changed since the ref, one section each
// Exit codes: 0 review written; 1 it could not be made (git, cloud, discovery); 2 bad usage;
// 3 written, but a stack's config (or its derivation) has a problem, listed in the review.
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { liveReview, restLookups } from "../components/discover/rest-lookups";
import {
    renderComparison,
    renderReview,
    reviewData,
    ReviewInput,
} from "../components/review/markdown";
import {
    loadStackConfig,
    parseStackFileText,
    readStackFile,
    stackFilePath,
} from "../components/config/stackfile";
import { parseStackConfig, StackConfig } from "../components/config/schema";
import { openSession } from "../components/openstack/client";
import { changedFiles, changedStacks, stackFileAtRef } from "../components/review/git";
import { diffStack, SideInput, StackDiff } from "../components/review/diff";
import { DiffReport, renderDiffReport } from "../components/review/diff-markdown";
import { measureBoth } from "../components/review/live";

const USAGE = `usage: npm run review -- --stack <env> [--live] [--json] [--against <env> | --base <git-ref>]
       npm run review -- --changed --base <git-ref> [--live] [--json]

  --stack <env>      stacks/Pulumi.<env>.yaml (or a path to a stack file)
  --base <git-ref>   compare with the stack file at this ref (read with git show, no checkout)
  --changed          every stack file changed between --base and the working tree
  --against <env>    compare with another environment
  --live             derive the allow-set and retire targets against the live cloud (both sides
                     of --base from one measurement)
  --json             JSON instead of Markdown

exit codes: 0 written; 1 could not be made; 2 bad usage; 3 written, a stack has a problem`;

async function reviewInput(stack: string, live: boolean): Promise<ReviewInput> {
    const config = loadStackConfig(stack);
    return { stack, config, live: live ? await liveReview(config) : undefined };
}

function readSide(read: () => Record<string, unknown> | undefined): SideInput {
    try {
        return { raw: read() };
    } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
    }
}

function configOf(side: SideInput): StackConfig | undefined {
    try {
        return side.raw === undefined ? undefined : parseStackConfig(side.raw);
    } catch {
        return undefined; // diffStack reports it
    }
}

/** One stack: the file at the ref against the working tree, measured once with --live. */
async function baseAgainstHead(stack: string, base: string, live: boolean): Promise<StackDiff> {
    const before = readSide(() => {
        const text = stackFileAtRef(base, stack);
        return text === undefined
            ? undefined
            : parseStackFileText(text, `${base}:stacks/Pulumi.${stack}.yaml`);
    });
    const after = readSide(() =>
        fs.existsSync(stackFilePath(stack)) ? readStackFile(stack) : undefined,
    );
    if (live) {
        const [b, h] = [configOf(before), configOf(after)];
        if (b || h) {
            process.stderr.write(`review: measuring stack ${stack} against the live cloud\n`);
            try {
                const session = await openSession({ cloud: (h ?? b)!.cloud || undefined });
                const measured = await measureBoth(b, h, restLookups(session));
                before.found = measured.base;
                after.found = measured.head;
                const diff = diffStack(stack, before, after, true);
                diff.notes.push(...measured.notes);
                return diff;
            } catch (err) {
                after.error = `the live measurement failed: ${err instanceof Error ? err.message : err}`;
            }
        }
    }
    return diffStack(stack, before, after, live);
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            stack: { type: "string" },
            live: { type: "boolean", default: false },
            against: { type: "string" },
            base: { type: "string" },
            changed: { type: "boolean", default: false },
            json: { type: "boolean", default: false },
            help: { type: "boolean", short: "h", default: false },
        },
    });
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const usage = (why: string) => {
        process.stderr.write(`${why}\n${USAGE}\n`);
        return 2;
    };
    if (values.changed || values.base) {
        if (!values.base) {
            return usage("--changed needs --base <git-ref>");
        }
        if (values.changed === Boolean(values.stack) || values.against) {
            return usage("give one of --stack <env> or --changed with --base (not --against)");
        }
        const stacks = values.changed
            ? changedStacks(changedFiles(values.base)).map((c) => c.stack)
            : [values.stack!];
        const report: DiffReport = { base: values.base, head: "the working tree", stacks: [] };
        for (const stack of stacks) {
            report.stacks.push(await baseAgainstHead(stack, values.base, values.live));
        }
        process.stdout.write(
            values.json ? `${JSON.stringify(report, null, 2)}\n` : renderDiffReport(report),
        );
        return report.stacks.some((s) => s.problems.length > 0) ? 3 : 0;
    }
    if (!values.stack) {
        return usage("--stack <env> is required");
    }
    const input = await reviewInput(values.stack, values.live);
    const other = values.against ? await reviewInput(values.against, values.live) : undefined;
    if (values.json) {
        process.stdout.write(
            `${JSON.stringify(other ? { stacks: [reviewData(input), reviewData(other)] } : reviewData(input), null, 2)}\n`,
        );
    } else {
        process.stdout.write(other ? renderComparison(input, other) : renderReview(input));
    }
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    },
);
