import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { AllowEntry } from "../../components/model/allowset";
import {
    assertPassed,
    CheckResult,
    compactResults,
    formatResults,
    verifyPlan,
} from "../../components/verify/checks";
import {
    admittingEntry,
    conductorProbeCommand,
    judgeConductor,
} from "../../components/verify/conductor";
import { checkCustom } from "../../components/verify/custom";
import { describeRequestError } from "../../components/verify/operator";
import { tenantKubectlArgs, TenantCheck, tenantProbeArgs } from "../../components/verify/tenant";
import {
    checkInputs,
    checkSignature,
    operatorReadyzProvider,
} from "../../components/verify/resources";
import type { VerifySettings } from "../../components/config/schema";
import type { JujuTarget, UnitRun } from "../../components/juju/units";
import type { Plan } from "../../components/plan/plan";
import { groupResults } from "../../tools/verify";

const api = { address: "10.12.7.222", port: 6443 };

const entry = (role: AllowEntry["role"], cidr: string, port = 6443): AllowEntry => ({
    role,
    ethertype: cidr.includes(":") ? "IPv6" : "IPv4",
    protocol: "tcp",
    port,
    remoteIpPrefix: cidr,
    provenance: ["test"],
});

const allowSet = [
    entry("conductor", "10.12.4.154/32"),
    entry("operator", "10.12.4.1/32"),
    entry("operator", "10.12.4.1/32", 22),
    entry("hairpin", "10.20.0.0/24"),
];

const unitRun = (stdout: string, extra: Partial<UnitRun> = {}): UnitRun => ({
    unit: "magnum/0",
    ok: true,
    returnCode: 0,
    stdout,
    stderr: "",
    timedOut: false,
    ms: 40,
    commandLine: "juju exec ...",
    ...extra,
});

const probeLine = (fields: Record<string, unknown>) => JSON.stringify({ probe: "tcp", ...fields });

describe("conductor handshake judgement", () => {
    it("passes a connection whose source an allow entry for the API port contains", () => {
        const result = judgeConductor(
            unitRun(probeLine({ outcome: "connected", source: "10.12.4.154", ms: 7 })),
            api,
            allowSet,
        );
        assert.equal(result.passed, true);
        assert.equal(result.source, "10.12.4.154");
        assert.equal(result.ms, 7);
        assert.match(result.detail, /conductor 10\.12\.4\.154\/32/);
    });

    it("fails a connection from a source outside the allow-set: something else admits it", () => {
        const result = judgeConductor(
            unitRun(probeLine({ outcome: "connected", source: "10.12.4.200", ms: 7 })),
            api,
            allowSet,
        );
        assert.equal(result.passed, false);
        assert.equal(result.outcome, "connected");
        assert.match(result.detail, /magnum\/0.*10\.12\.4\.200.*no allow entry for tcp\/6443/);
    });

    it("does not count an entry for another port", () => {
        assert.equal(
            admittingEntry("10.12.4.1", 6443, [entry("operator", "10.12.4.1/32", 22)]),
            undefined,
        );
        assert.equal(admittingEntry("10.20.0.9", 6443, allowSet)?.role, "hairpin");
    });

    it("fails refused and timeout, naming the unit, the probe and what was expected", () => {
        for (const outcome of ["refused", "timeout"]) {
            const result = judgeConductor(unitRun(probeLine({ outcome, ms: 5000 })), api, allowSet);
            assert.equal(result.passed, false);
            assert.equal(result.outcome, outcome);
            assert.match(
                result.detail,
                new RegExp(
                    `tcp probe to 10\\.12\\.7\\.222:6443 through juju on magnum/0: expected a connection from an allowed source, got ${outcome}`,
                ),
            );
        }
    });

    it("reports a unit without an answer as an error with juju's problem", () => {
        const result = judgeConductor(
            unitRun("", {
                ok: false,
                returnCode: null,
                timedOut: true,
                problem: "no answer in time; the juju process group was killed",
            }),
            api,
            allowSet,
        );
        assert.equal(result.passed, false);
        assert.equal(result.outcome, "error");
        assert.match(
            result.detail,
            /magnum\/0 got no answer in time; no answer in time; the juju process group was killed; expected one \{"probe":"tcp"\} line/,
        );
    });

    it("sends the probe file to python3's stdin, address, port and timeout as arguments", () => {
        const cmd = conductorProbeCommand({ address: "::ffff:10.12.7.222", port: 6443 }, 5);
        const match =
            /echo ([A-Za-z0-9+/=]+) \| base64 -d \| python3 - 10\.12\.7\.222 6443 5; else/.exec(
                cmd,
            );
        assert.ok(match, cmd);
        const shipped = fs.readFileSync(
            path.join(__dirname, "../../components/verify/probes/conductor_probe.py"),
            "utf8",
        );
        assert.equal(Buffer.from(match[1], "base64").toString("utf8"), shipped);
        assert.throws(() => conductorProbeCommand({ address: "10.0.0.1; rm -rf /", port: 1 }, 5));
    });
});

describe("tenant isolation invocation", () => {
    const tenant: TenantCheck = {
        kubeconfig: "/etc/tenant.yaml",
        namespace: "probe",
        kubectl: "kubectl",
        timeoutSeconds: 5,
        context: "beta",
    };

    it("execs into a named pod", () => {
        const args = tenantKubectlArgs({ ...tenant, pod: "tools-0" }, ["a", "1", "2"], "unused");
        assert.deepEqual(args, [
            "--kubeconfig",
            "/etc/tenant.yaml",
            "--context",
            "beta",
            "--namespace",
            "probe",
            "exec",
            "tools-0",
            "-i",
            "--",
            "sh",
            "-s",
            "--",
            "a",
            "1",
            "2",
        ]);
    });

    it("runs a short-lived pod that kubectl removes", () => {
        const args = tenantKubectlArgs({ ...tenant, image: "busybox:1.36" }, ["a", "1"], "p-1");
        assert.deepEqual(args.slice(6, 10), ["run", "p-1", "--rm", "-i"]);
        assert.ok(args.includes("--image=busybox:1.36"));
        assert.deepEqual(args.slice(-6), ["--", "sh", "-s", "--", "a", "1"]);
    });

    it("probes the canonical address with a whole-second timeout", () => {
        assert.deepEqual(tenantProbeArgs({ address: "::ffff:10.12.7.222", port: 6443 }, 2.5), [
            "10.12.7.222",
            "6443",
            "3",
        ]);
    });
});

describe("request errors", () => {
    const classify = (code: string) =>
        describeRequestError(Object.assign(new Error("x"), { code }), 10);

    it("names which side of TLS failed", () => {
        assert.equal(classify("UNABLE_TO_VERIFY_LEAF_SIGNATURE").outcome, "tls-unknown-ca");
        assert.equal(classify("SELF_SIGNED_CERT_IN_CHAIN").outcome, "tls-unknown-ca");
        assert.equal(classify("CERT_HAS_EXPIRED").outcome, "tls-server-cert-expired");
        const alert = classify("ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED");
        assert.equal(alert.outcome, "tls-client-cert-rejected");
        assert.match(alert.detail, /alert certificate expired/);
    });

    it("tells refused from timeout from anything else", () => {
        assert.equal(classify("ECONNREFUSED").outcome, "refused");
        assert.equal(classify("CHECK_TIMEOUT").detail, "no answer within 10 s");
        assert.deepEqual(classify("EHOSTUNREACH"), { outcome: "error", detail: "EHOSTUNREACH: x" });
    });
});

describe("custom checks (the runner)", () => {
    it("passes on the expected exit status and fails on another", async () => {
        const ok = await checkCustom({
            name: "true",
            command: "exit 0",
            expect: { exitCode: 0 },
            timeoutSeconds: 10,
        });
        assert.equal(ok.passed, true);
        assert.equal(ok.outcome, "pass");
        const bad = await checkCustom({
            name: "three",
            command: "echo doing; exit 3",
            expect: { exitCode: 0 },
            timeoutSeconds: 10,
        });
        assert.equal(bad.passed, false);
        assert.equal(bad.outcome, "exit-3");
        assert.equal(bad.detail, "expected exit status 0, got 3");
    });

    it("matches stdout against the pattern, line by line", async () => {
        const matched = await checkCustom({
            name: "resize",
            command:
                "printf 'status: UPDATE_IN_PROGRESS\\nstatus: UPDATE_COMPLETE\\nhealth: HEALTHY\\n'",
            expect: { stdoutMatches: "^status: UPDATE_COMPLETE$" },
            timeoutSeconds: 10,
        });
        assert.equal(matched.passed, true, matched.detail);
        const unmatched = await checkCustom({
            name: "resize",
            command: "echo 'status: UPDATE_FAILED'",
            expect: { exitCode: 0, stdoutMatches: "UPDATE_COMPLETE" },
            timeoutSeconds: 10,
        });
        assert.equal(unmatched.passed, false);
        assert.match(unmatched.detail, /expected stdout to match \/UPDATE_COMPLETE\//);
    });

    it("kills a command that outlives its timeout, children included", async () => {
        const marker = `${31 + (process.pid % 1000) / 1000}`;
        const result = await checkCustom({
            name: "slow",
            command: `sleep ${marker} & sleep ${marker}`,
            expect: { exitCode: 0 },
            timeoutSeconds: 0.5,
        });
        assert.equal(result.passed, false);
        assert.equal(result.outcome, "killed");
        assert.match(result.detail, /finish within 0\.5 s/);
        const left = fs
            .readdirSync("/proc")
            .filter((pid) => /^\d+$/.test(pid))
            .filter((pid) => {
                try {
                    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") === `sleep\0${marker}\0`;
                } catch {
                    return false;
                }
            });
        assert.deepEqual(left, [], "a sleep outlived the custom check");
    });
});

describe("reporting", () => {
    const results: CheckResult[] = [
        {
            check: "conductor",
            target: "magnum/0",
            source: "10.12.4.154",
            outcome: "connected",
            passed: true,
            ms: 12,
            detail: "admitted by conductor 10.12.4.154/32",
        },
        {
            check: "tenant",
            target: "image busybox",
            outcome: "refused",
            passed: false,
            ms: 30,
            detail: "isolation failure",
        },
    ];

    it("prints a table and compact lines", () => {
        const table = formatResults(results).split("\n");
        assert.equal(table.length, 3);
        assert.match(table[0], /^CHECK\s+TARGET\s+SOURCE\s+OUTCOME\s+MS\s+RESULT\s+DETAIL$/);
        assert.match(
            table[2],
            /^tenant\s+image busybox\s+-\s+refused\s+30\s+FAIL\s+isolation failure$/,
        );
        assert.deepEqual(compactResults(results), [
            "pass conductor magnum/0 from 10.12.4.154: connected (12 ms)",
            "FAIL tenant image busybox: refused (30 ms)",
        ]);
    });

    it("throws the table when anything failed", () => {
        assert.throws(() => assertPassed("checks", results), /checks: 1 of 2 checks failed\nCHECK/);
        assert.doesNotThrow(() => assertPassed("checks", results.slice(0, 1)));
    });
});

describe("verify plan", () => {
    const verify: VerifySettings = {
        mode: "onChange",
        conductors: { enabled: true, timeoutSeconds: 5 },
        operator: { kubeconfig: "~/.kube/mgmt.yaml", timeoutSeconds: 10 },
        custom: [],
    };
    const juju: JujuTarget = {
        model: "openstack",
        application: "magnum",
        timeoutSeconds: 30,
        concurrency: 16,
        env: { OS_PASSWORD: "secret" },
    };

    it("runs the conductor check on the units, without the Juju environment", () => {
        const plan = verifyPlan(verify, {
            api,
            allowSet,
            conductors: { juju, units: ["magnum/0"] },
        });
        assert.deepEqual(plan.conductors?.units, ["magnum/0"]);
        assert.equal(plan.conductors?.timeoutSeconds, 5);
        assert.ok(!JSON.stringify(plan).includes("secret"));
    });

    it("leaves out what is not configured or disabled", () => {
        const plan = verifyPlan(
            { ...verify, conductors: { enabled: false, timeoutSeconds: 5 } },
            { api, allowSet, conductors: { juju, units: ["magnum/0"] } },
        );
        assert.equal(plan.conductors, undefined);
        assert.equal(plan.tenant, undefined);
        assert.equal(plan.operator?.kubeconfig, "~/.kube/mgmt.yaml");
    });
});

describe("check providers: when they run", () => {
    const inputs = {
        mode: "onChange" as const,
        api,
        allowSet,
        retired: ["r-1", "r-2"],
        settings: { kubeconfig: "/k", timeoutSeconds: 10 },
    };
    const diff = (olds: object, news: object) =>
        operatorReadyzProvider.diff!("id", olds, news) as Promise<{ changes: boolean }>;

    it("does not run again when nothing it depends on changed, in any order", async () => {
        const reordered = { ...inputs, allowSet: [...allowSet].reverse(), retired: ["r-2", "r-1"] };
        assert.equal((await diff({ ...inputs, results: [] }, reordered)).changes, false);
    });

    it("runs again when the allow-set, the retire set or its settings change", async () => {
        const olds = { ...inputs, results: [] };
        assert.equal((await diff(olds, { ...inputs, allowSet: allowSet.slice(1) })).changes, true);
        assert.equal((await diff(olds, { ...inputs, retired: ["r-1"] })).changes, true);
        assert.equal(
            (await diff(olds, { ...inputs, settings: { kubeconfig: "/k", timeoutSeconds: 11 } }))
                .changes,
            true,
        );
    });

    it("runs on every update with mode always", async () => {
        assert.equal(
            (await diff({ ...inputs, results: [] }, { ...inputs, mode: "always" })).changes,
            true,
        );
    });

    it("signs the allow-set by what admits traffic, not by provenance", () => {
        const renamed = allowSet.map((e) => ({ ...e, provenance: ["elsewhere"] }));
        assert.equal(checkSignature({ ...inputs, allowSet: renamed }), checkSignature(inputs));
    });

    it("rejects inputs that are not what the program declares", () => {
        assert.throws(() => checkInputs({ ...inputs, mode: "never" }), /check inputs.*mode/s);
    });
});

describe("npm run verify: the group's own rows", () => {
    it("fails allow entries the group lacks and wide rules it still holds", () => {
        const plan = {
            groupId: "sg-1",
            allowSet,
            adoptions: new Map(allowSet.slice(1).map((e, i) => [e, { id: `rule-${i}` }])),
            retireTargets: [{ id: "wide-1", admits: "0.0.0.0/0 on 6443/tcp" }],
        } as unknown as Plan;
        const rows = groupResults(plan);
        assert.deepEqual(
            rows.map((r) => [r.target, r.outcome, r.passed]),
            [
                ["conductor tcp/6443 10.12.4.154/32", "missing", false],
                ["wide-1", "wide", false],
            ],
        );
        assert.match(rows[0].detail, /not in group sg-1; expected it there: run pulumi up/);
    });

    it("adds nothing when the group holds exactly the allow-set", () => {
        const plan = {
            groupId: "sg-1",
            allowSet,
            adoptions: new Map(allowSet.map((e, i) => [e, { id: `rule-${i}` }])),
            retireTargets: [],
        } as unknown as Plan;
        assert.deepEqual(groupResults(plan), []);
    });
});
