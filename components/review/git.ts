// Stack files as git has them: a file at a ref (`git show <ref>:<path>`, no checkout) and the
// stack files a change touches (`git diff --name-status`). The parsing is pure and tested alone.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { STACK_NAME_PATTERN } from "../config/stackname";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

const STACK_FILE = /^stacks\/Pulumi\.([^/]+)\.yaml$/;

export type FileStatus = "added" | "deleted" | "modified";

export interface ChangedFile {
    status: FileStatus;
    path: string;
}

export interface ChangedStack {
    stack: string;
    status: FileStatus;
}

/**
 * `git diff --name-status -z --no-renames` output as files: a rename counts as a delete and an
 * add (the stack behind the old name is gone), a copy or type change as a change.
 */
export function parseNameStatus(output: string): ChangedFile[] {
    const fields = output.split("\0").filter((f) => f !== "");
    const files: ChangedFile[] = [];
    for (let i = 0; i < fields.length; i += 2) {
        const code = fields[i];
        const file = fields[i + 1];
        if (file === undefined || !/^[ACDMTU]/.test(code)) {
            throw new Error(`git diff --name-status: unexpected entry ${JSON.stringify(code)}`);
        }
        const status = code[0] === "A" ? "added" : code[0] === "D" ? "deleted" : "modified";
        files.push({ status, path: file });
    }
    return files;
}

/** The stack files among changed files, by stack name, sorted. */
export function changedStacks(files: ChangedFile[]): ChangedStack[] {
    return files
        .flatMap((f) => {
            const stack = STACK_FILE.exec(f.path)?.[1];
            return stack === undefined ? [] : [{ stack, status: f.status }];
        })
        .sort((a, b) => a.stack.localeCompare(b.stack));
}

/** Files changed between `base` and the working tree (or `head` when given). */
export function changedFiles(base: string, head?: string, cwd = PROJECT_ROOT): ChangedFile[] {
    commitOf(base, cwd);
    const range = head === undefined ? [base] : [base, commitOf(head, cwd)];
    const files = parseNameStatus(
        git(["diff", "--name-status", "-z", "--no-renames", ...range], cwd),
    );
    if (head === undefined) {
        // A new file not yet added is part of the working tree too.
        const untracked = git(["ls-files", "-z", "--others", "--exclude-standard"], cwd);
        files.push(
            ...untracked
                .split("\0")
                .filter(Boolean)
                .map((p) => ({ status: "added" as const, path: p })),
        );
    }
    return files;
}

/** A stack file's text at a ref, or undefined when the ref has no such file. */
export function stackFileAtRef(ref: string, stack: string, cwd = PROJECT_ROOT): string | undefined {
    const commit = commitOf(ref, cwd);
    const spec = `${commit}:stacks/Pulumi.${stack}.yaml`;
    const exists = spawnSync("git", ["cat-file", "-e", spec], { cwd });
    return exists.status === 0 ? git(["show", spec], cwd) : undefined;
}

/** Stack names in stacks/ at a ref. */
export function stacksAtRef(ref: string, cwd = PROJECT_ROOT): string[] {
    const names = git(["ls-tree", "--name-only", "-z", commitOf(ref, cwd), "stacks/"], cwd);
    return names
        .split("\0")
        .flatMap((f) => STACK_FILE.exec(f)?.[1] ?? [])
        .sort();
}

/** The commit a ref names; a ref git does not know fails with the command. */
export function commitOf(ref: string, cwd = PROJECT_ROOT): string {
    if (ref.startsWith("-")) {
        throw new Error(`"${ref}" is not a git ref`);
    }
    const run = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
        cwd,
        encoding: "utf8",
    });
    if (run.error || run.status !== 0) {
        throw new Error(
            `git ref "${ref}" names no commit here (git rev-parse --verify ${ref}); expected a ` +
                `branch, tag or commit of this repository, e.g. origin/main`,
        );
    }
    return run.stdout.trim();
}

function git(args: string[], cwd: string): string {
    const run = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (run.error || run.status !== 0) {
        throw new Error(
            `git ${args.join(" ")} failed (${run.error?.message ?? `exit ${run.status}`})` +
                (run.stderr ? `: ${run.stderr.trim()}` : ""),
        );
    }
    return run.stdout;
}

/** Files whose change can change every stack's preview: the program, its packages, the pack. */
const AFFECTS_EVERY_STACK =
    /^(index\.ts|Pulumi\.yaml|package(-lock)?\.json|tsconfig\.json|components\/|policy\/)/;

/** Stack files that describe no real environment: the template and the local rehearsal. */
export const NOT_DEPLOYED = new Set(["example", "rehearsal"]);

export interface StackToRun {
    stack: string;
    /** Why it runs: its stack file changed, or code every stack runs did. */
    why: "stack file added" | "stack file changed" | "code changed";
}

/**
 * The stacks a change must be previewed (and, once merged, applied) in: those whose stack file
 * was added or changed, and every stack at head when the program or the policy pack changed.
 * A deleted stack file is left out (its stack is destroyed by hand, never by a merge), and so
 * are the stacks of NOT_DEPLOYED. Sorted by name. Throws, naming the file, when a stack to run
 * has no Pulumi stack name (components/config/stackname.ts): the names go to `pulumi -s` and the
 * workflows' scripts, so `Pulumi.x$(cmd).yaml` stops the run instead of reaching a shell.
 */
export function stacksToRun(files: ChangedFile[], stacksAtHead: string[]): StackToRun[] {
    const chosen = new Map<string, StackToRun["why"]>();
    for (const { stack, status } of changedStacks(files)) {
        if (status !== "deleted") {
            chosen.set(stack, status === "added" ? "stack file added" : "stack file changed");
        }
    }
    if (files.some((f) => AFFECTS_EVERY_STACK.test(f.path))) {
        for (const stack of stacksAtHead) {
            if (!chosen.has(stack)) {
                chosen.set(stack, "code changed");
            }
        }
    }
    const unnamed = [...chosen.keys()].filter((stack) => !STACK_NAME_PATTERN.test(stack));
    if (unnamed.length > 0) {
        throw new Error(
            `${unnamed.map((s) => `stacks/Pulumi.${s}.yaml`).join(", ")}: not a Pulumi stack name; ` +
                `expected 1 to 100 letters, digits, "-", "_" or "." between "Pulumi." and ".yaml"`,
        );
    }
    return [...chosen]
        .filter(([stack]) => !NOT_DEPLOYED.has(stack))
        .map(([stack, why]) => ({ stack, why }))
        .sort((a, b) => a.stack.localeCompare(b.stack));
}
