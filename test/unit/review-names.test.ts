// Names in the review's headings and code spans: a stack or ref holding a backtick, or any other
// Markdown-significant character, shows verbatim and cannot end the code span or the heading.
import * as assert from "node:assert/strict";
import { parseStackConfig } from "../../components/config/schema";
import { diffStack } from "../../components/review/diff";
import { renderDiffReport } from "../../components/review/diff-markdown";
import { codeSpan, renderComparison, renderReview, table } from "../../components/review/markdown";
import { verdictLines } from "../../components/review/verdict";

const raw = {
    securityGroup: { name: "capi-mgmt-sg" },
    api: { address: "10.12.7.222" },
    conductors: { static: { addresses: ["10.12.4.154"], reason: "conductors outside Juju" } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator behind the VR0 masquerade" },
    verify: { mode: "never" },
};

describe("review: names in headings and code spans", () => {
    it("codeSpan: one backtick more than the longest run inside, spaces where the spec strips them", () => {
        // CommonMark 0.31, "Code spans": the delimiters are equal runs of backticks, and one space
        // is stripped from each side when both ends hold one (examples 328 to 331).
        assert.equal(codeSpan("prod"), "`prod`");
        assert.equal(codeSpan("a`b"), "``a`b``");
        assert.equal(codeSpan("a``b`c"), "```a``b`c```");
        assert.equal(codeSpan("`x"), "`` `x ``");
        assert.equal(codeSpan("x`"), "`` x` ``");
        assert.equal(codeSpan(" x"), "`  x `");
        assert.equal(codeSpan("*_[<#|"), "`*_[<#|`");
        assert.equal(codeSpan("a\nb"), "`a b`", "one line: a heading cannot be split");
    });

    it("a stack named with a backtick keeps its heading, review, comparison and verdict intact", () => {
        const name = "pr`od *x*";
        const config = parseStackConfig(raw);
        const review = renderReview({ stack: name, config });
        assert.equal(review.split("\n")[0], "## capi-mgmt-ingress: stack ``pr`od *x*``");
        const other = { stack: "la|b", config: parseStackConfig({ ...raw, minPrefixLength: 24 }) };
        const comparison = renderComparison({ stack: name, config }, other);
        assert.equal(
            comparison.split("\n")[0],
            "## capi-mgmt-ingress: ``pr`od *x*`` against `la|b`",
        );
        assert.match(comparison, /^\| key \| pr`od \*x\* \| la\\\|b \|$/m, "header cells escaped");
        for (const refusals of [[], ["a refusal"]]) {
            assert.match(verdictLines(name, refusals)[1], /^\*\*Verdict \(``pr`od \*x\*``\):\*\*/);
        }
    });

    it("a changed stack and a base ref with backticks: their heading and line stay whole", () => {
        const diff = diffStack("a`b", {}, { raw }, false);
        const report = renderDiffReport({ base: "ma`in", head: "HEAD", stacks: [diff] });
        assert.match(report, /^Base ``ma`in`` against HEAD\.$/m);
        assert.match(report, /^### Stack ``a`b`` \(added by this change\)$/m);
    });

    it("table: a header cell with a pipe does not add a column", () => {
        assert.deepEqual(table(["a|b"], [["c|d"]]), ["| a\\|b |", "| --- |", "| c\\|d |"]);
    });
});
