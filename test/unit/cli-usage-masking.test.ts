// Usage errors quote the arguments they refuse: a credential given as one (`--password=x`,
// `--stack password=x`, an unknown command `token=x`) is masked in the text on stderr and in the
// --json document, and the rest of the message still names what was refused.
import * as assert from "node:assert/strict";
import { Command } from "commander";
import { runScript } from "../../tools/cli/usage";
import { run } from "../support/cli-run";

const LEAK = "S8LEAKusage";

describe("command line: usage errors mask credentials in the arguments they quote", () => {
    const cases: [string[], RegExp][] = [
        [
            ["review", "--stack", `password=${LEAK}`],
            /option '--stack <env>' argument 'password=\*{4}/,
        ],
        [["review", `--password=${LEAK}`], /unknown option '--password=\*{4}/],
        [["review", "--stack", "prod", "--token", LEAK], /unknown option '--token'/],
        [["audit", "--stack", `api_key:${LEAK}`], /argument 'api_key:\*{4}/],
        [[`token=${LEAK}`], /unknown command 'token=\*{4}/],
        [["audit", "--stack", "a", `password=${LEAK}`], /got 1: 'password=\*{4}/],
        [["audit", `\u2014password=${LEAK}`], /'\u2014password=\*{4}/],
        [["audit", `--stack=-password=${LEAK}`], /argument '-password=\*{4}/],
        [[`--password=${LEAK}`, "audit"], /unknown option '--password=\*{4}/],
    ];
    for (const [args, said] of cases) {
        it(`${args.join(" ")}: text and --json`, async () => {
            const r = await run(...args);
            assert.equal(r.code, 2, r.stderr);
            assert.match(r.stderr, said);
            assert.ok(!r.stderr.includes(LEAK), r.stderr);
            assert.equal(r.toolsLoaded, 0);

            const j = await run(...args, "--json");
            assert.equal(j.code, 2);
            assert.ok(!j.stdout.includes(LEAK), j.stdout);
            const { error } = JSON.parse(j.stdout);
            assert.equal(error.kind, "usage");
            assert.match(error.message, said);
        });
    }

    it("a git ref given to review --base that names no commit: masked in the run error, text and --json", async function () {
        this.timeout(60_000);
        const args = ["review", "--base", `password=${LEAK}`, "--stack", "rehearsal"];
        const r = await run(...args);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /git ref "password=\*{4}/);
        assert.ok(!r.stderr.includes(LEAK), r.stderr);
        const j = await run(...args, "--json");
        assert.equal(j.code, 2);
        assert.ok(!j.stdout.includes(LEAK), j.stdout);
        assert.equal(JSON.parse(j.stdout).error.kind, "run");
    });

    it("a helper script's usage error too", () => {
        let stderr = "";
        const command = new Command("review:cut").requiredOption("--for <where>", "what");
        const code = runScript(command, ["--for", "x", `--secret=${LEAK}`], () => 0, {
            stdout: () => undefined,
            stderr: (text) => void (stderr += text),
        });
        assert.equal(code, 2);
        assert.match(stderr, /^review:cut: unknown option '--secret=\*{4}/);
        assert.ok(!stderr.includes(LEAK), stderr);
    });
});
