// The whole program under Pulumi's mock runtime: what it declares, in which order, and when it
// refuses.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
    exampleConfig,
    fake,
    GROUP,
    RULE,
    ruleRows,
    rulingCloud,
    run,
    SECRET_SIG,
    shape,
    wide,
} from "../support/program";
import { Captured } from "../support/mocks";
import { invoked, outputValue, registered } from "../../tools/mock/runtime";
import { roleDescription } from "../../components/model/rules";

describe("program (mock runtime)", function () {
    this.timeout(180_000);

    beforeEach(() => {
        fake.cloud = rulingCloud();
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
        // Every lookup went through the injected lookups: not one provider invoke.
        assert.deepEqual(invoked, []);
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

    it("gives a custom check its secret env encrypted, logs nothing and prints none of it", async () => {
        const sentinel = "s3cr3t-sentinel-program-env";
        const config = exampleConfig();
        config.verify.custom = [
            {
                ...config.verify.custom[0],
                command: 'echo "token=$CHECK_TOKEN"; echo "$CHECK_TOKEN" >&2; exit 3',
                env: { CHECK_TOKEN: sentinel },
            },
        ];
        const { outputs } = await run(config);
        const command = registered.find((r) => r.type === "command:local:Command")!;
        assert.equal(command.inputs.logging, "none");
        assert.equal(command.inputs.create, "node -");
        assert.equal(
            command.inputs.stdin,
            fs.readFileSync(
                path.resolve(__dirname, "../../components/verify/probes/custom-check-runner.js"),
                "utf8",
            ),
        );
        const environment = command.inputs.environment as Record<string, unknown>;
        assert.ok(SECRET_SIG in environment, "environment is a secret");
        // The check really saw the value and failed; only the secret environment holds it.
        assert.match(
            (outputs.checks as string[])[0],
            /^FAIL custom:magnum-resize: expected exit status 0, got 3/,
        );
        const rest = registered.map((r) =>
            r === command ? { ...r, inputs: { ...r.inputs, environment: null } } : r,
        );
        assert.ok(!JSON.stringify(rest).includes(sentinel));
        assert.ok(!JSON.stringify(outputs).includes(sentinel));
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

    it("refuses a group that does not guard the API address, declaring nothing", async () => {
        fake.cloud.ports[0].securityGroupIds = ["default"];
        await assert.rejects(
            run(exampleConfig()),
            /preflight: the API address 10\.12\.7\.222 .* not by capi-mgmt-sg/,
        );
        assert.equal(registered.filter((r) => r.type === RULE).length, 0);
    });

    it("refuses while another group on the API's port admits the world, declaring nothing", async () => {
        // The "default" group on the port: a protocol-"0" rule from anywhere. Retiring the
        // managed group's wide rules would change nothing the API admits.
        fake.cloud.rules.push({
            ...wide("other-zero", 0, "0.0.0.0/0"),
            security_group_id: "default",
            protocol: "0",
            port_range_min: null,
            port_range_max: null,
        });
        await assert.rejects(run(exampleConfig()), (err: Error) => {
            assert.match(err.message, /rule other-zero in group default \(default\)/);
            assert.match(err.message, /"0"/);
            assert.match(
                err.message,
                /6443\/tcp IPv4: every IPv4 address except these \d+ prefixes/,
            );
            // Only the way that can work: another group's rule, wide, cannot be retired or accepted.
            assert.match(err.message, /\n {6}ways out: remove it by hand \([^)]*other-zero\)\n/);
            assert.match(err.message, /\n {6}not: retire: .*; this rule is in another group\n/);
            assert.match(err.message, /\n {6}not: accept: .*\(never wide\)$/);
            return true;
        });
        assert.equal(registered.length, 0, "no rule, no retirement, nothing declared");
        // Accepted with a reason, the world stays refused (never wide), still declaring nothing.
        const config = exampleConfig();
        config.acceptedExposure = [{ group: "default", reason: "lab port, isolated upstream" }];
        await assert.rejects(run(config), (err: Error) => {
            assert.match(err.message, /every address of a family on 22\/tcp IPv4, 6443\/tcp IPv4/);
            assert.match(
                err.message,
                /rule other-zero in group default .*; an acceptedExposure entry names it and does not apply, its reason: lab port, isolated upstream\n(.*\n)*.*not: accept: .*which no acceptedExposure entry can accept \(never wide\)$/,
            );
            return true;
        });
        assert.equal(registered.length, 0, "accepted or not, nothing declared");
        // A narrower rule, accepted: the update goes ahead and the residual exposure is an output.
        fake.cloud.rules.find((r) => r.id === "other-zero")!.remote_ip_prefix = "0.0.0.0/1";
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
            /^52 prefixes: 0\.0\.0\.0\/5, /,
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
        fake.cloud.groups[0].name = "k8s-cluster-magnum-system-mgmt-secgroup-controlplane";
        const config = exampleConfig({
            securityGroup: { name: "k8s-cluster-magnum-system-mgmt-secgroup-controlplane" },
        });
        const { outputs } = await run(config);
        assert.match(String((outputs.warnings as string[])[0]), /Cluster API Provider OpenStack/);
    });

    it("reports drift and does not retire what it was not asked to", async () => {
        fake.cloud.rules.push({
            ...wide("range", 0, "203.0.113.0/24"),
            port_range_min: 1,
            port_range_max: 65535,
        });
        fake.cloud.rules.push({ ...wide("ssh-from-conductor", 22, "10.12.4.154/32") });
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
        assert.equal(roleDescription("conductor"), "capi-mgmt-ingress: conductor");
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
