// Stack files a new operator gets wrong: a secret anywhere in a structured value, YAML aliases, a
// `config` (or a whole file) that is not a mapping. Each is refused before anything is declared,
// naming the file, line and column, the key path, what was expected and an example; never the
// value or the ciphertext.
import * as assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { ConfigError } from "../../components/config/schema";
import { parseStackFileText } from "../../components/config/stackfile";

const FILE = "stacks/Pulumi.t.yaml";
const SECRET = "AAABAMs3nt1nelCiphertext";

const VALID = [
    "  capi-mgmt-ingress:securityGroup:",
    "    name: capi-mgmt-sg",
    "  capi-mgmt-ingress:api:",
    "    address: 10.12.7.222",
    "  capi-mgmt-ingress:conductors:",
    "    juju:",
    "      model: openstack",
];

function problems(text: string): string[] {
    try {
        parseStackFileText(text, FILE);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, /nothing was declared/);
        assert.equal(err.message.includes(SECRET), false, "the ciphertext is never printed");
        assert.equal(err.message.includes("s3nt1nel"), false, "no value is printed");
        return err.problems;
    }
    assert.fail("the stack file was accepted");
}

describe("stack file errors", () => {
    describe("a secure: value where the key takes no secret, at any depth", () => {
        const operator = (reason: string) => [
            "  capi-mgmt-ingress:operator:",
            "    cidrs: [10.12.4.1/32]",
            `    reason: ${reason}`,
        ];
        const cases: [string, string[], string, string][] = [
            [
                "the whole key",
                [
                    "  capi-mgmt-ingress:cloud:",
                    `    secure: ${SECRET}`,
                    ...operator("operator via the VR0 NAT"),
                ],
                "capi-mgmt-ingress:cloud is a secret at stacks/Pulumi.t.yaml:10:5",
                "(for example cloud: mycloud)",
            ],
            [
                "one level deep",
                operator(`{ secure: ${SECRET} }`),
                "capi-mgmt-ingress:operator.reason is a secret at stacks/Pulumi.t.yaml:11:13",
                "(for example operator.reason: operator workstation via the VR0 NAT)",
            ],
            [
                "two levels deep",
                [
                    ...operator("operator via the VR0 NAT"),
                    "  capi-mgmt-ingress:hairpin:",
                    "    cidrs:",
                    "      - cidr:",
                    `          secure: ${SECRET}`,
                    "        reason: the cluster's own subnet",
                ],
                "capi-mgmt-ingress:hairpin.cidrs[0].cidr is a secret at stacks/Pulumi.t.yaml:15:11",
                "(for example hairpin.cidrs[0].cidr: 10.20.0.0/24)",
            ],
            [
                "three levels deep, under verify but outside custom[].env",
                [
                    ...operator("operator via the VR0 NAT"),
                    "  capi-mgmt-ingress:verify:",
                    "    operator:",
                    "      kubeconfig:",
                    `        secure: ${SECRET}`,
                ],
                "capi-mgmt-ingress:verify.operator.kubeconfig is a secret at stacks/Pulumi.t.yaml:15:9",
                "(for example verify.operator.kubeconfig: ~/.kube/mgmt.yaml)",
            ],
        ];
        for (const [name, lines, expected, example] of cases) {
            it(`${name}: refused as a secret, naming the key path and an example`, () => {
                const found = problems(["config:", ...VALID, ...lines, ""].join("\n"));
                assert.equal(found.length, 1, found.join("\n"));
                assert.ok(found[0].startsWith(`${expected}; expected a plain value`), found[0]);
                assert.equal(found[0].split(FILE).length, 2, "the file is named once");
                assert.ok(found[0].endsWith(example), found[0]);
                assert.doesNotMatch(found[0], /expected string, got object/);
            });
        }

        it("every secret leaf is named, in one round", () => {
            const found = problems(
                [
                    "config:",
                    ...VALID,
                    ...operator(`{ secure: ${SECRET} }`),
                    `  capi-mgmt-ingress:hairpin: { subnets: [{ secure: ${SECRET} }] }`,
                    "",
                ].join("\n"),
            );
            assert.deepEqual(
                found.map((p) => p.split(" is a secret")[0]),
                ["capi-mgmt-ingress:operator.reason", "capi-mgmt-ingress:hairpin.subnets[0]"],
            );
        });

        it("the values of verify.custom[].env are read as secrets, from the environment", () => {
            const text = [
                "config:",
                ...VALID,
                ...operator("operator via the VR0 NAT"),
                "  capi-mgmt-ingress:verify:",
                "    custom:",
                "      - name: resize",
                "        command: ./resize.sh",
                "        env:",
                "          TOKEN_FOR_RESIZE:",
                `            secure: ${SECRET}`,
                "",
            ].join("\n");
            const saved = process.env.TOKEN_FOR_RESIZE;
            process.env.TOKEN_FOR_RESIZE = "from-the-environment";
            try {
                const raw = parseStackFileText(text, FILE) as {
                    verify: { custom: { env: Record<string, string> }[] };
                };
                assert.equal(raw.verify.custom[0].env.TOKEN_FOR_RESIZE, "from-the-environment");
            } finally {
                if (saved === undefined) {
                    delete process.env.TOKEN_FOR_RESIZE;
                } else {
                    process.env.TOKEN_FOR_RESIZE = saved;
                }
            }
        });
    });

    describe("YAML aliases: the file, line and column, never the alias's text", () => {
        it("an alias to an anchor that is not defined", () => {
            const text = `config:\n  capi-mgmt-ingress:cloud: *s3nt1nel\n`;
            assert.deepEqual(problems(text), [
                `${FILE}:2:28: not valid YAML: an alias (*name) to an anchor that is not defined ` +
                    "before it; quote a value that starts with * or &",
            ]);
        });

        it("an alias inside its own anchor's value (a loop)", () => {
            const text = `config:\n  capi-mgmt-ingress:operator: &op { cidrs: *op }\n`;
            assert.deepEqual(problems(text), [
                `${FILE}:2:44: not valid YAML: an alias inside the value of its own anchor ` +
                    "(a loop); write the value out instead",
            ]);
        });

        it("aliases that expand too far: the alias where the yaml package's limit is passed", () => {
            const row = (name: string, item: string) =>
                `  ${name}: &${name} [${Array(9).fill(item).join(", ")}]`;
            const lines = [
                "config:",
                row("x:a", "1"),
                row("x:b", "*x:a"),
                row("x:c", "*x:b"),
                row("x:d", "*x:c"),
            ];
            const text = `${lines.join("\n")}\n`;
            assert.throws(() => parseDocument(text).toJS(), /Excessive alias count/);
            const found = problems(text);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(
                found[0],
                new RegExp(`^${FILE}:5:\\d+: not valid YAML: the aliases expand to more than 100`),
            );
            const col = Number(/:5:(\d+):/.exec(found[0])?.[1]);
            const line = lines[4];
            assert.equal(line.slice(col - 1, col - 1 + 4), "*x:c", "an alias's column");
            // The package's own count: it refuses the text up to that alias, and reads it without.
            const head = `${lines.slice(0, 4).join("\n")}\n${line.slice(0, col - 1)}`;
            assert.throws(() => parseDocument(`${head}*x:c]\n`).toJS(), /Excessive alias count/);
            assert.doesNotThrow(() => parseDocument(`${head}1]\n`).toJS());
        });
    });

    describe("a config or a file that is not a mapping", () => {
        const example =
            "config: { capi-mgmt-ingress:securityGroup: { name: capi-mgmt-sg }, ... }; " +
            "stacks/Pulumi.example.yaml shows every key";
        const notMapping = (at: string, found: string) =>
            `${FILE}:${at}: config is ${found}; it must be a mapping of keys ` +
            `(capi-mgmt-ingress:<key>: <value>), for example ${example}`;
        const cases: [string, string, string][] = [
            ["a list", "config: [1, 2]\n", notMapping("1:9", "a list")],
            ["a block list", "config:\n  - 1\n  - 2\n", notMapping("2:3", "a list")],
            ["a string", "config: s3nt1nel\n", notMapping("1:9", "a string")],
            ["a number", "config: 3\n", notMapping("1:9", "a number")],
            [
                "no value",
                "secretsprovider: passphrase\nconfig:\n",
                notMapping("2:1", "empty (no value)"),
            ],
            [
                "the stack file a list",
                "- config: {}\n",
                `${FILE}:1:1: the stack file is a list; expected a mapping with config: holding ` +
                    `this project's keys (for example ${example})`,
            ],
            [
                "the stack file a string",
                "\n\ns3nt1nel\n",
                `${FILE}:3:1: the stack file is a string; expected a mapping with config: ` +
                    `holding this project's keys (for example ${example})`,
            ],
            [
                "an empty stack file",
                "# only a comment\n",
                `${FILE}: the stack file is empty; expected a mapping with config: holding this ` +
                    `project's keys (for example ${example})`,
            ],
        ];
        for (const [name, text, expected] of cases) {
            it(`${name}: says what was found and what is expected`, () => {
                const found = problems(text);
                assert.deepEqual(found, [expected]);
                assert.doesNotMatch(found[0], /unknown key/);
            });
        }
        it("an empty file", () => {
            assert.match(problems("")[0], /^stacks\/Pulumi\.t\.yaml: the stack file is empty;/);
        });
    });

    it("config as an alias of a mapping is that mapping", () => {
        const text = "x-shared: &cfg\n  capi-mgmt-ingress:cloud: mycloud\nconfig: *cfg\n";
        assert.deepEqual(parseStackFileText(text, FILE), { cloud: "mycloud" });
        assert.deepEqual(problems("x-list: &l [1]\nconfig: *l\n"), [
            `${FILE}:1:12: config is a list; it must be a mapping of keys ` +
                "(capi-mgmt-ingress:<key>: <value>), for example config: { " +
                "capi-mgmt-ingress:securityGroup: { name: capi-mgmt-sg }, ... }; " +
                "stacks/Pulumi.example.yaml shows every key",
        ]);
    });

    describe("top-level keys (pulumi/pulumi workspace/project.go, ProjectStack)", () => {
        it("a misspelt config: is named with its line and the closest known key, not 'required'", () => {
            const text = ["secretsprovider: passphrase", "confg:", ...VALID, ""].join("\n");
            assert.deepEqual(problems(text), [
                `${FILE}:2:1: unknown top-level key confg (the closest known key is config); a ` +
                    "stack file's top-level keys are config, environment, mainEnvironment, " +
                    "secretsprovider, encryptedkey, encryptionsalt, and this project's settings " +
                    "go under config:",
            ]);
        });

        it("a known key misspelt beside config:, and any unknown key when config: is missing", () => {
            const beside = problems(["config:", ...VALID, "enviroment: [prod]", ""].join("\n"));
            assert.equal(beside.length, 1, beside.join("\n"));
            assert.match(
                beside[0],
                /^stacks\/Pulumi\.t\.yaml:9:1: unknown top-level key enviroment \(the closest known key is environment\)/,
            );
            const alone = problems("settings:\n  capi-mgmt-ingress:cloud: mycloud\n");
            assert.match(
                alone[0],
                /^stacks\/Pulumi\.t\.yaml:1:1: unknown top-level key settings \(the closest known key is /,
            );
        });

        it("every known key is accepted, and an anchor holder beside config: is ignored, as Pulumi does", () => {
            const known = [
                "secretsprovider: passphrase",
                "encryptedkey: ''",
                "encryptionsalt: v1:abc",
                "environment: [prod]",
                "mainEnvironment: ops/prod",
                "x-anchors: &cfg { capi-mgmt-ingress:cloud: mycloud }",
                "config: *cfg",
                "",
            ].join("\n");
            assert.deepEqual(parseStackFileText(known, FILE), { cloud: "mycloud" });
        });
    });

    describe("keys", () => {
        it("the namespace with no key name, with or without a value", () => {
            for (const line of ["  capi-mgmt-ingress:", '  "capi-mgmt-ingress:": s3nt1nel']) {
                const operator = [
                    "  capi-mgmt-ingress:operator:",
                    "    cidrs: [10.12.4.1/32]",
                    "    reason: operator via the VR0 NAT",
                ];
                const found = problems(["config:", ...VALID, line, ...operator, ""].join("\n"));
                assert.equal(found.length, 1, found.join("\n"));
                assert.match(
                    found[0],
                    new RegExp(
                        `^${FILE}:9:3: .*capi-mgmt-ingress:? is the namespace without a key ` +
                            "name; a key under config is capi-mgmt-ingress:<key> \\(for example " +
                            "capi-mgmt-ingress:cloud: mycloud\\)$",
                    ),
                );
            }
        });

        it("a duplicate key names its key path, line and column", () => {
            const text = [
                "config:",
                ...VALID,
                "  capi-mgmt-ingress:securityGroup:",
                "    name: s3nt1nel",
                "",
            ].join("\n");
            assert.deepEqual(problems(text), [
                `${FILE}:9:3: not valid YAML: duplicate key capi-mgmt-ingress:securityGroup ` +
                    "(DUPLICATE_KEY); a key may appear once in its mapping: keep one",
            ]);
        });

        it("a tab in the indentation: its line, column and key with one hint, not the cascade", () => {
            const tabbed = [
                "config:",
                "  capi-mgmt-ingress:cloud: s3nt1nel",
                "  capi-mgmt-ingress:cloud: s3nt1nel",
                "  capi-mgmt-ingress:securityGroup:",
                "    name: capi-mgmt-sg",
                "\tcapi-mgmt-ingress:api:",
                ...VALID.slice(3),
                "  capi-mgmt-ingress:operator:",
                "    cidrs: [10.12.4.1/32]",
                "    reason: s3nt1nel via the masquerade",
                "",
            ].join("\n");
            // The duplicate before the tab is a problem of its own; what follows the tab is not.
            assert.deepEqual(problems(tabbed), [
                `${FILE}:3:3: not valid YAML: duplicate key capi-mgmt-ingress:cloud ` +
                    "(DUPLICATE_KEY); a key may appear once in its mapping: keep one",
                `${FILE}:6:1: not valid YAML: tab as indent (TAB_AS_INDENT) at key ` +
                    "capi-mgmt-ingress:api; YAML indents with spaces only: replace the tab with spaces",
            ]);
        });
    });
});
