// Which stacks a change runs in: git's name-status parsed, the selection rules, and the script on
// a scratch repository.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseNameStatus, stacksToRun } from "../../components/review/git";

const ROOT = path.resolve(__dirname, "..", "..");

describe("changed stacks", () => {
    it("parses git diff --name-status -z, refusing what it does not know", () => {
        assert.deepEqual(
            parseNameStatus(
                "M\0stacks/Pulumi.prod.yaml\0A\0stacks/Pulumi.new.yaml\0D\0docs/x.md\0",
            ),
            [
                { status: "modified", path: "stacks/Pulumi.prod.yaml" },
                { status: "added", path: "stacks/Pulumi.new.yaml" },
                { status: "deleted", path: "docs/x.md" },
            ],
        );
        assert.throws(() => parseNameStatus("R100\0a\0b\0"), /unexpected entry "R100"/);
        assert.throws(() => parseNameStatus("M\0"), /unexpected entry/);
    });

    it("runs changed and added stacks, never deleted ones, the template or the rehearsal", () => {
        const files = [
            { status: "modified" as const, path: "stacks/Pulumi.prod.yaml" },
            { status: "added" as const, path: "stacks/Pulumi.staging.yaml" },
            { status: "deleted" as const, path: "stacks/Pulumi.old.yaml" },
            { status: "modified" as const, path: "stacks/Pulumi.example.yaml" },
            { status: "modified" as const, path: "docs/runbook.md" },
            { status: "modified" as const, path: "stacks/README.md" },
        ];
        assert.deepEqual(stacksToRun(files, ["dev", "example", "prod", "staging"]), [
            { stack: "prod", why: "stack file changed" },
            { stack: "staging", why: "stack file added" },
        ]);
    });

    it("refuses a stack file whose name is not a stack name, naming it", () => {
        for (const name of ["x$(touch pwned)", "a b", 'q"uote', "back`tick"]) {
            const files = [{ status: "added" as const, path: `stacks/Pulumi.${name}.yaml` }];
            assert.throws(
                () => stacksToRun(files, []),
                (err: Error) => err.message.startsWith(`stacks/Pulumi.${name}.yaml: not a Pulumi`),
            );
            // At head while the program changes, too; a deleted one runs nowhere.
            const code = [{ status: "modified" as const, path: "index.ts" }];
            assert.throws(() => stacksToRun(code, [name]), /not a Pulumi stack name/);
            const gone = [{ status: "deleted" as const, path: `stacks/Pulumi.${name}.yaml` }];
            assert.deepEqual(stacksToRun(gone, []), []);
        }
        assert.deepEqual(
            stacksToRun([{ status: "added", path: "stacks/Pulumi.eu-west_1.b.yaml" }], []),
            [{ stack: "eu-west_1.b", why: "stack file added" }],
        );
    });

    it("runs every stack when the program or the policy pack changes", () => {
        for (const file of [
            "components/model/rules.ts",
            "policy/policies.ts",
            "package-lock.json",
            "index.ts",
        ]) {
            assert.deepEqual(
                stacksToRun([{ status: "modified", path: file }], ["dev", "prod", "rehearsal"]).map(
                    (s) => `${s.stack} ${s.why}`,
                ),
                ["dev code changed", "prod code changed"],
                file,
            );
        }
        assert.deepEqual(
            stacksToRun([{ status: "modified", path: "docs/runbook.md" }], ["prod"]),
            [],
        );
    });

    it("prints the stacks between two commits as a JSON array", function () {
        this.timeout(60000);
        const repo = fs.mkdtempSync(path.join(os.tmpdir(), "changed-stacks-"));
        try {
            const git = (...args: string[]) =>
                assert.equal(
                    spawnSync(
                        "git",
                        ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args],
                        { cwd: repo },
                    ).status,
                    0,
                );
            fs.mkdirSync(path.join(repo, "stacks"));
            for (const name of ["prod", "dev", "gone"]) {
                fs.writeFileSync(path.join(repo, "stacks", `Pulumi.${name}.yaml`), "config: {}\n");
            }
            git("init", "-q");
            git("add", "-A");
            git("commit", "-qm", "base");
            fs.writeFileSync(path.join(repo, "stacks", "Pulumi.prod.yaml"), "config: { a: 1 }\n");
            fs.writeFileSync(path.join(repo, "stacks", "Pulumi.new.yaml"), "config: {}\n");
            fs.rmSync(path.join(repo, "stacks", "Pulumi.gone.yaml"));
            git("add", "-A");
            git("commit", "-qm", "head");
            const run = spawnSync(
                path.join(ROOT, "node_modules", ".bin", "ts-node"),
                [
                    "--transpile-only",
                    path.join(ROOT, "tools", "changed-stacks.ts"),
                    "--base",
                    "HEAD~1",
                    "--head",
                    "HEAD",
                ],
                { cwd: repo, encoding: "utf8" },
            );
            assert.equal(run.status, 0, run.stderr);
            assert.deepEqual(JSON.parse(run.stdout), ["new", "prod"]);
        } finally {
            fs.rmSync(repo, { recursive: true, force: true });
        }
    });
});
