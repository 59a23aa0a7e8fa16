// Config errors an operator can act on: a wrong type says what was expected and what was given
// (the type only), a stack file that cannot be read is a config error naming the file, and a
// `--stack` that is not a stack name is refused by Pulumi's rule instead of becoming a path.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../../components/config/schema";
import { readStackFile, stackFilePath, STACKS_DIR } from "../../components/config/stackfile";
import { stackNameProblem } from "../../components/config/stackname";

const SECRET = "s3nt1nel-Pa55";

const valid = () => ({
    securityGroup: { name: "capi-mgmt-sg" },
    api: { address: "10.12.7.222" },
    conductors: { juju: { model: "openstack" } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator via the VR0 masquerade" },
});

function configError(work: () => unknown): ConfigError {
    try {
        work();
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err;
    }
    assert.fail("accepted");
}

describe("config errors", () => {
    describe("a value of the wrong type", () => {
        const cases: [Record<string, unknown>, string][] = [
            [{ cloud: 3 }, "capi-mgmt-ingress:cloud: expected string, got number"],
            [{ api: SECRET }, "capi-mgmt-ingress:api: expected object, got string"],
            [
                { operator: { ...valid().operator, cidrs: "10.0.0.0/24" } },
                "capi-mgmt-ingress:operator.cidrs: expected array, got string",
            ],
            [
                { minPrefixLength: null },
                "capi-mgmt-ingress:minPrefixLength: expected number, got null",
            ],
            [
                { allowDestroy: "yes" },
                "capi-mgmt-ingress:allowDestroy: expected boolean, got string",
            ],
            [
                { conductors: { juju: { model: "m", timeoutSeconds: "30" } } },
                "capi-mgmt-ingress:conductors.juju.timeoutSeconds: expected number, got string",
            ],
            [
                {
                    verify: {
                        custom: [{ name: "api", command: "true", env: { TOKEN: [SECRET] } }],
                    },
                },
                "capi-mgmt-ingress:verify.custom[0].env.TOKEN: expected string, got array",
            ],
        ];
        for (const [values, expected] of cases) {
            it(`${expected}`, () => {
                const { problems, message } = configError(() =>
                    parseStackConfig({ ...valid(), ...values }),
                );
                assert.equal(problems.length, 1, problems.join("\n"));
                assert.ok(problems[0].startsWith(expected), problems[0]);
                assert.doesNotMatch(message, /is required/);
                assert.equal(message.includes(SECRET), false, "the value is never printed");
            });
        }

        it("a missing key is still required", () => {
            const { problems } = configError(() =>
                parseStackConfig({ ...valid(), api: undefined }),
            );
            assert.match(problems[0], /^capi-mgmt-ingress:api: is required \(object\)/);
        });
    });

    describe("stack names", () => {
        for (const name of ["../x", "a/b", "prod/../../etc", "", "x y", "a".repeat(101)]) {
            it(`refuses ${JSON.stringify(name.slice(0, 12))}, naming Pulumi's rule`, () => {
                assert.match(
                    stackNameProblem(name) ?? "",
                    /is not a stack name: Pulumi stack names are 1 to 100 letters, digits, "-", "_" or "."/,
                );
                const err = configError(() => stackFilePath(name));
                assert.doesNotMatch(err.message, /Pulumi\.[^ ]*\/[^ ]*\.yaml/, "no made-up path");
            });
        }
        for (const name of ["production", "prod-2.eu_west", "a".repeat(100)]) {
            it(`takes ${name.slice(0, 16)}`, () => {
                assert.equal(stackNameProblem(name), undefined);
                assert.equal(stackFilePath(name), path.join(STACKS_DIR, `Pulumi.${name}.yaml`));
            });
        }
        it("takes a path to a stack file", () => {
            assert.equal(stackFilePath("../x/Pulumi.y.yaml"), path.resolve("../x/Pulumi.y.yaml"));
        });
    });

    describe("stack files that cannot be read are config errors", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-errors-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const file = (text: string) => {
            const f = path.join(dir, "Pulumi.t.yaml");
            fs.writeFileSync(f, text);
            return f;
        };

        it("a missing stack", () => {
            const err = configError(() => readStackFile("no-such-env"));
            assert.match(
                err.message,
                /^no stack "no-such-env": .*Pulumi\.no-such-env\.yaml does not exist/,
            );
            assert.deepEqual(err.problems, [err.message]);
        });

        it("a secure: value", () => {
            const f = file(`config:\n  capi-mgmt-ingress:cloud:\n    secure: AAABAM${SECRET}\n`);
            const err = configError(() => readStackFile(f));
            assert.match(
                err.problems[0],
                new RegExp(`^capi-mgmt-ingress:cloud is a secret at ${f}:3:5; expected`),
            );
            assert.equal(err.message.includes(SECRET), false);
        });

        it("duplicate keys: the file, line and column, never the value", () => {
            const f = file(
                [
                    "config:",
                    "  capi-mgmt-ingress:cloud: prod",
                    "  capi-mgmt-ingress:verify:",
                    "    custom:",
                    "      - name: api",
                    `        command: curl -u admin:${SECRET}`,
                    `        command: curl -u admin:${SECRET}`,
                    "",
                ].join("\n"),
            );
            const err = configError(() => readStackFile(f));
            assert.deepEqual(err.problems, [
                `${f}:7:9: not valid YAML: duplicate key capi-mgmt-ingress:verify.custom[0].command ` +
                    "(DUPLICATE_KEY); a key may appear once in its mapping: keep one",
            ]);
            assert.equal(err.message.includes(SECRET), false);
            assert.equal(err.message.includes("curl"), false);
        });

        it("a tab as indentation", () => {
            const f = file(`config:\n\tcapi-mgmt-ingress:cloud: ${SECRET}\n`);
            const err = configError(() => readStackFile(f));
            assert.match(
                err.problems[0],
                new RegExp(`^${f}:2:1: not valid YAML: .*\\(TAB_AS_INDENT\\)`),
            );
            assert.equal(err.message.includes(SECRET), false);
        });
    });
});
