// Keys of other namespaces in a stack file: a secret there, or a provider credential in plain
// text, is refused naming the key and its line, and where credentials belong; never the value.
// Their other keys (openstack:region, pulumi:template) are accepted and not read.
import * as assert from "node:assert/strict";
import { ConfigError } from "../../components/config/schema";
import { parseStackFileText } from "../../components/config/stackfile";

const FILE = "stacks/Pulumi.t.yaml";
const SENTINEL = "s3cr3t-sentinel";

const VALID = [
    "config:",
    "  capi-mgmt-ingress:securityGroup:",
    "    name: capi-mgmt-sg",
    "  capi-mgmt-ingress:api:",
    "    address: 10.12.7.222",
    "  capi-mgmt-ingress:conductors:",
    "    juju:",
    "      model: openstack",
    "  capi-mgmt-ingress:operator:",
    "    cidrs: [10.12.4.1/32]",
    "    reason: operator via the VR0 NAT",
];

function problems(lines: string[]): string[] {
    try {
        parseStackFileText([...VALID, ...lines, ""].join("\n"), FILE);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.message.includes(SENTINEL), false, err.message);
        assert.match(err.message, /nothing was declared/);
        return err.problems;
    }
    assert.fail("the stack file was accepted");
}

describe("stack file keys of other namespaces", () => {
    const refused: [string, string[], string][] = [
        [
            "a secure: provider password (review --stack s2)",
            ["  openstack:password:", `    secure: v1:${SENTINEL}-AAAB`],
            `openstack:password is a secret (at ${FILE}:13:5)`,
        ],
        [
            "a secure: value of a non-credential key",
            [`  openstack:region: { secure: ${SENTINEL}-x }`],
            `openstack:region is a secret (at ${FILE}:12:21)`,
        ],
        [
            "a secure: value deep in another namespace's structured value",
            ["  other:settings:", "    list:", `      - secure: ${SENTINEL}-y`],
            `other:settings is a secret (at ${FILE}:14:9)`,
        ],
        [
            "a plaintext provider password (review --stack s3)",
            [`  openstack:password: ${SENTINEL}-hunter2`],
            `openstack:password is a credential in plain text (at ${FILE}:12:3)`,
        ],
        [
            "a plaintext token",
            [`  openstack:token: ${SENTINEL}-tok`],
            `openstack:token is a credential in plain text (at ${FILE}:12:3)`,
        ],
        [
            "a plaintext application credential secret",
            [`  openstack:applicationCredentialSecret: ${SENTINEL}-acs`],
            `openstack:applicationCredentialSecret is a credential in plain text (at ${FILE}:12:3)`,
        ],
    ];
    for (const [name, lines, expected] of refused) {
        it(`${name}: refused, naming the key, its line and where credentials belong`, () => {
            const found = problems(lines);
            assert.equal(found.length, 1, found.join("\n"));
            assert.ok(found[0].startsWith(expected), found[0]);
            assert.match(found[0], /clouds\.yaml .*OS_\* variables/);
            assert.match(found[0], /docs\/credentials\.md/);
        });
    }

    it("every refused key is named in one round, with this project's own problems", () => {
        const found = problems([
            `  openstack:password: ${SENTINEL}-a`,
            `  openstack:token: { secure: ${SENTINEL}-b }`,
            `  capi-mgmt-ingress:cloud: { secure: ${SENTINEL}-c }`,
        ]);
        assert.deepEqual(
            found.map((p) => p.split(" is a")[0]),
            ["openstack:password", "openstack:token", "capi-mgmt-ingress:cloud"],
        );
    });

    it("non-secret keys of other namespaces are accepted and not read", () => {
        const raw = parseStackFileText(
            [
                ...VALID,
                "  openstack:region: RegionOne",
                "  openstack:cloud: mycloud",
                "  openstack:cacertFile: /etc/ssl/ca.pem",
                "  pulumi:template: capi",
                "",
            ].join("\n"),
            FILE,
        );
        assert.deepEqual(Object.keys(raw).sort(), [
            "api",
            "conductors",
            "operator",
            "securityGroup",
        ]);
    });

    it("a key named password in this project's namespace is refused as a credential", () => {
        const found = problems([`  capi-mgmt-ingress:password: ${SENTINEL}`]);
        assert.deepEqual(
            found.map((p) => p.split(" (at ")[0]),
            [
                "capi-mgmt-ingress:password is named like a credential and is plain text in the stack file",
            ],
        );
    });
});
