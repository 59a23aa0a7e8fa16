// A key line indented one space deeper than its siblings: the yaml package reports
// BLOCK_AS_IMPLICIT_KEY at the value on the line before (BAD_INDENT at a comment line before it,
// if there is one). The operator reads which line it is, at its own line and column, that its
// indentation does not match its siblings, and never its text (it may hold a secret), in stack
// files and in clouds.yaml / secure.yaml alike.
import { strict as assert } from "node:assert";
import { cloudsRefusal, stackProblems } from "../support/yaml-refusals";

const SECRET = "s3cr3t-over-indented";
const FILE = "stacks/Pulumi.t.yaml";

const overIndented = (line: number, col: number, sibling: number, siblingCol: number) =>
    `line ${line} is indented to column ${col}, but the key before it (line ${sibling}) starts ` +
    `at column ${siblingCol}: its indentation does not match its siblings'; indent every key of ` +
    "one mapping by the same number of spaces (BLOCK_AS_IMPLICIT_KEY)";

describe("YAML: a key line indented deeper than its siblings", () => {
    it("a stack file: the line itself, not the key before it", () => {
        const problems = stackProblems(SECRET, [
            "config:",
            "  capi-mgmt-ingress:cloud: prod",
            `   capi-mgmt-ingress:allowDestroy: ${SECRET}`,
        ]);
        assert.deepEqual(problems, [`${FILE}:3:4: not valid YAML: ${overIndented(3, 4, 2, 3)}`]);
    });

    it("a stack file: nested, after a blank line, in a list item", () => {
        assert.deepEqual(
            stackProblems(SECRET, [
                "config:",
                "  capi-mgmt-ingress:operator:",
                "    cidrs:",
                "      - cidr: 10.0.0.1/32",
                "",
                `         reason: ${SECRET}`,
            ]),
            [`${FILE}:6:10: not valid YAML: ${overIndented(6, 10, 4, 9)}`],
        );
    });

    it("a stack file: a value holding `: ` on one line is told to be quoted", () => {
        const [problem] = stackProblems(SECRET, [
            "config:",
            `  capi-mgmt-ingress:cloud: a: ${SECRET}`,
        ]);
        assert.match(problem, /^stacks\/Pulumi\.t\.yaml:2:\d+: not valid YAML: .*quote the value$/);
    });

    it("a stack file: after a comment, where the parser reports BAD_INDENT at the comment", () => {
        assert.deepEqual(
            stackProblems(SECRET, [
                "config:",
                "  capi-mgmt-ingress:cloud: prod",
                "  # allowDestroy",
                `   capi-mgmt-ingress:allowDestroy: ${SECRET}`,
            ]),
            [
                `${FILE}:4:4: not valid YAML: line 4 is indented to column 4, which does not ` +
                    "match its siblings (reported at the blank or comment line 3 before it); " +
                    "indent every key of one mapping by the same number of spaces (BAD_INDENT)",
            ],
        );
    });

    it("clouds.yaml and secure.yaml", () => {
        const text = ["clouds:", "  prod:", "    auth:", "      username: admin"];
        assert.equal(
            cloudsRefusal(SECRET, "clouds.yaml", [...text, `       password: ${SECRET}`]),
            `clouds.yaml: not valid YAML at line 5, column 8: ${overIndented(5, 8, 4, 7)}`,
        );
        assert.equal(
            cloudsRefusal(SECRET, "secure.yaml", [...text, "", `       password: ${SECRET}`]),
            `secure.yaml: not valid YAML at line 6, column 8: ${overIndented(6, 8, 4, 7)}`,
        );
        assert.match(
            cloudsRefusal(SECRET, "clouds.yaml", [
                ...text,
                "      # the password",
                `       password: ${SECRET}`,
            ]),
            /^clouds\.yaml: not valid YAML at line 6, column 8: line 6 is indented to column 8, which does not match its siblings \(reported at the blank or comment line 5 before it\)/,
        );
    });
});
