// `capi-mgmt-ingress review --stack <env> [--live] [--against <env>] [--json]`: Markdown for a
// pull request. With --live, drift on the group is a finding (exit 1), and so is a plan the
// preview would refuse (exposure left beyond the allow-set, retire targets not approved); retire
// targets the stack approves are the change under review, not a finding. Without --live, sources
// the config names that the preview would refuse are a config error (exit 2).
// `capi-mgmt-ingress review (--stack <env> | --changed) --base <git-ref> [--live] [--json]`: what a
// change does to each stack, the stack file at the ref against the working tree; a stack whose
// config (or derivation) has a problem is a finding.
import * as fs from "node:fs";
import * as path from "node:path";
import { liveReview, restLookups } from "../components/discover/rest-lookups";
import {
    renderComparison,
    renderReview,
    ReviewInput,
    settingsRows,
} from "../components/review/markdown";
import {
    loadStackConfig,
    parseStackFileText,
    readStackFile,
    stackFilePath,
    stackNames,
    STACKS_DIR,
} from "../components/config/stackfile";
import {
    ConfigError,
    parseStackConfig,
    StackConfig,
    stackConfigProblems,
} from "../components/config/schema";
import { STACK_NAME_PATTERN } from "../components/config/stackname";
import { openSession } from "../components/openstack/keystone";
import { stackCloud } from "../components/openstack/credentials";
import {
    changedFiles,
    changedStacks,
    commitOf,
    stackFileAtRef,
    stacksAtRef,
} from "../components/review/git";
import { diffStack, SideInput, StackDiff } from "../components/review/diff";
import { DiffReport, renderDiffReport } from "../components/review/diff-markdown";
import { measureBoth } from "../components/review/live";
import {
    baseReviewCounts,
    checkConfiguredSources,
    driftRows,
    previewRefusals,
    reviewWarnings,
    verdictLines,
} from "../components/review/verdict";
import { maskSecrets } from "../components/mask";
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
    /** Stacks reviewed live whose preview would refuse (`live.previewRefuses` not empty). */
    refusing: number;
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
        /** Drift no `acceptedExposure` entry names by id: each a finding. */
        drift: { id: string; reason: string }[];
        /** Drift accepted by id with a reason: shown, not a finding (the program goes ahead). */
        acceptedDrift: { id: string; reason: string; accepted: string }[];
        /** Why `pulumi preview` would refuse this plan; empty when it would go ahead. */
        previewRefuses: string[];
    };
}

export async function runReview(options: ReviewOptions, progress: Progress): Promise<ReviewReport> {
    const names = options.against ? [options.stack, options.against] : [options.stack];
    const configs = loadConfigs(names, options.live);
    const input = await reviewInput(options.stack, configs[0], options.live, progress);
    const other = options.against
        ? await reviewInput(options.against, configs[1], options.live, progress)
        : undefined;
    const inputs = other ? [input, other] : [input];
    const stacks = inputs.map(stackReview);
    const verdicts = stacks.flatMap((s) =>
        s.live ? verdictLines(s.stack, s.live.previewRefuses, s.live.drift) : [],
    );
    const markdown = other ? renderComparison(input, other) : renderReview(input);
    return {
        markdown: verdicts.length ? `${markdown}${verdicts.join("\n")}\n` : markdown,
        stacks,
        drift: stacks.reduce((n, s) => n + (s.live?.drift.length ?? 0), 0),
        refusing: stacks.filter((s) => (s.live?.previewRefuses.length ?? 0) > 0).length,
    };
}

/**
 * Each stack's config, before anything is measured; without --live, the sources it names are
 * checked as the preview would. Comparing two stacks, both are checked and every refused one is
 * named in one ConfigError: the problems alone do not say whose they are.
 */
function loadConfigs(stacks: string[], live: boolean): StackConfig[] {
    const configs: StackConfig[] = [];
    const refused: { stack: string; err: ConfigError }[] = [];
    for (const stack of stacks) {
        try {
            // The review never runs a check: a secret check env value is shown masked.
            const config = loadStackConfig(stack, "masked");
            if (!live) {
                checkConfiguredSources(config);
            }
            configs.push(config);
        } catch (err) {
            if (!(err instanceof ConfigError)) {
                throw err;
            }
            refused.push({ stack, err });
        }
    }
    if (refused.length === 0) {
        return configs;
    }
    if (stacks.length === 1) {
        throw refused[0].err;
    }
    const problems = refused.flatMap(({ stack, err }) =>
        err.problems.map((p) => `stack ${stack}: ${p}`),
    );
    // A file that cannot be read gives its own message; one alone keeps it, named.
    const [{ stack, err }] = refused;
    const own = refused.length === 1 && !err.message.startsWith("The stack config is not valid");
    throw new ConfigError(problems, own ? `stack ${stack}: ${err.message}` : undefined);
}

async function reviewInput(
    stack: string,
    config: StackConfig,
    live: boolean,
    progress: Progress,
): Promise<ReviewInput> {
    return {
        stack,
        config,
        live: live
            ? await progress.step(discoveryLabel(stack, config), async () => {
                  const measured = await liveReview(config);
                  const warnings = [...measured.warnings, ...reviewWarnings(config, measured.plan)];
                  return { ...measured, warnings };
              })
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
                      group: maskSecrets(input.live.group),
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
                      ...driftRows(input.config, plan),
                      previewRefuses: previewRefusals(input.config, plan),
                  }
                : undefined,
    };
}

export interface BaseReviewOptions {
    /** One stack, or undefined with `changed`. */
    stack?: string;
    changed: boolean;
    base: string;
    live: boolean;
}

export interface BaseReviewReport extends DiffReport {
    markdown: string;
    /**
     * Stacks with a finding (exit 1): a config or derivation problem, or, with --live, a head the
     * preview would refuse or whose group has drift (each shown in its stack's section).
     */
    problems: number;
    /** With --live: stacks whose head the preview would refuse (`stacks[].verdict.refusals`). */
    refusing: number;
    /** With --live: drift rules over every head measured (`stacks[].verdict.drift`). */
    drift: number;
}

/** Base against head for one stack or every changed stack file (components/review/diff.ts). */
export async function runBaseReview(
    options: BaseReviewOptions,
    progress: Progress,
): Promise<BaseReviewReport> {
    // A base git does not know could not be reviewed: an error, never every stack "added".
    commitOf(options.base);
    const stacks = options.changed
        ? changedStacks(changedFiles(options.base)).map((c) => c.stack)
        : [options.stack!];
    const heads = readHeads(stacks, options.base);
    const report: DiffReport = { base: options.base, head: "the working tree", stacks: [] };
    for (const stack of stacks) {
        report.stacks.push(
            await baseAgainstHead(stack, heads.get(stack), options.base, options.live, progress),
        );
    }
    return {
        ...report,
        markdown: renderDiffReport(report),
        ...baseReviewCounts(report.stacks),
    };
}

function readSide(read: () => Record<string, unknown> | undefined): SideInput {
    try {
        return { raw: read() };
    } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
    }
}

/**
 * Every stack's working-tree file, before anything is compared or measured; undefined when it is
 * absent (the change deletes it). Heads that cannot be read stop the review (ConfigError, exit 2):
 * compared with nothing, every setting of the base would show as removed. The error then names
 * every stack whose head has a problem, each problem prefixed with its stack, so that one run
 * shows them all (the heads that do not validate, or name a source the derivation refuses, too,
 * as nothing else is listed; a file name that is no stack name is one such problem).
 */
function readHeads(
    stacks: string[],
    base: string,
): Map<string, Record<string, unknown> | undefined> {
    const heads = new Map<string, Record<string, unknown> | undefined>();
    const refused = new Map<string, string[]>();
    for (const stack of stacks) {
        // --changed takes names from file names: one that is no stack name is one problem of many.
        if (!STACK_NAME_PATTERN.test(stack)) {
            refused.set(stack, [
                `"${stack}" is not a stack name: Pulumi stack names are 1 to 100 letters, ` +
                    `digits, "-", "_" or "." (stacks/Pulumi.<name>.yaml), so its file is not read`,
            ]);
            continue;
        }
        try {
            heads.set(stack, readHead(stack));
        } catch (err) {
            if (!(err instanceof ConfigError)) {
                throw err;
            }
            refused.set(stack, err.problems);
        }
    }
    const unreadable = [...refused.keys()];
    if (unreadable.length === 0) {
        return heads;
    }
    const problems = stacks.flatMap((stack) => {
        const raw = heads.get(stack);
        const found = refused.get(stack) ?? (raw ? headProblems(raw) : []);
        return found.map((p) => `stack ${stack}: head (the working tree): ${p}`);
    });
    const files = unreadable
        .map((stack) =>
            STACK_NAME_PATTERN.test(stack)
                ? stackFilePath(stack)
                : path.join(STACKS_DIR, `Pulumi.${stack}.yaml`),
        )
        .join(", ");
    const which =
        unreadable.length === 1
            ? `the head of stack ${unreadable[0]} (${files} in the working tree) cannot be ` +
              `read, so it is not compared with ${base}`
            : `the heads of stacks ${unreadable.join(", ")} (${files} in the working tree) ` +
              `cannot be read, so no stack is compared with ${base}`;
    throw new ConfigError(
        problems,
        `${which}; nothing is listed:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
}

/**
 * What the schema refuses in a head that was read, or when it validates, the sources it names
 * that the derivation refuses (as `review --stack` without --live checks them): one line each.
 */
function headProblems(raw: Record<string, unknown>): string[] {
    const schema = stackConfigProblems(raw, []);
    if (schema.length > 0) {
        return schema;
    }
    try {
        checkConfiguredSources(parseStackConfig(raw));
        return [];
    } catch (err) {
        if (!(err instanceof ConfigError)) {
            throw err;
        }
        return err.problems;
    }
}

/** The working tree's stack file, undefined when it is absent; ConfigError when it cannot be read. */
function readHead(stack: string): Record<string, unknown> | undefined {
    return fs.existsSync(stackFilePath(stack)) ? readStackFile(stack, "masked") : undefined;
}

function configOf(side: SideInput): StackConfig | undefined {
    try {
        return side.raw === undefined ? undefined : parseStackConfig(side.raw);
    } catch {
        return undefined; // diffStack reports it
    }
}

/** One stack: the file at the ref against the working tree, measured once with --live. */
async function baseAgainstHead(
    stack: string,
    head: Record<string, unknown> | undefined,
    base: string,
    live: boolean,
    progress: Progress,
): Promise<StackDiff> {
    const before = readSide(() => {
        const text = stackFileAtRef(base, stack);
        return text === undefined
            ? undefined
            : parseStackFileText(text, `${base}:stacks/Pulumi.${stack}.yaml`, "masked");
    });
    const after: SideInput = { raw: head };
    if (before.raw === undefined && before.error === undefined && after.raw === undefined) {
        // Worded as a stack missing from the working tree is (readStackFile): no "not valid".
        const list = (names: string[]) => (names.length > 0 ? names.join(", ") : "none");
        const [atRef, here] = [list(stacksAtRef(base)), list(stackNames())];
        const known = atRef === here ? here : `at ${base}: ${atRef}; in the working tree: ${here}`;
        const problem =
            `no stack "${stack}": neither ${base}:stacks/Pulumi.${stack}.yaml nor ` +
            `${stackFilePath(stack)} in the working tree exists (stacks: ${known})`;
        throw new ConfigError([problem], problem);
    }
    const [b, h] = [configOf(before), configOf(after)];
    if (live && (b || h)) {
        const config = (h ?? b)!;
        try {
            const measured = await progress.step(discoveryLabel(stack, config), async () =>
                measureBoth(
                    b,
                    h,
                    restLookups(await openSession({ cloud: stackCloud(config.cloud) })),
                ),
            );
            const diff = diffStack(
                stack,
                { ...before, found: measured.base },
                { ...after, found: measured.head },
                true,
            );
            diff.notes.push(...measured.notes);
            return diff;
        } catch (err) {
            after.error = `the live measurement failed: ${err instanceof Error ? err.message : err}`;
        }
    }
    return diffStack(stack, before, after, live);
}
