// The config's checks as an operator meets them: the whole error text, the wording of unknown
// keys and wrong types, the cross-field port check when other keys are malformed, the limits of
// each value, and the defaults and retire selectors the program then works with.
import * as assert from "node:assert/strict";
import {
    ConfigError,
    parseStackConfig,
    retireSelectors,
    StackConfig,
} from "../../components/config/schema";
import { configProblems, validConfig } from "../support/bad-configs";

const valid = validConfig;
const problems = configProblems;

const accepted = (change: Record<string, unknown>): StackConfig =>
    parseStackConfig({ ...valid(), ...change });

/** The problems without their examples, for checks of the wording only. */
const texts = (change: Record<string, unknown>) =>
    problems(change).map((p) => p.replace(/ \(for example .*\)$/, ""));

describe("config checks", () => {
    it("says nothing was declared and lists each problem on its own line", () => {
        assert.throws(
            () => parseStackConfig({ ...valid(), securityGroup: {}, typo: 1 }),
            (err: Error) => {
                assert.equal(err.name, "ConfigError");
                assert.equal(
                    err.message,
                    "The stack config is not valid; nothing was declared:\n" +
                        "  - capi-mgmt-ingress:securityGroup: give exactly one of name or id " +
                        "(for example securityGroup: { name: capi-mgmt-sg })\n" +
                        "  - capi-mgmt-ingress: unknown key typo; remove it",
                );
                return true;
            },
        );
    });

    it("names unknown keys where they are, with no example to set", () => {
        assert.deepEqual(problems({ typo: 1, other: 2 }), [
            "capi-mgmt-ingress: unknown keys typo, other; remove them",
        ]);
        assert.deepEqual(problems({ api: { address: "10.12.7.222", adress: "10.12.7.222" } }), [
            "capi-mgmt-ingress:api: unknown key adress; remove it",
        ]);
        // Nested, a credential's name is still one: its value is in the file for anyone to read.
        const nested = { api: { address: "10.12.7.222", password: "S7X", token: "S7Y", x: 1 } };
        assert.deepEqual(problems(nested), [
            "capi-mgmt-ingress:api: unknown keys password, token, x; remove them; password, " +
                "token are named like a credential: no key here takes one (a custom check's goes " +
                "in its env as a Pulumi secret); rotate it if the file was ever shared",
        ]);
    });

    it("tells a missing key from one of the wrong type", () => {
        const withoutOperator = valid();
        delete withoutOperator.operator;
        assert.throws(
            () => parseStackConfig(withoutOperator),
            /capi-mgmt-ingress:operator: is required \(object\) \(for example operator: /,
        );
        assert.deepEqual(texts({ operator: 5, protectedPorts: "6443" }), [
            "capi-mgmt-ingress:operator: expected object, got number",
            "capi-mgmt-ingress:protectedPorts: expected array, got string",
        ]);
    });

    describe("ports outside protectedPorts", () => {
        it("are not checked while protectedPorts itself is refused", () => {
            const ports = { api: { address: "10.12.7.222", port: 6443 } };
            const operator = { cidrs: ["10.12.4.1/32"], reason: "operator via VR0", ports: [80] };
            for (const protectedPorts of [[0, 6443], [1.5, 6443], [65536, 6443], [], "6443"]) {
                const found = problems({ ...ports, operator, protectedPorts });
                assert.ok(found.length > 0, JSON.stringify(protectedPorts));
                assert.deepEqual(
                    found.filter((p) => !p.startsWith("capi-mgmt-ingress:protectedPorts")),
                    [],
                    JSON.stringify(protectedPorts),
                );
            }
        });

        it("are checked at the ends of the port range", () => {
            const config = accepted({
                protectedPorts: [1, 65535],
                api: { address: "10.12.7.222", port: 65535 },
                operator: { cidrs: ["10.12.4.1/32"], reason: "operator via VR0", ports: [1] },
                hairpin: { ports: [65535] },
                retire: [{ remote: "0.0.0.0/0", ports: [1, 65535] }],
            });
            assert.equal(config.api.port, 65535);
            const operator = { cidrs: ["10.12.4.1/32"], reason: "operator via VR0", ports: [1] };
            const ends = { protectedPorts: [1, 65535], operator };
            assert.deepEqual(texts({ ...ends, hairpin: { ports: [6443] } }), [
                "capi-mgmt-ingress:hairpin.ports[0]: port 6443 is not one of protectedPorts (1, 65535)",
            ]);
        });

        it("names the API port and every retire selector's port that is outside", () => {
            assert.deepEqual(
                texts({
                    api: { address: "10.12.7.222", port: 22 },
                    protectedPorts: [6443],
                    retire: [{ remote: "0.0.0.0/0" }, { remote: "::/0", ports: [6443, 22] }],
                }),
                [
                    "capi-mgmt-ingress:api.port: port 22 is not one of protectedPorts (6443)",
                    "capi-mgmt-ingress:operator.ports: not set, so it defaults to [6443, 22], " +
                        "which is not a subset of protectedPorts (6443); set operator.ports to " +
                        "the protected ports the operator may reach",
                    "capi-mgmt-ingress:retire[1].ports[1]: port 22 is not one of protectedPorts (6443)",
                ],
            );
        });

        it("tolerates the other keys being malformed and reports them by their own keys", () => {
            const found = texts({
                api: null,
                operator: [],
                hairpin: "none",
                retire: "0.0.0.0/0",
                verify: 3,
                conductors: null,
            });
            assert.deepEqual(found.map((p) => p.split(": ")[0]).sort(), [
                "capi-mgmt-ingress:api",
                "capi-mgmt-ingress:conductors",
                "capi-mgmt-ingress:hairpin",
                "capi-mgmt-ingress:operator",
                "capi-mgmt-ingress:retire",
                "capi-mgmt-ingress:verify",
            ]);
            assert.deepEqual(
                texts({ retire: [5, { remote: "0.0.0.0/0", ports: [80] }] }).map(
                    (p) => p.split(": ")[0],
                ),
                ["capi-mgmt-ingress:retire[0]", "capi-mgmt-ingress:retire[1].ports[0]"],
            );
        });
    });

    it("asks for the handshake off with static conductors unless verification never runs", () => {
        const statics = { static: { addresses: ["10.12.4.154"], reason: "no Juju in this lab" } };
        const key = "capi-mgmt-ingress:verify.conductors.enabled";
        assert.deepEqual(
            texts({ conductors: statics }).map((p) => p.split(": ")[0]),
            [key],
        );
        for (const verify of [{ mode: "always" }, { conductors: { enabled: true } }, "x"]) {
            assert.ok(
                texts({ conductors: statics, verify }).some((p) => p.startsWith(`${key}: `)),
                JSON.stringify(verify),
            );
        }
        for (const verify of [{ mode: "never" }, { conductors: { enabled: false } }]) {
            assert.deepEqual(problems({ conductors: statics, verify }), [], JSON.stringify(verify));
        }
        // Both kinds given: the one problem is the conductors' own.
        assert.deepEqual(texts({ conductors: { ...statics, juju: { model: "openstack" } } }), [
            "capi-mgmt-ingress:conductors: give exactly one of juju or static",
        ]);
    });

    it("refuses an accepted exposure that names nothing, and a malformed approval digest", () => {
        // The example stays on the problem's line, however long it is.
        assert.deepEqual(problems({ acceptedExposure: [{ reason: "the lab's jump host" }] }), [
            "capi-mgmt-ingress:acceptedExposure[0]: name a group (name or id) or a rule (id) to " +
                "accept (for example acceptedExposure[0]: { rule: 5b0e7c1a-3f2d-4e8b-9c6a-1d2e3f4a5b6c, " +
                "reason: operator workstation via the VR0 NAT })",
        ]);
        assert.equal(
            accepted({ acceptedExposure: [{ group: "default", reason: "the lab's jump host" }] })
                .acceptedExposure[0].group,
            "default",
        );
        assert.deepEqual(texts({ approvedRetirement: `sha256:${"A".repeat(64)}` }), [
            "capi-mgmt-ingress:approvedRetirement: expected sha256:<64 lower-case hex digits>, " +
                "exactly as the review prints it (upper case is refused)",
        ]);
        const digest = `sha256:${"0a".repeat(32)}`;
        assert.deepEqual(accepted({ approvedRetirement: digest }).approvedRetirement, { digest });
        assert.deepEqual(
            accepted({ approvedRetirement: { digest, targets: ["r1"] } }).approvedRetirement,
            { digest, targets: ["r1"] },
        );
        // Either form: the problems of the form the value has, else both forms.
        assert.deepEqual(texts({ approvedRetirement: { digest, targets: "r1" } }), [
            "capi-mgmt-ingress:approvedRetirement: targets: expected array, got string",
        ]);
        assert.deepEqual(texts({ approvedRetirement: { targets: ["r1"] } }), [
            "capi-mgmt-ingress:approvedRetirement: digest: is required (string)",
        ]);
        assert.deepEqual(texts({ approvedRetirement: { digest: "sha256:x" } }), [
            "capi-mgmt-ingress:approvedRetirement: digest: expected sha256:<64 lower-case hex " +
                "digits>, exactly as the review prints it (upper case is refused); targets: is " +
                "required (array)",
        ]);
        assert.deepEqual(texts({ approvedRetirement: 5 }), [
            "capi-mgmt-ingress:approvedRetirement: expected string or object, got number",
        ]);
    });

    it("refuses an accepted exposure naming the managed group as a whole, not one of its rules", () => {
        const reason = "the lab's jump host";
        const message =
            "names the managed group capi-mgmt-sg as a whole; its rules are what this program " +
            "manages, so accept a rule in it by id (rule: <rule id>)";
        assert.deepEqual(texts({ acceptedExposure: [{ group: "capi-mgmt-sg", reason }] }), [
            `capi-mgmt-ingress:acceptedExposure[0].group: ${message}`,
        ]);
        const byId = {
            securityGroup: { id: "sg-1" },
            acceptedExposure: [{ group: "sg-1", reason }],
        };
        assert.equal(texts(byId).length, 1);
        const oneRule = [{ group: "capi-mgmt-sg", rule: "r1", reason }];
        assert.equal(accepted({ acceptedExposure: oneRule }).acceptedExposure[0].rule, "r1");
    });

    it("keeps hairpin sources off SSH: hairpin ports are the API's port alone", () => {
        assert.deepEqual(problems({ hairpin: { ports: [6443, 22] } }), [
            "capi-mgmt-ingress:hairpin.ports: port 22 is not the API's port 6443: hairpin sources " +
                "reach the API only, and SSH admits the operator alone (the ruling, D-063; " +
                'docs/runbook.md "Why SSH stays operator-only") (for example hairpin.ports: [ 6443 ])',
        ]);
        const api = { address: "10.12.7.222", port: 8443 };
        const protectedPorts = [8443, 22];
        assert.ok(
            texts({ api, protectedPorts, hairpin: { ports: [22, 6443] } }).includes(
                "capi-mgmt-ingress:hairpin.ports: ports 22, 6443 are not the API's port 8443: " +
                    "hairpin sources reach the API only, and SSH admits the operator alone (the " +
                    'ruling, D-063; docs/runbook.md "Why SSH stays operator-only")',
            ),
        );
        const operator = { ...(valid().operator as object), ports: [8443, 22] };
        // Not set, the hairpin's ports are the API's port, whichever it is (plan.ts).
        assert.equal(accepted({ api, protectedPorts, operator }).hairpin.ports, undefined);
        assert.deepEqual(
            accepted({ api, protectedPorts, operator, hairpin: { ports: [8443] } }).hairpin.ports,
            [8443],
        );
    });

    it("checks hairpin ports against the API's port only where that port is known", () => {
        const hairpinProblem = (change: Record<string, unknown>) =>
            texts(change).filter((t) => t.startsWith("capi-mgmt-ingress:hairpin.ports:"));
        const kubeconfig = { fromKubeconfig: { path: "/etc/kubernetes/admin.conf" } };
        const operator = { ...(valid().operator as object), ports: [6443, 22] };
        // From the kubeconfig the port is read at preview time (plan.ts checks it then).
        assert.deepEqual(
            accepted({
                api: kubeconfig,
                protectedPorts: [6443, 8443, 22],
                operator,
                hairpin: { ports: [8443] },
            }).hairpin.ports,
            [8443],
        );
        // An API port outside protectedPorts is reported by api.port alone.
        assert.deepEqual(
            hairpinProblem({
                api: { address: "10.12.7.222", port: 8443 },
                hairpin: { ports: [6443] },
            }),
            [],
        );
        // A refused protectedPorts is reported by its own key; the hairpin check still runs.
        const refused = { protectedPorts: "all", hairpin: { ports: [22] } };
        assert.ok(texts(refused).some((t) => t.startsWith("capi-mgmt-ingress:protectedPorts")));
        assert.equal(hairpinProblem(refused).length, 1);
        assert.deepEqual(hairpinProblem({ ...refused, api: kubeconfig }), []);
        // An API port that is no port is named by api.port, not a crash of this check.
        assert.ok(
            texts({ api: { address: "10.12.7.222", port: "x" }, hairpin: { ports: [22] } }).some(
                (t) => t.startsWith("capi-mgmt-ingress:api.port"),
            ),
        );
    });

    it("names an acceptedExposure that is no list, without a crash of the managed-group check", () => {
        assert.ok(
            texts({ acceptedExposure: "everything" }).some((t) =>
                t.startsWith("capi-mgmt-ingress:acceptedExposure"),
            ),
        );
    });

    it("says operator.ports defaults to [6443, 22] when protectedPorts leaves 22 out", () => {
        assert.deepEqual(problems({ protectedPorts: [6443] }), [
            "capi-mgmt-ingress:operator.ports: not set, so it defaults to [6443, 22], which is not " +
                "a subset of protectedPorts (6443); set operator.ports to the protected ports the " +
                "operator may reach (for example operator.ports: [ 6443 ])",
        ]);
        assert.deepEqual(texts({ protectedPorts: [6443, 8443] }), [
            "capi-mgmt-ingress:operator.ports: not set, so it defaults to [6443, 22], which is not " +
                "a subset of protectedPorts (6443, 8443); set operator.ports to the protected ports " +
                "the operator may reach",
        ]);
        const written = { ...(valid().operator as object), ports: [6443, 22] };
        assert.deepEqual(texts({ protectedPorts: [6443], operator: written }), [
            "capi-mgmt-ingress:operator.ports[1]: port 22 is not one of protectedPorts (6443)",
        ]);
    });

    it("says what a custom check's name and expected output must be", () => {
        const custom = (check: Record<string, unknown>) =>
            texts({ verify: { custom: [{ name: "resize", command: "./resize.sh", ...check }] } });
        assert.deepEqual(custom({ name: "Resize" }), [
            "capi-mgmt-ingress:verify.custom[0].name: lower-case letters, digits and dashes",
        ]);
        assert.deepEqual(custom({ expect: { stdoutMatches: "ok(" } }), [
            "capi-mgmt-ingress:verify.custom[0].expect.stdoutMatches: not a valid regular expression",
        ]);
        assert.deepEqual(custom({ expect: { stdoutMatches: "^ok$" } }), []);
    });

    it("refuses a config that is no mapping by the namespace alone", () => {
        for (const raw of [null, [], "capi-mgmt-sg"]) {
            assert.throws(
                () => parseStackConfig(raw as never),
                (err: Error) =>
                    err instanceof ConfigError &&
                    err.problems.length === 1 &&
                    /^capi-mgmt-ingress: expected object, got (null|array|string)/.test(
                        err.problems[0],
                    ),
                JSON.stringify(raw),
            );
        }
    });

    it("retires what is configured, on its own ports or every protected port, canonically", () => {
        const config = accepted({
            protectedPorts: [6443, 22, 2222],
            retire: [{ remote: "0.0.0.0/0", ports: [22] }, { remote: "0:0::0/0" }],
        });
        assert.deepEqual(retireSelectors(config), [
            { remote: "0.0.0.0/0", ports: [22] },
            { remote: "::/0", ports: [6443, 22, 2222] },
        ]);
    });
});
