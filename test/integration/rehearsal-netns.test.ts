// The rehearsal's stand-ins for real: namespaces, the nftables mirror of a rule list, the API
// stand-in, the juju and kubectl shims, and the project's own checks run through them. Traffic
// stays inside the namespaces this test makes (documentation addresses only). Needs root
// (CAP_NET_ADMIN), nftables, python3 (the conductor probe) and busybox or nc (the tenant probe).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { AllowEntry } from "../../components/model/allowset";
import {
    CheckResult,
    checkConductors,
    checkOperatorReadyz,
    checkTenantIsolation,
} from "../../components/verify/checks";
import { NeutronRule } from "../../components/model/rules";
import {
    ApiServer,
    generatePki,
    Pki,
    startApiServer,
    writeOperatorKubeconfig,
} from "../../tools/rehearsal/api-server";
import { FirewallSync, readRuleset, startFirewallSync } from "../../tools/rehearsal/firewall";
import { runRaw } from "../../tools/rehearsal/run";
import {
    createTopology,
    listStandIns,
    namespaceSupport,
    nftablesSupport,
    removeLeftovers,
    Topology,
} from "../../tools/rehearsal/topology";

const SHIMS = path.resolve(__dirname, "../../tools/rehearsal/shims");
const API = "192.0.2.201";
const OPERATOR = "203.0.113.201";
const GROUP = "0b7d2c4e-rehearsal-test-group";
const PROBE_TIMEOUT_S = 2;

let counter = 0;
function rule(remote: string, port: number): NeutronRule {
    return {
        id: `rule-${++counter}`,
        security_group_id: GROUP,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: remote,
        remote_group_id: null,
        description: null,
    };
}

describe("rehearsal stand-ins in network namespaces", function () {
    this.timeout(60_000);
    let stateDir: string;
    let topology: Topology | undefined;
    let pki: Pki;
    let server: ApiServer | undefined;
    let sync: FirewallSync | undefined;
    let rules: NeutronRule[];
    let env: NodeJS.ProcessEnv;

    before(async function () {
        const unsupported = await namespaceSupport();
        if (unsupported) {
            console.warn(`    skipped: ${unsupported}`);
            this.skip();
        }
        const noNft = await nftablesSupport();
        assert.equal(noNft, undefined, noNft);
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-netns-"));
        topology = await createTopology({
            apiAddress: API,
            stateDir,
            addresses: { operator: OPERATOR },
        });
        // The checks run kubectl with this process's environment.
        process.env.REHEARSAL_TOPOLOGY = topology.statePath;
        env = { ...process.env };
        pki = await generatePki(path.join(stateDir, "pki"), API);
        server = await startApiServer({
            namespace: topology.state.api.namespace,
            host: "0.0.0.0",
            pki,
        });
        rules = [
            rule(`${topology.state.units[0].source}/32`, 6443),
            rule(`${OPERATOR}/32`, 6443),
            rule(`${OPERATOR}/32`, 22),
            // The management cluster's own subnet: a Neutron object only, no stand-in sends from it.
            rule("10.20.0.0/24", 6443),
        ];
        sync = startFirewallSync({
            namespace: topology.state.api.namespace,
            groupIds: [GROUP],
            listRules: async () => rules,
            intervalMs: 200,
        });
        await sync.syncNow();
    });

    after(async () => {
        delete process.env.REHEARSAL_TOPOLOGY;
        await sync?.stop();
        await server?.stop();
        await topology?.destroy();
        if (stateDir) {
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
    });

    /** Replaces the rule list for one block and puts it back afterwards, synced both ways. */
    async function withRules(changed: NeutronRule[], block: () => Promise<void>): Promise<void> {
        const kept = rules;
        rules = changed;
        await sync!.syncNow();
        try {
            await block();
        } finally {
            rules = kept;
            await sync!.syncNow();
        }
    }

    function allowSet(): AllowEntry[] {
        return rules.map((r) => ({
            role: r.remote_ip_prefix === `${OPERATOR}/32` ? "operator" : "conductor",
            ethertype: "IPv4",
            protocol: "tcp",
            port: r.port_range_min!,
            remoteIpPrefix: r.remote_ip_prefix!,
            provenance: ["test"],
        }));
    }

    function conductors(): Promise<CheckResult[]> {
        return checkConductors(
            {
                juju: {
                    model: "rehearsal",
                    application: "magnum",
                    bin: `${SHIMS}/juju`,
                    timeoutSeconds: 30,
                    concurrency: 3,
                    env,
                },
                units: topology!.state.units.map((u) => u.name),
                timeoutSeconds: PROBE_TIMEOUT_S,
            },
            { address: API, port: 6443 },
            allowSet(),
        );
    }

    function tenant(port: number): Promise<CheckResult> {
        return checkTenantIsolation(
            {
                kubeconfig: "/dev/null",
                namespace: "default",
                pod: "beta-probe",
                kubectl: `${SHIMS}/kubectl`,
                timeoutSeconds: PROBE_TIMEOUT_S,
            },
            { address: API, port },
        );
    }

    function readyzWithoutCertificate(): Promise<number> {
        return new Promise((resolve, reject) => {
            const req = https.get(
                { host: API, port: 6443, path: "/readyz", ca: fs.readFileSync(pki.ca) },
                (res) => {
                    res.resume();
                    resolve(res.statusCode ?? 0);
                },
            );
            req.setTimeout(PROBE_TIMEOUT_S * 1000, () => req.destroy(new Error("timed out")));
            req.on("error", reject);
        });
    }

    it("enforces exactly the rule list in the API namespace", async () => {
        const ruleset = await readRuleset(topology!.state.api.namespace);
        assert.match(ruleset, /policy drop/);
        for (const r of rules) {
            assert.match(ruleset, new RegExp(`comment "${r.id}"`));
        }
        assert.equal((ruleset.match(/ accept comment /g) ?? []).length, rules.length);
    });

    it("juju shim: status lists the units, exec measures each unit's own source", async () => {
        const status = await runRaw([`${SHIMS}/juju`, "status", "magnum", "--format=json"], {
            env,
        });
        assert.equal(status.code, 0, status.stderr);
        const units = JSON.parse(status.stdout).applications.magnum.units;
        assert.deepEqual(Object.keys(units), ["magnum/0", "magnum/1", "magnum/2"]);
        for (const unit of topology!.state.units) {
            const exec = await runRaw(
                [
                    `${SHIMS}/juju`,
                    "exec",
                    "--unit",
                    unit.name,
                    "--format=json",
                    "--",
                    `ip -j route get ${API}`,
                ],
                { env },
            );
            assert.equal(exec.code, 0, exec.stderr);
            const results = JSON.parse(exec.stdout)[unit.name].results;
            const [route] = JSON.parse(results.stdout) as { prefsrc: string }[];
            assert.equal(route.prefsrc, unit.source);
            assert.notEqual(route.prefsrc, units[unit.name]["public-address"]);
        }
    });

    it("juju shim: an unknown unit fails and names it", async () => {
        const result = await runRaw(
            [`${SHIMS}/juju`, "exec", "--unit", "magnum/9", "--format=json", "--", "true"],
            { env },
        );
        assert.notEqual(result.code, 0);
        assert.match(result.stderr, /unit "magnum\/9" not found/);
    });

    it("the conductor check passes on the unit with a rule, fails on those without", async () => {
        const results = await conductors();
        assert.deepEqual(
            results.map((r) => [r.target, r.outcome, r.passed]),
            [
                ["magnum/0", "connected", true],
                ["magnum/1", "timeout", false],
                ["magnum/2", "timeout", false],
            ],
        );
        assert.equal(results[0].source, topology!.state.units[0].source);
    });

    it("the tenant check passes: the pod times out on 6443 and on 22", async () => {
        for (const port of [6443, 22]) {
            const result = await tenant(port);
            assert.equal(result.outcome, "timeout", result.detail);
            assert.equal(result.passed, true);
        }
    });

    it("the operator check gets /readyz = ok with its certificate; without one, 401", async () => {
        const kubeconfig = path.join(stateDir, "operator.kubeconfig");
        writeOperatorKubeconfig(kubeconfig, `https://${API}:6443`, pki);
        assert.equal(fs.statSync(kubeconfig).mode & 0o777, 0o600);
        const result = await checkOperatorReadyz({ kubeconfig, timeoutSeconds: PROBE_TIMEOUT_S });
        assert.equal(result.outcome, "ok", result.detail);
        assert.equal(await readyzWithoutCertificate(), 401);
    });

    it("a missing conductor rule fails the conductor check; restoring it passes", async () => {
        const source = `${topology!.state.units[0].source}/32`;
        await withRules(
            rules.filter((r) => r.remote_ip_prefix !== source),
            async () => {
                const [unit0] = await conductors();
                assert.equal(unit0.outcome, "timeout", unit0.detail);
                assert.equal(unit0.passed, false);
            },
        );
        const [unit0] = await conductors();
        assert.equal(unit0.passed, true, unit0.detail);
    });

    it("a wide rule lets the tenant in, and the tenant check fails", async () => {
        await withRules([...rules, rule("0.0.0.0/0", 6443)], async () => {
            const result = await tenant(6443);
            assert.equal(result.outcome, "connected", result.detail);
            assert.equal(result.passed, false);
        });
    });

    it("a group that cannot be read leaves the API namespace dropping everything", async () => {
        const failing = startFirewallSync({
            namespace: topology!.state.api.namespace,
            groupIds: [GROUP],
            listRules: async () => {
                throw new Error("Networking API unreachable");
            },
            intervalMs: 50,
            maxConsecutiveFailures: 2,
        });
        assert.match(await failing.stopped, /2 syncs in a row failed: Networking API unreachable/);
        try {
            const ruleset = await readRuleset(topology!.state.api.namespace);
            assert.equal((ruleset.match(/ accept comment /g) ?? []).length, 0);
            const [unit0] = await conductors();
            assert.equal(unit0.outcome, "timeout", unit0.detail);
        } finally {
            await sync!.syncNow();
        }
    });

    it("a crashed run's leftovers are removed; a live run's stand-ins are not", async () => {
        const dead = spawnSync("true").pid!;
        await runRaw(["ip", "netns", "add", `crh-${dead}-api`]);
        await runRaw([
            "ip",
            "link",
            "add",
            `crh${dead}op`,
            "type",
            "veth",
            "peer",
            "name",
            `crh${dead}x`,
        ]);
        const before = await listStandIns();
        assert.ok(before.includes(`crh-${dead}-api`) && before.includes(`crh${dead}op`));
        const removed = await removeLeftovers();
        assert.deepEqual(removed.sort(), [`crh${dead}op`, `crh-${dead}-api`].sort());
        assert.deepEqual(
            (await listStandIns()).sort(),
            before.filter((name) => !name.includes(String(dead))).sort(),
        );
    });

    it("cleanup removes every namespace, link and route it made", async () => {
        const mine = (names: string[]) => names.filter((n) => n.includes(String(process.pid)));
        assert.ok(mine(await listStandIns()).length > 0);
        await sync!.stop();
        await server!.stop();
        await topology!.destroy();
        assert.deepEqual(mine(await listStandIns()), []);
        const routes = await runRaw(["ip", "-j", "route", "show", `${API}/32`]);
        assert.deepEqual(JSON.parse(routes.stdout || "[]"), []);
        assert.equal(fs.existsSync(topology!.statePath), false);
        sync = undefined;
        server = undefined;
        topology = undefined;
    });
});
