// Cutting the review for GitHub: a comment past 65,536 characters is refused, a step summary past
// 1 MiB is dropped; the cut text fits, keeps whole lines, closes a fence it cut into and says so.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { COMMENT_LIMIT, cutReview, HEADROOM, SUMMARY_LIMIT } from "../../components/review/cut";

const ROOT = path.resolve(__dirname, "..", "..");
const AT = "the job summary of this workflow run";

/** A review of `stacks` sections, each a table of `rows` rules and an approval block. */
function review(stacks: number, rows: number, cell = "0.0.0.0/0 on tcp 6443"): string {
    const lines = ["## capi-mgmt-ingress: review against main", ""];
    for (let s = 0; s < stacks; s++) {
        lines.push(`### Stack \`env-${s}\``, "", "| rule id | admits |", "|---|---|");
        for (let r = 0; r < rows; r++) {
            lines.push(`| r-${s}-${r} | ${cell} |`);
        }
        lines.push("", "```yaml", "  capi-mgmt-ingress:approvedRetirement:");
        for (let r = 0; r < rows; r++) {
            lines.push(`    - r-${s}-${r}`);
        }
        lines.push("```", "");
    }
    return lines.join("\n");
}

const fences = (text: string) => text.split("\n").filter((l) => /^ {0,3}```/.test(l)).length;

describe("review: cutting to GitHub's limits", () => {
    it("leaves a review that fits unchanged", () => {
        const small = review(3, 10);
        assert.equal(cutReview(small, { limit: COMMENT_LIMIT, fullReviewAt: AT }), small);
    });

    it("cuts a review past the comment limit below it, at a line, saying so and where the rest is", () => {
        const big = review(40, 120);
        assert.ok(big.length > COMMENT_LIMIT, `${big.length}`);
        const cut = cutReview(big, { limit: COMMENT_LIMIT, fullReviewAt: AT });
        assert.ok(Buffer.byteLength(cut) <= COMMENT_LIMIT - HEADROOM, `${cut.length}`);
        assert.ok(cut.length > COMMENT_LIMIT / 2, "keeps most of what fits");
        const lines = cut.trimEnd().split("\n");
        const note = lines[lines.length - 1];
        assert.match(
            note,
            /^> \*\*This review was cut\*\*: it is [\d,]+ bytes, more than GitHub takes here \(65,536\); only its first \d+ of \d+ lines are shown\. The full review is in the job summary of this workflow run\.$/,
        );
        const original = new Set(big.split("\n"));
        const body = lines.slice(0, -2);
        assert.ok(
            body.every((l) => original.has(l)),
            "whole lines of the review only",
        );
        assert.equal(fences(cut) % 2, 0, "every code fence is closed");
    });

    it("closes a code fence it cut into", () => {
        // An approval block alone past the limit: the cut falls inside its fence.
        const block = Array.from({ length: 6000 }, (_, r) => `    - r-0-${r}`);
        const big = ["### Stack `prod`", "", "```yaml", ...block, "```", ""].join("\n");
        const cut = cutReview(big, { limit: COMMENT_LIMIT, fullReviewAt: AT });
        const lines = cut.trimEnd().split("\n");
        assert.match(lines[lines.length - 4], /^ {4}- r-0-\d+$/);
        assert.equal(lines[lines.length - 3], "```");
        assert.equal(fences(cut), 2);
        assert.ok(Buffer.byteLength(cut) <= COMMENT_LIMIT - HEADROOM);
    });

    it("counts multi-byte characters by their bytes, and cuts at the summary's 1 MiB", () => {
        const wide = review(60, 600, "… 🛑 every address ".repeat(4));
        const comment = cutReview(wide, { limit: COMMENT_LIMIT, fullReviewAt: AT });
        assert.ok([...comment].length < COMMENT_LIMIT && comment.length < COMMENT_LIMIT);
        assert.ok(Buffer.byteLength(wide) > SUMMARY_LIMIT);
        const summary = cutReview(wide, { limit: SUMMARY_LIMIT, fullReviewAt: "the log" });
        assert.ok(Buffer.byteLength(summary) <= SUMMARY_LIMIT - HEADROOM);
        assert.match(summary, /\(1,048,576\); only its first \d+ of \d+ lines .* in the log\.\n$/);
    });

    it("npm run review:cut: stdin to stdout, exit 2 on a bad --for", function () {
        // Three ts-node processes: a hang guard that a loaded machine does not trip.
        this.timeout(120_000);
        const tool = (args: string[], input: string) =>
            spawnSync(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", "tools/review-cut.ts", ...args],
                { cwd: ROOT, input, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
            );
        const big = review(40, 120);
        const url = "https://github.com/o/r/actions/runs/1";
        const r = tool(["--for", "comment", "--link", url], big);
        assert.equal(r.status, 0, r.stderr);
        assert.ok(r.stdout.length <= COMMENT_LIMIT - HEADROOM);
        assert.match(
            r.stdout,
            /The full review is in the job summary of the workflow run https:\/\/github\.com\/o\/r\/actions\/runs\/1 /,
        );
        // A link holding a credential is printed masked.
        const secretLink = "https://alice:S8LEAK-link@example.com/run/1?access_token=S8LEAK-q";
        const masked = tool(["--for", "comment", "--link", secretLink], big);
        assert.equal(masked.status, 0, masked.stderr);
        assert.ok(!masked.stdout.includes("S8LEAK"), masked.stdout.slice(-400));
        assert.match(
            masked.stdout,
            /the workflow run https:\/\/alice:\*{4}@example\.com\/run\/1\?access_token=\*{4} \(past/,
        );
        assert.equal(tool(["--for", "summary"], big).stdout, big, "fits in a summary");
        const bad = tool(["--for", "issue"], big);
        assert.equal(bad.status, 2);
        assert.match(
            bad.stderr,
            /^review:cut: option '--for <where>' argument 'issue' is invalid\. Allowed choices are comment, summary\./,
        );
    });
});
