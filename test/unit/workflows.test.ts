// The GitHub workflows cannot run here: every workflow and local action parses, and every npm
// command, script, option, path and job it names exists.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { stacksToRun } from "../../components/review/git";

const ROOT = path.resolve(__dirname, "..", "..");
const GITHUB = path.join(ROOT, ".github");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, string>;
    "working-directory"?: string;
}

interface Job {
    needs?: string | string[];
    steps: Step[];
    environment?: string;
    "runs-on": string | string[];
}

const yamlFiles = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const file = path.join(dir, e.name);
        return e.isDirectory() ? yamlFiles(file) : /\.ya?ml$/.test(e.name) ? [file] : [];
    });

const load = (file: string) => parse(fs.readFileSync(file, "utf8"), { uniqueKeys: true });

const scriptsOf = (dir: string): Record<string, string> =>
    JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).scripts ?? {};

/** Every step of every job and local action, with where it runs. */
function allSteps(): { file: string; job: string; step: Step; index: number }[] {
    return yamlFiles(GITHUB).flatMap((file) => {
        const doc = load(file);
        const jobs: [string, Job][] = doc.jobs
            ? Object.entries(doc.jobs)
            : [["(composite)", { steps: doc.runs.steps, "runs-on": "" }]];
        return jobs.flatMap(([job, body]) =>
            body.steps.map((step, index) => ({
                file: path.relative(ROOT, file),
                job,
                step,
                index,
            })),
        );
    });
}

describe("workflows", () => {
    const workflows = fs
        .readdirSync(path.join(GITHUB, "workflows"))
        .map((f) => path.join(GITHUB, "workflows", f));

    it("parse, with unique keys, and name only jobs that exist", () => {
        assert.ok(workflows.length >= 2);
        for (const file of yamlFiles(GITHUB)) {
            const doc = load(file);
            for (const [name, job] of Object.entries((doc.jobs ?? {}) as Record<string, Job>)) {
                for (const need of [job.needs ?? []].flat()) {
                    assert.ok(need in doc.jobs, `${file}: job ${name} needs ${need}`);
                }
                assert.ok(job.steps.length > 0, `${file}: job ${name} has steps`);
            }
        }
    });

    it("run only npm scripts, tools and options that exist", () => {
        const checked: string[] = [];
        for (const { file, job, step } of allSteps()) {
            if (!step.run) continue;
            const dir = path.join(ROOT, step["working-directory"] ?? ".");
            assert.ok(fs.existsSync(dir), `${file} ${job}: working-directory ${dir}`);
            for (const [, script, rest] of step.run.matchAll(
                /npm run (?:-s )?([\w:-]+)([^\n&|>;]*)/g,
            )) {
                const scripts = scriptsOf(dir);
                assert.ok(script in scripts, `${file} ${job}: npm run ${script} is not a script`);
                // The CLI and the ts-node scripts alike declare their options to commander.
                const cli = /tools\/cli\/capi-mgmt-ingress\.js (\w+)/.exec(scripts[script]);
                const tool = cli
                    ? "tools/cli/commands.ts"
                    : /(tools\/[\w/.-]+\.ts)/.exec(scripts[script])?.[1];
                if (tool) {
                    const source = fs.readFileSync(path.join(dir, tool), "utf8");
                    const body = cli
                        ? source.slice(source.indexOf(`.command("${cli[1]}")`))
                        : source;
                    const declared = cli ? body.slice(0, body.indexOf(".action(")) : body;
                    for (const [, option] of rest.matchAll(/--([a-z][\w-]*)/g)) {
                        assert.ok(
                            declared.includes(`"--${option}`),
                            `${file} ${job}: ${tool} has no option --${option}`,
                        );
                    }
                }
                checked.push(script);
            }
            for (const [, command] of step.run.matchAll(/npm (ci|test)\b/g)) {
                if (command === "test") {
                    assert.ok("test" in scriptsOf(dir), `${file} ${job}: npm test in ${dir}`);
                }
                assert.ok(fs.existsSync(path.join(dir, "package-lock.json")), `${dir} lockfile`);
            }
        }
        for (const script of [
            "typecheck",
            "lint",
            "test:unit",
            "review",
            "changed-stacks",
            "policy:config",
            "verify",
        ]) {
            assert.ok(checked.includes(script), `no workflow runs npm run ${script}`);
        }
    });

    it("use pinned actions and local actions and paths that exist", () => {
        for (const { file, job, step, index } of allSteps()) {
            if (step.uses?.startsWith("./")) {
                assert.ok(
                    fs.existsSync(path.join(ROOT, step.uses, "action.yml")),
                    `${file} ${job}: ${step.uses}`,
                );
            } else if (step.uses) {
                assert.match(step.uses, /^[\w-]+\/[\w-]+@v\d+$/, `${file} ${job}`);
            }
            const packs = step.with?.policyPacks;
            if (packs) {
                assert.ok(
                    fs.existsSync(path.join(ROOT, packs, "PulumiPolicy.yaml")),
                    `${file}: ${packs}`,
                );
                const config = step.with!.policyPackConfigs;
                const steps = allSteps().filter((s) => s.file === file && s.job === job);
                assert.ok(
                    steps.some((s) => s.index < index && s.step.run?.includes(`> ${config}`)),
                    `${file} ${job}: ${config} is written before the preview`,
                );
            }
        }
    });

    it("review pull requests that touch stacks, components and the policy pack, as one comment", () => {
        const pr = load(path.join(GITHUB, "workflows", "pull-request.yml"));
        for (const dir of ["stacks/**", "components/**", "policy/**"]) {
            assert.ok(pr.on.pull_request.paths.includes(dir), dir);
        }
        const review: Step[] = pr.jobs.review.steps;
        const write = review.findIndex((s) =>
            /npm run -s review -- --changed --base .* > review\.md/.test(s.run ?? ""),
        );
        assert.ok(write >= 0);
        assert.match(
            review[write].run!,
            /review:cut -- --for summary .*< review\.md >> "\$GITHUB_STEP_SUMMARY"/,
        );
        assert.match(
            review[write].run!,
            /review:cut -- --for comment .*< review\.md > comment\.md/,
        );
        const post = review.findIndex((s) =>
            s.uses?.startsWith("marocchino/sticky-pull-request-comment@"),
        );
        assert.ok(post > write);
        assert.equal(review[post].with!.path, "comment.md");
        assert.ok(review[post].with!.header);
        const preview = pr.jobs.preview;
        assert.match(preview.strategy.matrix.stack, /fromJSON\(needs\.changes\.outputs\.stacks\)/);
        assert.ok(
            preview.steps.some(
                (s: Step) => s.uses?.startsWith("pulumi/actions@") && s.with!.command === "preview",
            ),
        );
        assert.deepEqual(preview["runs-on"], ["self-hosted", "capi-mgmt-ingress"]);
    });

    it("review and preview every change that merges into an up", () => {
        const pr = load(path.join(GITHUB, "workflows", "pull-request.yml"));
        const deploy = load(path.join(GITHUB, "workflows", "deploy.yml"));
        const matches = (filters: string[], file: string) =>
            filters.some((f) => (f.endsWith("/**") ? file.startsWith(f.slice(0, -2)) : f === file));
        const files = [
            "stacks/Pulumi.prod.yaml",
            "components/plan/plan.ts",
            "policy/policies.ts",
            "index.ts",
            "Pulumi.yaml",
            "package.json",
            "package-lock.json",
            "tsconfig.json",
        ];
        for (const filter of [...pr.on.pull_request.paths, ...deploy.on.push.paths]) {
            assert.ok(fs.existsSync(path.join(ROOT, filter.replace(/\/\*\*$/, ""))), filter);
        }
        for (const file of files) {
            // Each of these runs `prod` (components/review/git.ts), so both workflows start on it.
            assert.equal(stacksToRun([{ status: "modified", path: file }], ["prod"]).length, 1);
            assert.ok(matches(pr.on.pull_request.paths, file), `pull-request.yml misses ${file}`);
            assert.ok(matches(deploy.on.push.paths, file), `deploy.yml misses ${file}`);
        }
    });

    it("fail the step when the changed stacks cannot be picked", () => {
        // bash -e ignores a failed command substitution inside echo's argument, not in an
        // assignment: git failing or a stack file without a stack name must stop the run.
        const picks = allSteps().filter((s) => s.step.run?.includes("changed-stacks"));
        assert.equal(picks.length, 2);
        for (const { file, step } of picks) {
            assert.match(step.run!, /^\s*stacks=\$\(npm run -s changed-stacks -- [^\n]*\)$/m, file);
            assert.ok(!/echo[^\n]*\$\(npm run/.test(step.run!), file);
        }
    });

    it("hand expressions to scripts only through the environment", () => {
        // `${{ matrix.stack }}` in a script is spliced in before the shell reads it: a stack file
        // named Pulumi.x$(cmd).yaml would run cmd on the operator's runner.
        for (const { file, job, step } of allSteps()) {
            assert.ok(!step.run?.includes("${{"), `${file} ${job}: ${step.name ?? step.run}`);
        }
    });

    it("apply on main behind a protected environment, then verify", () => {
        const deploy = load(path.join(GITHUB, "workflows", "deploy.yml"));
        assert.deepEqual(deploy.on.push.branches, ["main"]);
        const up = deploy.jobs.up;
        assert.equal(up.environment, "production");
        const steps: Step[] = up.steps;
        const apply = steps.findIndex(
            (s) => s.uses?.startsWith("pulumi/actions@") && s.with!.command === "up",
        );
        const verify = steps.findIndex((s) => /npm run verify -- --stack/.test(s.run ?? ""));
        assert.ok(apply >= 0 && verify > apply);
    });
});
