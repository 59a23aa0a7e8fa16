// The conductor and tenant probes against real sockets: TCP probes inside a network namespace
// made here (a listener, a closed port, and a black-holed address behind a veth whose peer drops
// everything), the fake juju running the unit probe per unit, the fake kubectl running the pod
// probe, and the dynamic providers serialized and run in a plain node process.
import * as assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AllowEntry } from "../../components/model/allowset";
import { checkConductors, checkTenantIsolation } from "../../components/verify/checks";
import { conductorProbeCommand } from "../../components/verify/conductor";
import type { TenantCheck } from "../../components/verify/tenant";
import {
    conductorHandshakeProvider,
    tenantIsolationProvider,
} from "../../components/verify/resources";
import type { JujuTarget } from "../../components/juju/units";
import { ProviderProcess, serializeProvider } from "../../tools/rehearsal/provider-host";
import { hedgeTimeoutSeconds, mochaTimeoutMs } from "../support/fake-juju";

const FIXTURES = path.resolve(__dirname, "..", "fixtures");
const FAKE_JUJU = path.resolve(__dirname, "..", "..", "tools", "fakes", "juju", "juju");
const FAKE_KUBECTL = path.join(FIXTURES, "fake-kubectl", "kubectl");

// In the namespace: 127.0.0.1:LISTEN accepts and closes, HOLD accepts and holds, CLOSED refuses;
// BLACKHOLE is a neighbour that never answers.
const LISTEN = 18080;
const HOLD = 18081;
const CLOSED = 18082;
const VETH_ADDRESS = "192.0.2.1";
const BLACKHOLE = "192.0.2.2";

const conductorEntry = (cidr: string, port: number): AllowEntry => ({
    role: "conductor",
    ethertype: "IPv4",
    protocol: "tcp",
    port,
    remoteIpPrefix: cidr,
    provenance: ["test"],
});

describe("TCP probes in a network namespace", function () {
    this.timeout(60000);
    const ns = `capi-checks-${process.pid}`;
    const dir = path.join(os.tmpdir(), `probes-${process.pid}`);
    const listeners: ChildProcess[] = [];
    const inNs = (script: string) =>
        execFileSync("ip", ["netns", "exec", ns, "sh", "-c", script], { stdio: "pipe" });

    const startListener = async (port: number, mode: "close" | "hold") => {
        const code = [
            "import socket, sys",
            "s = socket.socket()",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('0.0.0.0', int(sys.argv[1])))",
            "s.listen(64)",
            "print('ready', flush=True)",
            "held = []",
            "while True:",
            "    c, _ = s.accept()",
            "    held.append(c) if sys.argv[2] == 'hold' else c.close()",
        ].join("\n");
        const child = spawn(
            "ip",
            ["netns", "exec", ns, "python3", "-c", code, String(port), mode],
            {
                stdio: ["ignore", "pipe", "inherit"],
            },
        );
        listeners.push(child);
        await new Promise<void>((resolve, reject) => {
            child.stdout!.once("data", () => resolve());
            child.once("exit", (c) => reject(new Error(`listener ${port} exited ${c}`)));
        });
    };

    before(async () => {
        fs.mkdirSync(dir, { recursive: true });
        execFileSync("ip", ["netns", "add", ns]);
        inNs(
            [
                "set -e",
                "ip link set lo up",
                "ip link add bh0 type veth peer name bh1",
                `ip addr add ${VETH_ADDRESS}/24 dev bh0`,
                "ip link set bh0 up",
                "ip link set bh1 up",
                // The peer has no address and forwards nothing: frames to BLACKHOLE vanish.
                `ip neigh add ${BLACKHOLE} lladdr $(cat /sys/class/net/bh1/address) dev bh0 nud permanent`,
            ].join("\n"),
        );
        await startListener(LISTEN, "close");
        await startListener(HOLD, "hold");
    });

    after(() => {
        for (const child of listeners) {
            child.kill("SIGKILL");
        }
        execFileSync("ip", ["netns", "del", ns]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("the conductor handshake through the fake juju", () => {
        const scenario = path.join(dir, "scenario");
        const juju = (timeoutSeconds: number): JujuTarget => ({
            model: "openstack",
            application: "magnum",
            bin: FAKE_JUJU,
            timeoutSeconds,
            concurrency: 16,
            env: { ...process.env, FAKE_JUJU_SCENARIO: scenario },
        });
        const allowSet = (port: number) => [conductorEntry("127.0.0.1/32", port)];
        // A juju timeout of at least `minSeconds` whose hedges (half of it) still hold three
        // times the slowest of `parallel` probes from magnum/0 run through the fake juju now,
        // as loaded as this machine is: the probes' own timeouts stay as they are.
        const jujuSeconds = (minSeconds: number, parallel: number, address: string, port: number) =>
            hedgeTimeoutSeconds(1 / 2, parallel, minSeconds, {
                env: juju(minSeconds).env!,
                unit: "magnum/0",
                command: conductorProbeCommand({ address, port }, 1),
            });

        before(() => {
            const unit = (n: number, file: string, text: string) => {
                fs.mkdirSync(path.join(scenario, "units", `magnum-${n}`), { recursive: true });
                fs.writeFileSync(path.join(scenario, "units", `magnum-${n}`, file), text);
            };
            fs.mkdirSync(scenario, { recursive: true });
            fs.writeFileSync(path.join(scenario, "version"), "3.4.2-genericlinux-amd64\n");
            unit(0, "local", `${ns}\n`);
            unit(1, "local", `${ns}\n`);
            unit(2, "hang", "");
            unit(
                3,
                "task-failed",
                'exec: "/bin/bash": stat /bin/bash: no such file or directory\n',
            );
        });

        it("passes units that connect from an allowed source; a hung unit and a failed exec fail", async function () {
            // magnum/2 hangs the first call: every unit is asked again on its own at halfway.
            const timeoutSeconds = await jujuSeconds(3, 4, "127.0.0.1", LISTEN);
            this.timeout(Math.max(this.timeout(), mochaTimeoutMs(timeoutSeconds)));
            const units = ["magnum/0", "magnum/1", "magnum/2", "magnum/3"];
            const results = await checkConductors(
                { juju: juju(timeoutSeconds), units, timeoutSeconds: 2 },
                { address: "127.0.0.1", port: LISTEN },
                allowSet(LISTEN),
            );
            assert.deepEqual(
                results.map((r) => [r.target, r.outcome, r.passed, r.source]),
                [
                    ["magnum/0", "connected", true, "127.0.0.1"],
                    ["magnum/1", "connected", true, "127.0.0.1"],
                    ["magnum/2", "error", false, undefined],
                    ["magnum/3", "error", false, undefined],
                ],
            );
            assert.match(results[2].detail, /through juju on magnum\/2 got no answer in time/);
            assert.match(results[3].detail, /on magnum\/3 returned code none; .*stat \/bin\/bash/);
        });

        it("fails a refused port, a black-holed address (at the probe's timeout) and an outside source", async function () {
            // Timed on the black-holed address: the slowest probe, which waits out its 1 s.
            const timeoutSeconds = await jujuSeconds(10, 2, BLACKHOLE, 6443);
            this.timeout(Math.max(this.timeout(), mochaTimeoutMs(timeoutSeconds, 3)));
            const units = ["magnum/0", "magnum/1"];
            const run = (address: string, port: number) =>
                checkConductors(
                    { juju: juju(timeoutSeconds), units, timeoutSeconds: 1 },
                    { address, port },
                    allowSet(port),
                );
            const refused = await run("127.0.0.1", CLOSED);
            assert.deepEqual(
                refused.map((r) => r.outcome),
                ["refused", "refused"],
            );
            const timeout = await run(BLACKHOLE, 6443);
            assert.deepEqual(
                timeout.map((r) => [r.outcome, r.passed]),
                [
                    ["timeout", false],
                    ["timeout", false],
                ],
            );
            assert.ok(
                timeout.every((r) => r.ms >= 1000 && r.ms < 3000),
                `ms: ${timeout.map((r) => r.ms)}`,
            );
            const outside = await run(VETH_ADDRESS, LISTEN);
            assert.deepEqual(
                outside.map((r) => [r.outcome, r.passed, r.source]),
                [
                    ["connected", false, VETH_ADDRESS],
                    ["connected", false, VETH_ADDRESS],
                ],
            );
        });

        it("runs as a dynamic provider in a plain node process", async function () {
            const timeoutSeconds = await jujuSeconds(10, 2, "127.0.0.1", LISTEN);
            // Serializing and starting the provider alone takes tens of seconds when loaded.
            this.timeout(Math.max(this.timeout(), mochaTimeoutMs(timeoutSeconds)));
            const file = await serializeProvider("conductor-handshake", conductorHandshakeProvider);
            const provider = await ProviderProcess.start(file, {
                ...process.env,
                FAKE_JUJU_SCENARIO: scenario,
            });
            try {
                const created = await provider.ok<{ outs: { results: string[] } }>("create", {
                    mode: "onChange",
                    api: { address: "127.0.0.1", port: LISTEN },
                    allowSet: allowSet(LISTEN),
                    retired: [],
                    settings: {
                        juju: {
                            model: "openstack",
                            application: "magnum",
                            bin: FAKE_JUJU,
                            timeoutSeconds,
                            concurrency: 16,
                        },
                        units: ["magnum/0", "magnum/1"],
                        timeoutSeconds: 2,
                        flavor: "exec",
                    },
                });
                assert.deepEqual(
                    created.outs.results.map((r) => r.replace(/\(\d+ ms\)/, "")),
                    [
                        "pass conductor magnum/0 from 127.0.0.1: connected ",
                        "pass conductor magnum/1 from 127.0.0.1: connected ",
                    ],
                );
            } finally {
                await provider.stop();
            }
        });
    });

    describe("tenant isolation through the fake kubectl", () => {
        const state = path.join(dir, "kubectl");
        const config = path.join(dir, "tenant.yaml");
        const tenant = (extra: Partial<TenantCheck>): TenantCheck => ({
            kubeconfig: config,
            namespace: "default",
            kubectl: FAKE_KUBECTL,
            timeoutSeconds: 1,
            pod: "tenant-probe",
            ...extra,
        });
        const pods = () => fs.readdirSync(path.join(state, "pods"));
        const log = () => fs.readFileSync(path.join(state, "log"), "utf8");

        before(() => {
            fs.writeFileSync(config, "apiVersion: v1\nkind: Config\n");
            process.env.FAKE_KUBECTL_STATE = state;
            process.env.FAKE_KUBECTL_NETNS = ns;
        });

        after(() => {
            delete process.env.FAKE_KUBECTL_STATE;
            delete process.env.FAKE_KUBECTL_NETNS;
            delete process.env.FAKE_KUBECTL_FAIL;
        });

        it("passes only when the connection times out", async () => {
            const result = await checkTenantIsolation(tenant({}), {
                address: BLACKHOLE,
                port: 6443,
            });
            assert.equal(result.passed, true, result.detail);
            assert.equal(result.outcome, "timeout");
        });

        it("reports a connection and a refusal as isolation failures", async () => {
            for (const [port, outcome] of [
                [LISTEN, "connected"],
                [HOLD, "connected"],
                [CLOSED, "refused"],
            ] as const) {
                const result = await checkTenantIsolation(tenant({}), {
                    address: "127.0.0.1",
                    port,
                });
                assert.equal(result.passed, false);
                assert.equal(result.outcome, outcome);
                assert.match(
                    result.detail,
                    /exec \(pod default\/tenant-probe\) probing 127\.0\.0\.1:\d+: expected a timeout; isolation failure/,
                );
            }
        });

        it("runs a short-lived pod and removes it, also when the attach fails", async () => {
            const image = tenant({ pod: undefined, image: "busybox:1.36" });
            const passed = await checkTenantIsolation(image, { address: BLACKHOLE, port: 6443 });
            assert.equal(passed.passed, true, passed.detail);
            assert.deepEqual(pods(), []);
            process.env.FAKE_KUBECTL_FAIL = "attach";
            try {
                const failed = await checkTenantIsolation(image, {
                    address: BLACKHOLE,
                    port: 6443,
                });
                assert.equal(failed.outcome, "error");
                assert.match(
                    failed.detail,
                    /run \(image busybox:1\.36\).*exited 1 \(stderr: error: timed out waiting for the condition\)/,
                );
            } finally {
                delete process.env.FAKE_KUBECTL_FAIL;
            }
            assert.deepEqual(pods(), []);
            assert.match(log(), /delete pod capi-ingress-probe-[0-9a-f]{8} --ignore-not-found/);
        });

        it("reports a missing pod as an error naming kubectl exec", async () => {
            const result = await checkTenantIsolation(tenant({ pod: "gone" }), {
                address: BLACKHOLE,
                port: 6443,
            });
            assert.equal(result.outcome, "error");
            assert.match(result.detail, /exec \(pod default\/gone\).*NotFound/);
        });

        it("runs as a dynamic provider in a plain node process", async () => {
            const file = await serializeProvider("tenant-isolation", tenantIsolationProvider);
            const provider = await ProviderProcess.start(file, process.env);
            try {
                const props = {
                    mode: "always",
                    api: { address: "127.0.0.1", port: CLOSED },
                    allowSet: [],
                    retired: [],
                    settings: tenant({}),
                };
                const failed = await provider.call("create", props);
                assert.equal(failed.ok, false);
                assert.match(
                    failed.ok ? "" : failed.error.message,
                    /tenant isolation: 1 of 1 checks failed\n.*\ntenant .* refused .* FAIL/,
                );
                const created = await provider.ok<{ outs: { results: string[] } }>("create", {
                    ...props,
                    api: { address: BLACKHOLE, port: 6443 },
                });
                assert.match(
                    created.outs.results[0],
                    /^pass tenant pod default\/tenant-probe: timeout/,
                );
            } finally {
                await provider.stop();
            }
        });
    });
});
