// A `!!binary` value is named as binary data with its key path, line and column, in a stack file
// and in clouds.yaml / secure.yaml alike, never read as a mapping or as the JSON of a Buffer; an
// alias to an anchor that is not defined is placed by line and column in both. Never the text.
import { strict as assert } from "node:assert";
import { cloudsRefusal, stackProblems } from "../support/yaml-refusals";

/** base64 of "s3cr3t-value": what a !!binary value holds must never be shown. */
const SECRET = Buffer.from("s3cr3t-value").toString("base64");
const BINARY =
    "is binary data (a !!binary value); no key takes binary data: write the value as text";

describe("YAML: a !!binary value and an alias to no anchor", () => {
    describe("in a stack file", () => {
        for (const [lines, at, key] of [
            [
                ["config:", `  capi-mgmt-ingress:cloud: !!binary ${SECRET}`],
                "2:37",
                "capi-mgmt-ingress:cloud",
            ],
            [
                ["config:", `  capi-mgmt-ingress:securityGroup: !!binary ${SECRET}`],
                "2:45",
                "capi-mgmt-ingress:securityGroup",
            ],
            [
                ["config:", "  capi-mgmt-ingress:api:", `    address: !!binary ${SECRET}`],
                "3:23",
                "capi-mgmt-ingress:api.address",
            ],
            [
                ["config:", "  capi-mgmt-ingress:operator:", `    cidrs: [!!binary ${SECRET}]`],
                "3:22",
                "capi-mgmt-ingress:operator.cidrs[0]",
            ],
        ] as const) {
            it(`${key}: named with its key path, line and column`, () => {
                assert.deepEqual(stackProblems(SECRET, [...lines]), [
                    `stacks/Pulumi.t.yaml:${at}: ${key} ${BINARY}`,
                ]);
            });
        }

        it("through an alias: placed at the alias, by the key that reads it", () => {
            assert.deepEqual(
                stackProblems(SECRET, [
                    `x-anchors: &b !!binary ${SECRET}`,
                    "config:",
                    "  capi-mgmt-ingress:cloud: *b",
                ]),
                [`stacks/Pulumi.t.yaml:3:28: capi-mgmt-ingress:cloud ${BINARY}`],
            );
        });

        it("a key of another namespace is not this project's to refuse, as Pulumi reads it", () => {
            assert.throws(
                () => stackProblems(SECRET, ["config:", `  aws:region: !!binary ${SECRET}`]),
                /the stack file was accepted/,
            );
        });

        it("!!timestamp, !!set and !!omap: named as what they are, not read as text or {}", () => {
            assert.deepEqual(
                stackProblems(SECRET, [
                    "config:",
                    "  capi-mgmt-ingress:cloud: !!timestamp 2001-12-14",
                    "  capi-mgmt-ingress:operator:",
                    "    cidrs: !!set { 10.0.0.1/32 }",
                    "  capi-mgmt-ingress:securityGroup: !!omap [ { name: capi-mgmt-sg } ]",
                    "  capi-mgmt-ingress:api: { address: !!str 10.20.0.70, port: !!int 6443 }",
                ]),
                [
                    "stacks/Pulumi.t.yaml:2:40: capi-mgmt-ingress:cloud is a date (a !!timestamp " +
                        "value); no key takes a date: write the value as text",
                    "stacks/Pulumi.t.yaml:4:18: capi-mgmt-ingress:operator.cidrs is a set (a !!set " +
                        "value); no key takes a set: write a list",
                    "stacks/Pulumi.t.yaml:5:43: capi-mgmt-ingress:securityGroup is an ordered " +
                        "mapping (a !!omap value); no key takes one: write a mapping",
                ],
            );
        });

        it("every binary value in one run", () => {
            const problems = stackProblems(SECRET, [
                "config:",
                `  capi-mgmt-ingress:cloud: !!binary ${SECRET}`,
                `  capi-mgmt-ingress:api: { address: !!binary ${SECRET} }`,
            ]);
            assert.equal(problems.length, 2, problems.join("\n"));
        });

        it("config: and the document themselves: binary data, not 'a object'", () => {
            assert.match(
                stackProblems(SECRET, [`config: !!binary ${SECRET}`])[0],
                /^stacks\/Pulumi\.t\.yaml:1:18: config is binary data \(a !!binary value\); it must be a mapping/,
            );
            assert.match(
                stackProblems(SECRET, [`!!binary ${SECRET}`])[0],
                /^stacks\/Pulumi\.t\.yaml:1:10: the stack file is binary data \(a !!binary value\); expected a mapping/,
            );
        });
    });

    describe("in clouds.yaml and secure.yaml", () => {
        for (const name of ["clouds.yaml", "secure.yaml"] as const) {
            it(`${name}: a !!binary password is binary data at its line and column, not a mapping`, () => {
                const message = cloudsRefusal(SECRET, name, [
                    "clouds:",
                    "  prod:",
                    "    auth:",
                    "      auth_url: http://x/v3",
                    `      password: !!binary ${SECRET}`,
                ]);
                assert.equal(
                    message,
                    `${name}: not valid at line 5, column 26: clouds.prod.auth.password ${BINARY}`,
                );
            });

            it(`${name}: a !!binary auth is named, not read as keys auth.0, auth.1, ...`, () => {
                const message = cloudsRefusal(SECRET, name, [
                    "clouds:",
                    "  prod:",
                    `    auth: !!binary ${SECRET}`,
                ]);
                assert.equal(
                    message,
                    `${name}: not valid at line 3, column 20: clouds.prod.auth ${BINARY}`,
                );
            });

            it(`${name}: a !!set where a string goes is a set, at its line and column`, () => {
                const message = cloudsRefusal(SECRET, name, [
                    "clouds:",
                    "  prod:",
                    "    auth:",
                    "      auth_url: http://x/v3",
                    `      password: !!set { ${SECRET} }`,
                ]);
                assert.equal(
                    message,
                    `${name}: not valid at line 5, column 23: clouds.prod.auth.password is a set ` +
                        "(a !!set value); no key takes a set: write a list",
                );
            });

            it(`${name}: an alias to no anchor, at its line and column`, () => {
                const message = cloudsRefusal("n0anch0r", name, [
                    "clouds:",
                    "  prod:",
                    "    auth:",
                    "      auth_url: http://x/v3",
                    "      password: *n0anch0r",
                ]);
                assert.equal(
                    message,
                    `${name}: not valid YAML at line 5, column 17: a value starting with * is read ` +
                        "as an alias to an anchor that does not exist; quote values that start with * or &",
                );
            });
        }
    });
});
