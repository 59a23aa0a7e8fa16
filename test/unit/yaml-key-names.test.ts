// A YAML error names a key by its path only when the key reads as a name: a value written where a
// key goes (`{s3cr3t, s3cr3t}`, a flow mapping meant as a list) is given by line and column alone,
// in the stack files and in clouds.yaml / secure.yaml alike (safety invariant 5).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../../components/config/schema";
import { parseStackFileText } from "../../components/config/stackfile";
import { resolveAuth } from "../../components/openstack/credentials";
import { formatKeyPath } from "../../components/yaml-keys";

const SECRET = "s3cr3t";

/** The stack file's problems for `lines`; none may hold SECRET. */
function stackProblems(lines: string[]): string[] {
    try {
        parseStackFileText([...lines, ""].join("\n"), "stacks/Pulumi.t.yaml");
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.message.includes(SECRET), false, err.message);
        return err.problems;
    }
    assert.fail("the stack file was accepted");
}

/** The refusal of clouds.yaml holding `lines` for cloud prod; it may not hold SECRET. */
function cloudsRefusal(lines: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yaml-key-names-"));
    fs.writeFileSync(path.join(dir, "clouds.yaml"), [...lines, ""].join("\n"));
    try {
        resolveAuth({ cloud: "prod", env: { HOME: dir }, cwd: dir });
    } catch (err) {
        const message = (err as Error).message;
        assert.equal(message.includes(SECRET), false, message);
        return message.replace(`${dir}${path.sep}`, "");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.fail("clouds.yaml was accepted");
}

describe("YAML errors: which keys are named", () => {
    const named = [
        "capi-mgmt-ingress:verify",
        "OS_PASSWORD",
        "prod-east-1",
        "auth_url",
        "acceptedExposure",
        "Default",
        "password",
    ];
    for (const key of named) {
        it(`names ${key}`, () => assert.equal(formatKeyPath(["a", key, 0]), `a.${key}[0]`));
    }

    const withheld = [SECRET, "hunter2", "S6sentinel", "xK9qTz", "Passw0rd", "a b", "x".repeat(65)];
    for (const key of withheld) {
        it(`withholds ${key.slice(0, 10)}`, () =>
            assert.equal(formatKeyPath(["a", key, 0]), "a.<key not shown>[0]"));
    }

    it("a stack file: a repeated secret in a flow mapping, with and without values", () => {
        const dup = (at: string) =>
            `stacks/Pulumi.t.yaml:${at}: not valid YAML: duplicate key ` +
            "capi-mgmt-ingress:api.<key not shown> (DUPLICATE_KEY); a key may appear once in " +
            "its mapping: keep one";
        assert.deepEqual(
            stackProblems(["config:", `  capi-mgmt-ingress:api: {${SECRET}: 1, ${SECRET}: 2}`]),
            [dup("2:38")],
        );
        assert.deepEqual(
            stackProblems(["config:", `  capi-mgmt-ingress:api: {${SECRET}, ${SECRET}}`]),
            [dup("2:35")],
        );
    });

    it("a stack file: an unknown top-level key, a value or a mapping written as a key", () => {
        const unknown = (at: string) =>
            new RegExp(
                `^stacks/Pulumi\\.t\\.yaml:${at}: unknown top-level key <key not shown> \\(`,
            );
        assert.match(stackProblems([`${SECRET}: 1`])[0], unknown("1:1"));
        assert.match(stackProblems([`{password: ${SECRET}}: 1`])[0], unknown("1:1"));
        assert.match(stackProblems(["confg: 1"])[0], /unknown top-level key confg \(the closest/);
    });

    it("clouds.yaml: a repeated secret in a flow mapping", () => {
        const text = ["clouds:", "  prod:", `    auth: {${SECRET}, ${SECRET}}`];
        assert.match(
            cloudsRefusal(text),
            /^clouds\.yaml: not valid YAML at line 3, column 20 \(DUPLICATE_KEY\): duplicate key clouds\.prod\.auth\.<key not shown>;/,
        );
    });
});
