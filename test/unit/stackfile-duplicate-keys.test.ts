// A duplicate key in a stack file is named with its own line and column, wherever the parser
// reports it: after a key with an empty value, the yaml package places the error at the end of
// the line before (keyStart in its compose/resolve-block-map.js). Never a value.
import * as assert from "node:assert/strict";
import { ConfigError } from "../../components/config/schema";
import { parseStackFileText } from "../../components/config/stackfile";

const FILE = "stacks/Pulumi.t.yaml";

function problems(lines: string[]): string[] {
    try {
        parseStackFileText([...lines, ""].join("\n"), FILE);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.message.includes("s3nt1nel"), false, "no value is printed");
        return err.problems;
    }
    assert.fail("the stack file was accepted");
}

const duplicate = (at: string, key: string) =>
    `${FILE}:${at}: not valid YAML: duplicate key ${key} (DUPLICATE_KEY); a key may appear ` +
    "once in its mapping: keep one";

describe("stack file: a duplicate key", () => {
    it("after a key with an empty value: the repeated key and its own line", () => {
        assert.deepEqual(
            problems([
                "config:",
                "  capi-mgmt-ingress:cloud:",
                "  capi-mgmt-ingress:cloud: s3nt1nel",
            ]),
            [duplicate("3:3", "capi-mgmt-ingress:cloud")],
        );
    });

    it("after another key's empty value, a comment or blank lines", () => {
        assert.deepEqual(
            problems([
                "config:",
                "  capi-mgmt-ingress:cloud: s3nt1nel",
                "  capi-mgmt-ingress:allowDestroy:   # set below",
                "",
                "  capi-mgmt-ingress:cloud: s3nt1nel",
            ]),
            [duplicate("5:3", "capi-mgmt-ingress:cloud")],
        );
    });

    it("nested, after an empty value deeper than the repeated key", () => {
        assert.deepEqual(
            problems([
                "config:",
                "  capi-mgmt-ingress:verify:",
                "    operator:",
                "      kubeconfig:",
                "    operator: s3nt1nel",
                "  capi-mgmt-ingress:verify:",
                "    mode: always",
            ]),
            [
                duplicate("5:5", "capi-mgmt-ingress:verify.operator"),
                duplicate("6:3", "capi-mgmt-ingress:verify"),
            ],
        );
    });

    it("in a flow mapping after an empty value", () => {
        assert.deepEqual(
            problems(["config:", "  capi-mgmt-ingress:api: { address: , address: s3nt1nel }"]),
            [duplicate("2:39", "capi-mgmt-ingress:api.address")],
        );
    });
});
