// A YAML error names a key by its path only when the key reads as a name: a value written where a
// key goes (`{s3cr3t, s3cr3t}`, a flow mapping meant as a list) is given by line and column alone,
// in the stack files and in clouds.yaml / secure.yaml alike (safety invariant 5).
import { strict as assert } from "node:assert";
import { formatKeyPath } from "../../components/yaml-keys";
import { cloudsRefusal, stackProblems } from "../support/yaml-refusals";

const SECRET = "s3cr3t";

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
            stackProblems(SECRET, [
                "config:",
                `  capi-mgmt-ingress:api: {${SECRET}: 1, ${SECRET}: 2}`,
            ]),
            [dup("2:38")],
        );
        assert.deepEqual(
            stackProblems(SECRET, ["config:", `  capi-mgmt-ingress:api: {${SECRET}, ${SECRET}}`]),
            [dup("2:35")],
        );
    });

    it("a stack file: an unknown top-level key, a value or a mapping written as a key", () => {
        const unknown = (at: string) =>
            new RegExp(
                `^stacks/Pulumi\\.t\\.yaml:${at}: unknown top-level key <key not shown> \\(`,
            );
        assert.match(stackProblems(SECRET, [`${SECRET}: 1`])[0], unknown("1:1"));
        assert.match(stackProblems(SECRET, [`{password: ${SECRET}}: 1`])[0], unknown("1:1"));
        assert.match(
            stackProblems(SECRET, ["confg: 1"])[0],
            /unknown top-level key confg \(the closest/,
        );
    });

    it("clouds.yaml: a repeated secret in a flow mapping", () => {
        const text = ["clouds:", "  prod:", `    auth: {${SECRET}, ${SECRET}}`];
        assert.match(
            cloudsRefusal(SECRET, "clouds.yaml", text),
            /^clouds\.yaml: not valid YAML at line 3, column 20 \(DUPLICATE_KEY\): duplicate key clouds\.prod\.auth\.<key not shown>;/,
        );
    });
});
