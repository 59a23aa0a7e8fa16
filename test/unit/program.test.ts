// The whole program under Pulumi's mock runtime: setMocks first, then import the program.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
    Captured,
    captureOptions,
    FakeCloud,
    installMocks,
    invoked,
    outputValue,
    registered,
    reset,
} from "../support/mocks";
import { fakeExposureLookups } from "../support/exposure";
import type { StackConfig } from "../../components/config/schema";
import type { NeutronRule } from "../../components/model/rules";

let cloud: FakeCloud;
installMocks(() => cloud);

// Imported after setMocks, as the runtime requires.
let program: typeof import("../../components/program");
let stackfile: typeof import("../../components/config/stackfile");
let rules: typeof import("../../components/model/rules");
let parseStackConfig: typeof import("../../components/config/schema").parseStackConfig;

const FAKE_JUJU = path.resolve(__dirname, "..", "fixtures", "fake-juju", "juju");
const SCENARIOS = path.resolve(__dirname, "..", "fixtures", "fake-juju", "scenarios");
const GROUP = "0d5c6a52-2a39-4bb0-9f59-6a2e3b1d9c01";
const RULE = "openstack:networking/secGroupRule:SecGroupRule";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function wide(
    id: string,
    port: number,
    prefix: string | null,
    ethertype: "IPv4" | "IPv6" = "IPv4",
): NeutronRule {
    return {
        id,
        security_group_id: GROUP,
        direction: "ingress",
        ethertype,
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: prefix,
        remote_group_id: null,
        description: "",
    };
}

function shape(port: number) {
    return {
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: port,
        portRangeMax: port,
        remoteIpPrefix: "0.0.0.0/0",
        remoteGroupId: null,
    };
}

function rulingCloud(): FakeCloud {
    return {
        groups: [
            { id: GROUP, name: "capi-mgmt-sg" },
            { id: "default", name: "default" },
        ],
        subnets: [
            {
                id: "9a7e3c1e-1111-4000-8000-000000000001",
                name: "capi-mgmt-subnet",
                cidr: "10.20.0.0/24",
            },
        ],
        routers: [
            {
                id: "9a7e3c1e-2222-4000-8000-000000000002",
                name: "capi-mgmt-router",
                ips: ["10.12.4.37"],
            },
        ],
        floatingIps: [{ address: "10.12.7.222", portId: "port-api" }],
        ports: [{ id: "port-api", fixedIp: "10.20.0.10", securityGroupIds: [GROUP, "default"] }],
        rules: [
            wide("wide-6443", 6443, "0.0.0.0/0"),
            wide("wide-22", 22, "0.0.0.0/0"),
            {
                ...wide("egress", 0, null),
                direction: "egress",
                protocol: null,
                port_range_min: null,
                port_range_max: null,
            },
        ],
    };
}

function exampleConfig(overrides: Partial<StackConfig> = {}): StackConfig {
    const config = stackfile.loadStackConfig("example");
    return {
        ...config,
        conductors: {
            juju: { ...config.conductors.juju!, bin: FAKE_JUJU, env: undefined } as never,
        },
        ...overrides,
    };
}

async function run(config: StackConfig, scenario = "juju3-lxd") {
    reset();
    const captured: Captured[] = [];
    process.env.FAKE_JUJU_SCENARIO = path.isAbsolute(scenario)
        ? scenario
        : path.join(SCENARIOS, scenario);
    const lookups = (await import("../../components/discover/invoke-lookups")).invokeLookups(
        undefined,
        {
            listRules: async (id) => cloud.rules.filter((r) => r.security_group_id === id),
            ...fakeExposureLookups(() => cloud),
        },
    );
    const outputs = await program.runProgram("capi-mgmt", config, lookups, {
        transformations: [captureOptions(captured)],
    });
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
        resolved[key] = await outputValue(value as pulumi.Output<unknown>);
    }
    return { outputs: resolved, captured };
}

const ruleRows = () =>
    registered
        .filter((r) => r.type === RULE)
        .map(
            (r) =>
                `${r.name} ${r.inputs.portRangeMin}/${r.inputs.protocol} ${r.inputs.remoteIpPrefix}`,
        )
        .sort();

describe("program (mock runtime)", function () {
    this.timeout(60000);

    before(async () => {
        program = await import("../../components/program");
        stackfile = await import("../../components/config/stackfile");
        rules = await import("../../components/model/rules");
        ({ parseStackConfig } = await import("../../components/config/schema"));
    });

    beforeEach(() => {
        cloud = rulingCloud();
    });

    it("declares the ruling's set for the example stack from a 3-unit Juju deployment", async () => {
        const { outputs, captured } = await run(exampleConfig());
        assert.deepEqual(ruleRows(), [
            "capi-mgmt-22-10.12.4.1-32 22/tcp 10.12.4.1/32",
            "capi-mgmt-6443-10.12.4.1-32 6443/tcp 10.12.4.1/32",
            "capi-mgmt-6443-10.12.4.154-32 6443/tcp 10.12.4.154/32",
            "capi-mgmt-6443-10.12.4.155-32 6443/tcp 10.12.4.155/32",
            "capi-mgmt-6443-10.12.4.156-32 6443/tcp 10.12.4.156/32",
            "capi-mgmt-6443-10.12.4.37-32 6443/tcp 10.12.4.37/32",
            "capi-mgmt-6443-10.20.0.0-24 6443/tcp 10.20.0.0/24",
        ]);
        for (const r of registered.filter((x) => x.type === RULE)) {
            assert.equal(r.inputs.securityGroupId, GROUP);
            assert.equal(r.inputs.direction, "ingress");
            assert.equal(r.inputs.ethertype, "IPv4");
            assert.equal(r.inputs.portRangeMin, r.inputs.portRangeMax);
            assert.match(
                String(r.inputs.description),
                /^capi-mgmt-ingress: (conductor|operator|hairpin)$/,
            );
        }
        assert.deepEqual(outputs.retireTargets, [
            { id: "wide-6443", admits: "0.0.0.0/0 on tcp 6443" },
            { id: "wide-22", admits: "0.0.0.0/0 on tcp 22" },
        ]);
        assert.deepEqual(outputs.drift, []);
        assert.deepEqual(outputs.adopted, []);
        const rows = outputs.allowSet as { role: string; provenance: string }[];
        assert.match(
            rows[0].provenance,
            /magnum\/0.*ip -j route get 10\.12\.7\.222.*10\.12\.4\.154/,
        );

        // Options, captured with `transformations`: replacement never deletes first, nothing imported.
        const ruleOpts = captured.filter((c) => c.type === RULE);
        assert.equal(ruleOpts.length, 7);
        for (const c of ruleOpts) {
            assert.equal(c.opts.deleteBeforeReplace, false, c.name);
            assert.equal(c.opts.import, undefined, c.name);
        }
        assert.ok(invoked.includes("openstack:networking/getFloatingIp:getFloatingIp"));
    });

    it("orders the change: rules, then the read-back gate, then the retirement, then the checks", async () => {
        // A credential in the environment must reach no input, serialized providers included.
        process.env.OS_PASSWORD = "hunter2-not-for-state";
        const config = exampleConfig();
        // A command line with a credential in it, which fails.
        config.verify.custom = [
            { ...config.verify.custom[0], command: "echo token=s3cr3t-in-command; exit 3" },
        ];
        const { captured, outputs } = await run(config).finally(
            () => delete process.env.OS_PASSWORD,
        );
        const byType = (type: string) => captured.filter((c) => c.type === type);
        const rulesDeclared = byType(RULE);
        const [gate] = byType("pulumi-nodejs:dynamic/gate:ReadbackGate");
        const [retirement] = byType("pulumi-nodejs:dynamic/retirement:WideRuleRetirement");
        const dependsOn = (c: Captured) => [c.opts.dependsOn ?? []].flat() as pulumi.Resource[];
        const names = async (c: Captured) =>
            Promise.all(
                dependsOn(c).map((r) => outputValue(r.urn).then((u) => u.split("::").pop())),
            );
        assert.deepEqual((await names(gate)).sort(), rulesDeclared.map((r) => r.name).sort());
        assert.deepEqual(await names(retirement), ["capi-mgmt-readback"]);
        const checks = captured.filter((c) =>
            /dynamic\/checks:|command:local:Command/.test(c.type),
        );
        assert.deepEqual(checks.map((c) => c.name).sort(), [
            "capi-mgmt-conductor-handshake",
            "capi-mgmt-custom-magnum-resize",
            "capi-mgmt-operator-readyz",
            "capi-mgmt-tenant-isolation",
        ]);
        for (const check of checks) {
            assert.deepEqual(await names(check), ["capi-mgmt-retirement"], check.name);
        }
        // The retirement deletes exactly what the preview measured, with the shape it showed.
        const inputs = registered.find((r) => r.name === "capi-mgmt-retirement")!.inputs;
        assert.deepEqual(inputs.targets, [
            { id: "wide-6443", shape: shape(6443) },
            { id: "wide-22", shape: shape(22) },
        ]);
        assert.equal(inputs.allowDestroy, false);
        assert.equal(inputs.cloud, "production");
        assert.equal((inputs.entries as unknown[]).length, 7);
        assert.ok(!JSON.stringify(registered).includes("hunter2-not-for-state"));
        // The custom check really ran and failed; its command line and output stay out of the
        // outputs, and are encrypted in state.
        const checkLines = outputs.checks as string[];
        assert.equal(checkLines.length, 1);
        assert.match(checkLines[0], /^FAIL custom:magnum-resize: expected exit status 0, got 3/);
        assert.ok(!JSON.stringify(outputs).includes("s3cr3t-in-command"));
        const resize = registered.find((r) => r.type === "command:local:Command")!;
        assert.ok(SECRET_SIG in (resize.inputs.environment as object), "environment is a secret");
        const resizeOpts = captured.find((c) => c.type === "command:local:Command")!.opts;
        assert.deepEqual(resizeOpts.additionalSecretOutputs, ["stdout", "stderr"]);
    });

    it("declares no check with verify mode never", async () => {
        const config = exampleConfig();
        config.verify = { ...config.verify, mode: "never" };
        const { captured } = await run(config);
        assert.deepEqual(
            captured.filter((c) => /checks|command/.test(c.type)),
            [],
        );
    });

    it("adopts the rules on a second evaluation once they exist, and declares no create", async () => {
        await run(exampleConfig());
        const first = registered.filter((r) => r.type === RULE);
        // The group as the first update leaves it: the tight rules in place, the wide ones gone.
        cloud.rules = first.map((r, i) => ({
            ...wide(
                `tight-${i}`,
                r.inputs.portRangeMin as number,
                r.inputs.remoteIpPrefix as string,
            ),
            description: r.inputs.description as string,
        }));
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
        cloud.rules.push({
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
            cloud = rulingCloud();
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
        cloud = rulingCloud();
        cloud.rules = first.map((r, i) => ({
            ...wide(
                `tight-${i}`,
                r.inputs.portRangeMin as number,
                r.inputs.remoteIpPrefix as string,
            ),
            description: r.inputs.description as string,
        }));
        cloud.routers[0].ips = ["10.12.4.1"];
        const config = exampleConfig();
        config.operator = { ...config.operator, cidrs: ["10.12.4.2/32"] };
        // The old operator rule on 22 and the old gateway's rule stay: accepted, else refused.
        config.acceptedExposure = cloud.rules
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
        cloud = rulingCloud();
        await run(exampleConfig(), "juju29-lxd");
        assert.deepEqual(ruleRows(), juju3);
    });

    it("refuses a group that does not guard the API address, declaring nothing", async () => {
        cloud.ports[0].securityGroupIds = ["default"];
        await assert.rejects(
            run(exampleConfig()),
            /preflight: the API address 10\.12\.7\.222 .* not by capi-mgmt-sg/,
        );
        assert.equal(registered.filter((r) => r.type === RULE).length, 0);
    });

    it("refuses while another group on the API's port admits the world, declaring nothing", async () => {
        // The "default" group on the port: a protocol-"0" rule from anywhere. Retiring the
        // managed group's wide rules would change nothing the API admits.
        cloud.rules.push({
            ...wide("other-zero", 0, "0.0.0.0/0"),
            security_group_id: "default",
            protocol: "0",
            port_range_min: null,
            port_range_max: null,
        });
        await assert.rejects(run(exampleConfig()), (err: Error) => {
            assert.match(err.message, /rule other-zero in group default \(default\)/);
            assert.match(err.message, /protocol "0"/);
            assert.match(
                err.message,
                /6443\/tcp IPv4: every IPv4 address except these \d+ prefixes/,
            );
            assert.match(err.message, /retire .*remove it by hand.*acceptedExposure/s);
            return true;
        });
        assert.equal(registered.length, 0, "no rule, no retirement, nothing declared");
        // Accepted with a reason: the update goes ahead and the residual exposure is an output.
        const config = exampleConfig();
        config.acceptedExposure = [{ group: "default", reason: "lab port, isolated upstream" }];
        const { outputs } = await run(config);
        const exposure = outputs.exposure as {
            after: { port: number; ethertype: string; beyondAllowSet: string }[];
            accepted: { rule: string; accepted: string }[];
        };
        assert.deepEqual(
            exposure.accepted.map((a) => [a.rule, a.accepted]),
            [["other-zero", "lab port, isolated upstream"]],
        );
        assert.match(
            exposure.after.find((r) => r.port === 6443 && r.ethertype === "IPv4")!.beyondAllowSet,
            /^every IPv4 address except/,
        );
        assert.deepEqual(
            (outputs.retireTargets as { id: string }[]).map((t) => t.id),
            ["wide-6443", "wide-22"],
        );
    });

    it("fails closed on a unit that cannot be measured, naming it and the command", async () => {
        const config = exampleConfig({ api: { address: "10.12.7.222", port: 6443 } });
        config.conductors.juju!.timeoutSeconds = 2;
        await assert.rejects(run(config, "faults"), (err: Error) => {
            assert.match(err.message, /magnum\/2/);
            assert.match(err.message, /ip -j route get 10\.12\.7\.222/);
            return true;
        });
        assert.equal(registered.length, 0, "nothing may be declared");
    });

    it("warns about a CAPO-managed group", async () => {
        cloud.groups[0].name = "k8s-cluster-magnum-system-mgmt-secgroup-controlplane";
        const config = exampleConfig({
            securityGroup: { name: "k8s-cluster-magnum-system-mgmt-secgroup-controlplane" },
        });
        const { outputs } = await run(config);
        assert.match(String((outputs.warnings as string[])[0]), /Cluster API Provider OpenStack/);
    });

    it("reports drift and does not retire what it was not asked to", async () => {
        cloud.rules.push({
            ...wide("range", 0, "0.0.0.0/0"),
            port_range_min: 1,
            port_range_max: 65535,
        });
        cloud.rules.push({ ...wide("ssh-from-conductor", 22, "10.12.4.154/32") });
        const config = exampleConfig();
        config.acceptedExposure = [
            { rule: "range", reason: "accepted here to see the drift rows" },
            { rule: "ssh-from-conductor", reason: "accepted here to see the drift rows" },
        ];
        const { outputs } = await run(config);
        assert.deepEqual(
            (outputs.drift as { id: string }[]).map((d) => d.id),
            ["range", "ssh-from-conductor"],
        );
        assert.deepEqual(
            (outputs.retireTargets as { id: string }[]).map((t) => t.id),
            ["wide-6443", "wide-22"],
        );
        assert.equal(rules.roleDescription("conductor"), "capi-mgmt-ingress: conductor");
    });

    describe("reading the stack config through pulumi.Config", () => {
        const config = (values: Record<string, string>, secretKeys: string[] = []) => {
            pulumi.runtime.setAllConfig(values, secretKeys);
            try {
                return parseStackConfig(program.readPulumiConfig());
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

        it("refuses a secret key", () => {
            assert.throws(
                () => config(valid, ["capi-mgmt-ingress:operator"]),
                /capi-mgmt-ingress:operator is a secret; this project takes no secrets/,
            );
        });
    });

    it("serializes every dynamic provider (a failure here would otherwise hang the program)", async () => {
        const providers = [
            (await import("../../components/apply/gate")).readbackGateProvider,
            (await import("../../components/apply/retirement")).wideRuleRetirementProvider,
            (await import("../../components/verify/resources")).conductorHandshakeProvider,
            (await import("../../components/verify/resources")).operatorReadyzProvider,
            (await import("../../components/verify/resources")).tenantIsolationProvider,
        ];
        for (const provider of providers) {
            const serialized = await pulumi.runtime.serializeFunction(() => provider, {
                allowSecrets: true,
            });
            assert.match(serialized.text, /exports\.handler = /);
        }
    });

    it("throws on any invoke it was not given an answer for", async () => {
        const openstack = await import("@pulumi/openstack");
        await assert.rejects(openstack.networking.getNetwork({ name: "x" }));
        assert.equal(invoked.at(-1), "openstack:networking/getNetwork:getNetwork");
    });
});
