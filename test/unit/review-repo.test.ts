// `npm run review` as an operator runs it on a fresh copy of the repository: base against head
// by git ref, the stacks a change touches, and the stack named when a compared file is refused
// (every such stack, when several are).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { readStackFile } from "../../components/config/stackfile";

const ROOT = path.resolve(__dirname, "..", "..");

describe("npm run review on a fresh copy of the repository", function () {
    this.timeout(120000);
    let repo: string;

    const git = (...args: string[]) => {
        const run = spawnSync("git", args, { cwd: repo, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        return run.stdout;
    };
    const review = (...args: string[]) =>
        spawnSync(process.execPath, ["tools/cli/capi-mgmt-ingress.js", "review", ...args], {
            cwd: repo,
            encoding: "utf8",
        });

    before(() => {
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "review-repo-"));
        const files = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
            .stdout.split("\0")
            .filter(Boolean);
        for (const file of files.filter((f) => fs.existsSync(path.join(ROOT, f)))) {
            fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, file), path.join(repo, file));
        }
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"));
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base");
    });

    after(() => fs.rmSync(repo, { recursive: true, force: true }));

    it("shows a changed operator CIDR as lost and gained rows, and --changed lists exactly the changed stacks", () => {
        const file = path.join(repo, "stacks", "Pulumi.example.yaml");
        const doc = parse(fs.readFileSync(file, "utf8"));
        doc.config["capi-mgmt-ingress:operator"].cidrs = ["10.12.4.9/32"];
        fs.writeFileSync(file, stringify(doc));
        fs.writeFileSync(
            path.join(repo, "stacks", "Pulumi.staging.yaml"),
            fs.readFileSync(path.join(repo, "stacks", "Pulumi.rehearsal.yaml")),
        );

        const one = review("--stack", "example", "--base", "HEAD");
        assert.equal(one.status, 0, one.stderr);
        assert.match(one.stdout, /\| lost \| operator \| 6443\/tcp \| 10\.12\.4\.1\/32 \|/);
        assert.match(one.stdout, /\| gained \| operator \| 6443\/tcp \| 10\.12\.4\.9\/32 \|/);

        const all = review("--changed", "--base", "HEAD", "--json");
        assert.equal(all.status, 0, all.stderr);
        const report = JSON.parse(all.stdout) as { stacks: { stack: string; status: string }[] };
        assert.deepEqual(
            report.stacks.map((s) => `${s.stack} ${s.status}`),
            ["example modified", "staging added"],
        );
        assert.deepEqual(
            readStackFile(path.join(repo, "stacks", "Pulumi.staging.yaml")),
            readStackFile("rehearsal"),
        );
    });

    it("names the stack whose file is refused when comparing two with --against", () => {
        const doc = parse(
            fs.readFileSync(path.join(repo, "stacks", "Pulumi.example.yaml"), "utf8"),
        );
        doc.config["capi-mgmt-ingress:protectedPorts"] = "x";
        fs.writeFileSync(path.join(repo, "stacks", "Pulumi.broken.yaml"), stringify(doc));
        try {
            const run = review("--stack", "example", "--against", "broken");
            assert.equal(run.status, 2);
            assert.match(
                run.stderr,
                /- stack broken: capi-mgmt-ingress:protectedPorts: expected array/,
            );
            assert.doesNotMatch(run.stderr, /stack example:/);
        } finally {
            fs.rmSync(path.join(repo, "stacks", "Pulumi.broken.yaml"));
        }
    });

    it("fails with usage on --changed without --base, and names an unknown ref", () => {
        const usage = review("--changed");
        assert.equal(usage.status, 2);
        assert.match(usage.stderr, /--changed needs --base/);
        const bad = review("--changed", "--base", "no-such-ref");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /git ref "no-such-ref" names no commit here/);
        // One stack against an unknown base is an error too, never the stack shown as "added".
        const one = review("--stack", "example", "--base", "no-such-ref");
        assert.equal(one.status, 2);
        assert.match(one.stderr, /git ref "no-such-ref" names no commit here/);
        assert.doesNotMatch(one.stdout, /added/);
    });

    it("stops with exit 2, listing nothing, when the head cannot be read or names no stack", () => {
        const file = path.join(repo, "stacks", "Pulumi.example.yaml");
        const text = fs.readFileSync(file, "utf8");
        try {
            fs.writeFileSync(
                file,
                text.replace(/^ {2}capi-mgmt-ingress:cloud/m, "\tcapi-mgmt-ingress:cloud"),
            );
            for (const args of [[], ["--json"]]) {
                const run = review("--stack", "example", "--base", "HEAD", ...args);
                assert.equal(run.status, 2, run.stdout);
                const said = args.length ? run.stdout : run.stderr;
                assert.match(
                    said,
                    /head of stack example \(.*Pulumi\.example\.yaml in the working tree\)/,
                );
                assert.match(said, /not compared with HEAD/);
                assert.doesNotMatch(run.stdout, /removed|Settings/);
            }
        } finally {
            fs.writeFileSync(file, text);
        }
        const none = review("--stack", "nosuch", "--base", "HEAD");
        assert.equal(none.status, 2);
        assert.match(
            none.stderr,
            /no stack "nosuch": neither HEAD:stacks\/Pulumi\.nosuch\.yaml nor/,
        );
        assert.equal(none.stdout, "");
        const byPath = review("--stack", "stacks/Pulumi.example.yaml", "--base", "HEAD");
        assert.equal(byPath.status, 2);
        assert.match(
            byPath.stderr,
            /--stack takes a stack name .* not the path stacks\/Pulumi\.example\.yaml/,
        );
        assert.equal(byPath.stdout, "");
    });
    it("--changed names every stack whose head has a problem, each with its problems, exit 2", () => {
        const example = parse(
            fs.readFileSync(path.join(repo, "stacks", "Pulumi.example.yaml"), "utf8"),
        ).config;
        const planted = ["pl4nted-provider-pw", "AAAApl4ntedCiphertext"];
        const added: Record<string, Record<string, unknown>> = {
            "new-a": { "openstack:password": planted[0], "capi-mgmt-ingress:bogusKey": 1 },
            "new-b": { "capi-mgmt-ingress:cloud": { secure: planted[1] } },
            "new-c": { "capi-mgmt-ingress:protectedPorts": "x" },
        };
        const files = Object.keys(added).map((s) => path.join(repo, "stacks", `Pulumi.${s}.yaml`));
        Object.values(added).forEach((extra, i) =>
            fs.writeFileSync(files[i], stringify({ config: { ...example, ...extra } })),
        );
        try {
            for (const args of [[], ["--json"]]) {
                const run = review("--changed", "--base", "HEAD", ...args);
                assert.equal(run.status, 2, run.stdout);
                for (const value of planted) {
                    assert.equal((run.stdout + run.stderr).includes(value), false, value);
                }
                const said = args.length ? JSON.parse(run.stdout).error : undefined;
                const text = said ? said.message : run.stderr;
                assert.match(text, /the heads of stacks new-a, new-b \(.*\) cannot be read/);
                assert.match(text, /nothing is listed/);
                assert.doesNotMatch(run.stdout, /Settings/);
                const problems: string[] = said
                    ? said.problems
                    : text
                          .split("\n")
                          .filter((l: string) => l.startsWith("  - "))
                          .map((l: string) => l.slice(4));
                const of = (stack: string) =>
                    problems
                        .filter((p) => p.startsWith(`stack ${stack}: head (the working tree): `))
                        .map((p) => p.replace(/^.*?\(the working tree\): /, ""));
                const [a, b, c] = Object.keys(added).map(of);
                assert.equal(a.length, 2, a.join("\n"));
                assert.match(a[0], /^openstack:password is a credential in plain text/);
                assert.match(a[1], /^capi-mgmt-ingress: unknown key bogusKey; remove it$/);
                assert.equal(b.length, 1, b.join("\n"));
                assert.match(b[0], /^capi-mgmt-ingress:cloud is a secret at /);
                assert.equal(c.length, 1, c.join("\n"));
                assert.match(c[0], /^capi-mgmt-ingress:protectedPorts: expected array/);
                assert.equal(problems.length, 4, problems.join("\n"));
            }
        } finally {
            files.forEach((f) => fs.rmSync(f));
        }
    });

    it("--changed names a head the derivation refuses and a file name that is no stack name among the others, exit 2", () => {
        const text = fs.readFileSync(path.join(repo, "stacks", "Pulumi.example.yaml"), "utf8");
        const example = parse(text).config;
        const operator = example["capi-mgmt-ingress:operator"];
        const heads: Record<string, string> = {
            bad1: stringify({
                config: {
                    ...example,
                    "openstack:password": "pl4nted",
                    "capi-mgmt-ingress:bogus": 1,
                },
            }),
            bad2: stringify({
                config: {
                    ...example,
                    "capi-mgmt-ingress:operator": { ...operator, cidrs: ["0.0.0.0/0"] },
                },
            }),
            bad3: text.replace(/^ {2}capi-mgmt-ingress:cloud/m, "\tcapi-mgmt-ingress:cloud"),
            bad4: stringify({ config: { "capi-mgmt-ingress:minPrefixLength": "x" } }),
            "bad_name!": text,
            good: text,
        };
        const files = Object.keys(heads).map((s) => path.join(repo, "stacks", `Pulumi.${s}.yaml`));
        Object.values(heads).forEach((t, i) => fs.writeFileSync(files[i], t));
        try {
            const run = review("--changed", "--base", "HEAD", "--json");
            assert.equal(run.status, 2, run.stdout);
            const { message, problems } = JSON.parse(run.stdout).error as {
                message: string;
                problems: string[];
            };
            const of = (stack: string) =>
                problems
                    .filter((p) => p.startsWith(`stack ${stack}: head (the working tree): `))
                    .map((p) => p.replace(/^.*?\(the working tree\): /, ""));
            assert.match(
                message,
                /the heads of stacks bad_name!, bad1, bad3 \(.*\) cannot be read/,
            );
            assert.match(message, /stacks\/Pulumi\.bad_name!\.yaml/);
            assert.equal(of("bad1").length, 2, of("bad1").join("\n"));
            const derived = of("bad2");
            assert.equal(derived.length, 1, derived.join("\n"));
            assert.match(
                derived[0],
                /^allow-set: operator source 0\.0\.0\.0\/0 .* can never be allowed/,
            );
            assert.equal(of("bad3").length, 1);
            assert.ok(of("bad4").length > 1, of("bad4").join("\n"));
            assert.ok(of("bad4").some((p) => p.includes("minPrefixLength")));
            const name = of("bad_name!");
            assert.equal(name.length, 1);
            assert.match(name[0], /^"bad_name!" is not a stack name: /);
            assert.doesNotMatch(name[0], /give a path/);
            assert.deepEqual(of("good"), []);
            assert.equal(
                problems.length,
                [..."1234"].reduce((n, i) => n + of(`bad${i}`).length, 1),
                problems.join("\n"),
            );
            assert.ok(message.includes(problems.join("\n  - ")));
        } finally {
            files.forEach((f) => fs.rmSync(f));
        }
    });
});
