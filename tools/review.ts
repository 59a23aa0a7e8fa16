// `capi-mgmt-ingress review --stack <env> [--live] [--against <env>] [--json]`: Markdown for a
// pull request. With --live, drift on the group is a finding (exit 1); retire targets are the
// change under review, not a finding.
import { liveReview } from "../components/discover/rest-lookups";
import {
    renderComparison,
    renderReview,
    ReviewInput,
    settingsRows,
} from "../components/review/markdown";
import { loadStackConfig } from "../components/config/stackfile";
import { discoveryLabel, Progress } from "./cli/output";

export interface ReviewOptions {
    stack: string;
    live: boolean;
    against?: string;
}

export interface ReviewReport {
    markdown: string;
    /** What `--json` prints: each stack's settings (secrets masked) and, with --live, its plan. */
    stacks: StackReview[];
    /** Drift rules over every stack reviewed live. */
    drift: number;
}

interface StackReview {
    stack: string;
    settings: Record<string, string>;
    live?: {
        group: string;
        api: string;
        warnings: string[];
        allowSet: { role: string; port: number; source: string; adopted: string | null }[];
        retireTargets: { id: string; admits: string }[];
        drift: { id: string; reason: string }[];
    };
}

export async function runReview(options: ReviewOptions, progress: Progress): Promise<ReviewReport> {
    const input = await reviewInput(options.stack, options.live, progress);
    const other = options.against
        ? await reviewInput(options.against, options.live, progress)
        : undefined;
    const inputs = other ? [input, other] : [input];
    return {
        markdown: other ? renderComparison(input, other) : renderReview(input),
        stacks: inputs.map(stackReview),
        drift: inputs.reduce((n, i) => n + (i.live?.plan.drift.length ?? 0), 0),
    };
}

async function reviewInput(stack: string, live: boolean, progress: Progress): Promise<ReviewInput> {
    const config = loadStackConfig(stack);
    return {
        stack,
        config,
        live: live
            ? await progress.step(discoveryLabel(stack, config), () => liveReview(config))
            : undefined,
    };
}

function stackReview(input: ReviewInput): StackReview {
    const plan = input.live?.plan;
    return {
        stack: input.stack,
        settings: Object.fromEntries(settingsRows(input.config)),
        live:
            input.live && plan
                ? {
                      group: input.live.group,
                      api: input.live.api,
                      warnings: input.live.warnings,
                      allowSet: plan.allowSet.map((e) => ({
                          role: e.role,
                          port: e.port,
                          source: e.remoteIpPrefix,
                          adopted: plan.adoptions.get(e)?.id ?? null,
                      })),
                      retireTargets: plan.retireTargets.map((t) => ({
                          id: t.id,
                          admits: t.admits,
                      })),
                      drift: plan.drift.map((c) => ({ id: c.rule.id, reason: c.reason })),
                  }
                : undefined,
    };
}
