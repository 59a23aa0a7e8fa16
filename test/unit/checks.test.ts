import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    admittingEntry,
    conductorProbeCommand,
    judgeConductor,
} from "../../components/verify/conductor";
import { checkCustom } from "../../components/verify/custom";
import { describeRequestError } from "../../components/verify/operator";
import { tenantKubectlArgs, TenantCheck, tenantProbeArgs } from "../../components/verify/tenant";
import { api, entry, allowSet, unitRun, probeLine } from "../support/verify-fixtures";

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
        assert.match(
            unmatched.detail,
            /expected stdout to match expect\.stdoutMatches; it did not/,
        );
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
