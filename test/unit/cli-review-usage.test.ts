// review's options that cannot go together: each refusal names the options the operator gave that
// conflict (never one not given), exits 2 before anything loads, and the help lists the valid
// combinations.
import * as assert from "node:assert/strict";
import { run } from "../support/cli-run";

/** The options a message names (`--changed`, `--stack`), in order. */
const named = (message: string) => [...message.matchAll(/--[a-z]+/g)].map((m) => m[0]);

describe("capi-mgmt-ingress review: options that cannot go together", () => {
    const cases: [string[], string][] = [
        [
            ["--base", "main", "--changed", "--stack", "prod"],
            "option '--changed' cannot be used with option '--stack <env>'",
        ],
        [
            ["--changed", "--stack", "prod"],
            "option '--changed' cannot be used with option '--stack <env>'",
        ],
        [
            ["--base", "main", "--stack", "prod", "--against", "dev"],
            "option '--against <env>' cannot be used with option '--base <git-ref>'",
        ],
        [
            ["--base", "main", "--changed", "--against", "dev"],
            "option '--against <env>' cannot be used with option '--base <git-ref>'",
        ],
        [
            ["--changed", "--against", "dev"],
            "option '--changed' cannot be used with option '--against <env>'",
        ],
        [["--changed"], "--changed needs --base <git-ref>"],
        [["--changed", "--live"], "--changed needs --base <git-ref>"],
        [["--base", "main"], "--base needs --stack <env> or --changed"],
        [["--base", "main", "--live"], "--base needs --stack <env> or --changed"],
        [
            ["--base", "main", "--stack", "stacks/Pulumi.prod.yaml"],
            "with --base, --stack takes a stack name",
        ],
    ];
    for (const [args, said] of cases) {
        it(`review ${args.join(" ")}: ${said}`, async () => {
            const r = await run("review", ...args);
            assert.equal(r.code, 2, r.stderr);
            const [first] = r.stderr.split("\n");
            assert.ok(first.startsWith(`review: ${said}`), r.stderr);
            // A conflict names only options given; what one needs names it first.
            const options = named(first);
            for (const option of said.includes("cannot be used") ? options : options.slice(0, 1)) {
                assert.ok(args.includes(option), `${option} named but not given: ${first}`);
            }
            assert.equal(r.toolsLoaded, 0, "refused before anything loads");
            assert.equal(r.stdout, "");

            const j = await run("review", ...args, "--json");
            const { error } = JSON.parse(j.stdout);
            assert.equal(error.kind, "usage");
            assert.equal(error.exitCode, 2);
            assert.ok(error.message.startsWith(said), error.message);
        });
    }

    it("no --stack and no --base: names what is required, nothing given that is not", async () => {
        for (const args of [[], ["--live"], ["--against", "dev"]]) {
            const r = await run("review", ...args);
            assert.equal(r.code, 2);
            assert.match(
                r.stderr,
                /^review: --stack <env> is required \(or --base <git-ref> --changed\)\n/,
            );
            assert.equal(r.toolsLoaded, 0);
        }
    });

    it("--help lists the valid combinations", async () => {
        const { stdout, code } = await run("review", "--help");
        assert.equal(code, 0);
        assert.ok(
            stdout.includes(
                "Valid combinations (each takes --json too):\n" +
                    "  review --stack <env> [--live] [--against <env>]\n" +
                    "  review --base <git-ref> --stack <env> [--live]\n" +
                    "  review --base <git-ref> --changed [--live]\n",
            ),
            stdout,
        );
    });
});
