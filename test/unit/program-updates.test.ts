// The program under Pulumi's mock runtime across updates: adoption, a new unit, a role change,
// Juju 2.9, and the stack config as pulumi.Config hands it over.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
    exampleConfig,
    fake,
    RULE,
    ruleRows,
    rulingCloud,
    run,
    SCENARIOS,
    tightRules,
    wide,
} from "../support/program";
import { registered } from "../../tools/mock/runtime";
import { parseStackConfig } from "../../components/config/schema";
import { readPulumiConfig } from "../../components/program";

describe("program across updates (mock runtime)", function () {
    this.timeout(60000);

    beforeEach(() => {
        fake.cloud = rulingCloud();
    });

    it("adopts the rules on a second evaluation once they exist, and declares no create", async () => {
        await run(exampleConfig());
        const first = registered.filter((r) => r.type === RULE);
        // The group as the first update leaves it: the tight rules in place, the wide ones gone.
        fake.cloud.rules = tightRules(first);
        const { outputs, captured } = await run(exampleConfig());
        const ruleOpts = captured.filter((c) => c.type === RULE);
        assert.equal(ruleOpts.length, 7);
        for (const c of ruleOpts) {
            assert.match(String(c.opts.import), /^tight-\d$/, `${c.name} would be created`);
        }
        assert.deepEqual(outputs.retireTargets, []);
        assert.equal((outputs.adopted as unknown[]).length, 7);
        // Same names and inputs as the first time: nothing churns.
        assert.deepEqual(
            registered.filter((r) => r.type === RULE).map((r) => [r.name, r.inputs]),
            first.map((r) => [r.name, r.inputs]),
        );
    });

    it("keeps a hand-made rule's description when adopting it (a new one would be a 409)", async () => {
        fake.cloud.rules.push({
            ...wide("by-hand", 6443, "10.12.4.154/32"),
            description: "D-063 by hand",
        });
        const { captured } = await run(exampleConfig());
        const adopted = registered.find((r) => r.name === "capi-mgmt-6443-10.12.4.154-32")!;
        assert.equal(adopted.inputs.description, "D-063 by hand");
        assert.equal(captured.find((c) => c.name === adopted.name)!.opts.import, "by-hand");
    });

    it("adds one rule for a new unit and changes nothing else", async () => {
        await run(exampleConfig());
        const before = ruleRows();
        // The same deployment with a fourth unit, magnum/3, sending from 10.12.4.157.
        const scenario = fs.mkdtempSync(path.join(os.tmpdir(), "juju-4-units-"));
        fs.cpSync(path.join(SCENARIOS, "juju3-lxd"), scenario, { recursive: true });
        const statusFile = path.join(scenario, "status.json");
        const status = JSON.parse(fs.readFileSync(statusFile, "utf8"));
        const units = status.applications.magnum.units;
        units["magnum/3"] = {
            ...units["magnum/2"],
            machine: "2/lxd/10",
            "public-address": "10.12.0.44",
        };
        fs.writeFileSync(statusFile, JSON.stringify(status));
        const unitDir = path.join(scenario, "units", "magnum-3");
        fs.cpSync(path.join(scenario, "units", "magnum-2"), unitDir, { recursive: true });
        const ipFile = path.join(unitDir, "ip.stdout");
        fs.writeFileSync(
            ipFile,
            fs.readFileSync(ipFile, "utf8").replace("10.12.4.156", "10.12.4.157"),
        );
        try {
            fake.cloud = rulingCloud();
            await run(exampleConfig(), scenario);
        } finally {
            fs.rmSync(scenario, { recursive: true, force: true });
        }
        const after = ruleRows();
        assert.deepEqual(
            after.filter((r) => !before.includes(r)),
            ["capi-mgmt-6443-10.12.4.157-32 6443/tcp 10.12.4.157/32"],
        );
        assert.deepEqual(
            before.filter((r) => !after.includes(r)),
            [],
        );
    });

    it("keeps a rule's name when the role that admits its CIDR changes", async () => {
        await run(exampleConfig());
        const before = registered.find(
            (r) => r.inputs.remoteIpPrefix === "10.12.4.1/32" && r.inputs.portRangeMin === 6443,
        )!;
        // The group as the first update left it; then the operator moves, and the router's
        // gateway now holds the operator's old address.
        const first = registered.filter((r) => r.type === RULE);
        fake.cloud = rulingCloud();
        fake.cloud.rules = tightRules(first);
        fake.cloud.routers[0].ips = ["10.12.4.1"];
        const config = exampleConfig();
        config.operator = { ...config.operator, cidrs: ["10.12.4.2/32"] };
        // The old operator rule on 22 and the old gateway's rule stay: accepted, else refused.
        config.acceptedExposure = fake.cloud.rules
            .filter(
                (r) =>
                    (r.port_range_min === 22 && r.remote_ip_prefix === "10.12.4.1/32") ||
                    r.remote_ip_prefix === "10.12.4.37/32",
            )
            .map((r) => ({ rule: r.id, reason: "old addresses, removed next" }));
        const { outputs, captured } = await run(config);
        const after = registered.find(
            (r) => r.inputs.remoteIpPrefix === "10.12.4.1/32" && r.inputs.portRangeMin === 6443,
        )!;
        // Same resource, same live rule, same description: no replacement, no delete.
        assert.equal(after.name, before.name);
        assert.deepEqual(after.inputs, before.inputs);
        assert.match(String(captured.find((c) => c.name === after.name)!.opts.import), /^tight-/);
        assert.ok(
            (outputs.allowSet as { role: string; source: string; port: number }[]).some(
                (e) => e.role === "hairpin" && e.source === "10.12.4.1/32" && e.port === 6443,
            ),
        );
    });

    it("derives the same set from Juju 2.9's `juju run`", async () => {
        await run(exampleConfig());
        const juju3 = ruleRows();
        fake.cloud = rulingCloud();
        await run(exampleConfig(), "juju29-lxd");
        assert.deepEqual(ruleRows(), juju3);
    });

    describe("reading the stack config through pulumi.Config", () => {
        const config = (values: Record<string, string>, secretKeys: string[] = []) => {
            pulumi.runtime.setAllConfig(values, secretKeys);
            try {
                return parseStackConfig(readPulumiConfig());
            } finally {
                pulumi.runtime.setAllConfig({}, []);
            }
        };
        const valid = {
            "capi-mgmt-ingress:cloud": "production",
            "capi-mgmt-ingress:securityGroup": '{"name":"capi-mgmt-sg"}',
            "capi-mgmt-ingress:api": '{"address":"10.12.7.222"}',
            "capi-mgmt-ingress:conductors": '{"juju":{"model":"openstack"}}',
            "capi-mgmt-ingress:operator": '{"cidrs":["10.12.4.1/32"],"reason":"operator NAT"}',
            "capi-mgmt-ingress:minPrefixLength": "20",
            "openstack:region": "RegionOne",
        };

        it("reads objects, numbers and strings, and ignores other namespaces", () => {
            const c = config(valid);
            assert.equal(c.cloud, "production");
            assert.equal(c.minPrefixLength, 20);
            assert.deepEqual(c.securityGroup, { name: "capi-mgmt-sg" });
        });

        it("fails on a misspelt key instead of ignoring it", () => {
            assert.throws(
                () => config({ ...valid, "capi-mgmt-ingress:hairpins": '{"subnets":["x"]}' }),
                /capi-mgmt-ingress: unknown key hairpins/,
            );
        });

        it("refuses a secret key, and a secret verify key that holds no check env secret", () => {
            assert.throws(
                () => config(valid, ["capi-mgmt-ingress:operator"]),
                /capi-mgmt-ingress:operator is a secret; it is not verify\. This project takes secrets from stack config only as the values of verify\.custom\[\]\.env/,
            );
            assert.throws(
                () =>
                    config({ ...valid, "capi-mgmt-ingress:verify": '{"mode":"onChange"}' }, [
                        "capi-mgmt-ingress:verify",
                    ]),
                /capi-mgmt-ingress:verify is a secret; \S+Pulumi\.example\.yaml shows no secure value under it/,
            );
        });

        it("refuses a secret in another namespace and a plaintext provider credential, never the value", () => {
            for (const [values, secret, expected] of [
                [
                    { "openstack:password": "s3cr3t-sentinel-a" },
                    ["openstack:password"],
                    /openstack:password is a secret/,
                ],
                [
                    { "openstack:region": "s3cr3t-sentinel-b" },
                    ["openstack:region"],
                    /openstack:region is a secret/,
                ],
                [
                    { "openstack:token": "s3cr3t-sentinel-c" },
                    [],
                    /openstack:token is a credential in plain text/,
                ],
            ] as [Record<string, string>, string[], RegExp][]) {
                assert.throws(
                    () => config({ ...valid, ...values }, secret),
                    (err: Error) =>
                        expected.test(err.message) &&
                        /clouds\.yaml/.test(err.message) &&
                        !err.message.includes("s3cr3t-sentinel"),
                );
            }
        });
    });
});
