import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    parseCustomVerdict,
    parseNcProbe,
    parseReadyz,
    parseTcpProbe,
} from "../../components/verify/probe-output";

const fixture = (name: string) =>
    fs.readFileSync(path.join(__dirname, "..", "fixtures", "probes", name), "utf8");

describe("parseTcpProbe (the unit probe's JSON line)", () => {
    it("reads a connection and its measured source", () => {
        assert.deepEqual(parseTcpProbe(fixture("python-connected.out")), {
            outcome: "connected",
            source: "127.0.0.1",
            ms: 2,
        });
    });

    it("reads refused, timeout and error outcomes", () => {
        assert.equal(parseTcpProbe(fixture("python-refused.out")).outcome, "refused");
        const timeout = parseTcpProbe(fixture("python-timeout.out"));
        assert.equal(timeout.outcome, "timeout");
        assert.ok(timeout.ms >= 2000, `a timeout lasts the timeout, got ${timeout.ms} ms`);
        assert.deepEqual(parseTcpProbe(fixture("python-unreachable.out")), {
            outcome: "error",
            ms: 3,
            error: "[Errno 113] No route to host",
        });
    });

    it("reports a unit without python3 as an error, not as a pass", () => {
        const probe = parseTcpProbe(fixture("python-missing.out"));
        assert.equal(probe.outcome, "error");
        assert.match(probe.error ?? "", /python3 is not installed/);
    });

    it("turns an IPv4-mapped source into the IPv4 address", () => {
        assert.equal(parseTcpProbe(fixture("python-mapped-ipv6.out")).source, "10.12.4.154");
    });

    it("ignores lines around the probe line", () => {
        const noisy = `Welcome to Ubuntu\n${fixture("python-connected.out")}\nlogout\n`;
        assert.equal(parseTcpProbe(noisy).source, "127.0.0.1");
    });

    it("rejects two probe lines, a truncated line, a connection without source and no line", () => {
        assert.throws(() => parseTcpProbe(fixture("python-two-lines.out")), /exactly one.*found 2/);
        assert.throws(() => parseTcpProbe(fixture("python-truncated.out")), /not JSON/);
        assert.throws(
            () => parseTcpProbe(fixture("python-connected-no-source.out")),
            /expected fields.*source/,
        );
        assert.throws(() => parseTcpProbe(""), /found 0 in empty output/);
        assert.throws(
            () => parseTcpProbe("bash: python3: command not found\n"),
            /found 0 in output "bash: python3/,
        );
    });
});

describe("parseNcProbe (the pod probe's tcp-probe line)", () => {
    it("reads busybox nc's recorded outcomes", () => {
        assert.equal(parseNcProbe(fixture("nc-busybox-connected.out")).outcome, "connected");
        assert.equal(parseNcProbe(fixture("nc-busybox-held.out")).outcome, "connected");
        assert.deepEqual(parseNcProbe(fixture("nc-busybox-refused.out")), {
            outcome: "refused",
            ms: 0,
            error: "nc: can't connect to remote host (127.0.0.1): Connection refused",
        });
        assert.deepEqual(parseNcProbe(fixture("nc-busybox-timeout.out")), {
            outcome: "timeout",
            ms: 2000,
            error: "nc: timed out",
        });
    });

    it("counts a silent failure as a timeout only when it lasted the timeout", () => {
        assert.equal(parseNcProbe(fixture("nc-silent-timeout.out")).outcome, "timeout");
        const fast = parseNcProbe(fixture("nc-silent-fast-failure.out"));
        assert.equal(fast.outcome, "error");
        assert.match(fast.error ?? "", /exited 1 after 20 ms/);
    });

    it("reports a missing nc and a bad address as errors", () => {
        assert.deepEqual(parseNcProbe(fixture("nc-missing.out")), {
            outcome: "error",
            ms: 0,
            error: "neither nc nor busybox is in the pod",
        });
        assert.equal(parseNcProbe(fixture("nc-bad-address.out")).outcome, "error");
    });

    it("reads the line among kubectl's own output", () => {
        assert.equal(parseNcProbe(fixture("nc-kubectl-run-noise.out")).outcome, "timeout");
    });

    it("rejects a missing or malformed line", () => {
        assert.throws(() => parseNcProbe('error: pod "x" not found\n'), /found 0/);
        assert.throws(
            () => parseNcProbe("tcp-probe state=exited rc=x elapsed_cs=1 timeout_s=5 err=\n"),
            /expected fields/,
        );
    });
});

describe("parseReadyz", () => {
    it("is ready only on 200 with the body ok", () => {
        assert.deepEqual(parseReadyz(200, fixture("readyz-ok.txt")), { ready: true, failing: [] });
        assert.equal(parseReadyz(200, "ok\n").ready, true);
        assert.equal(parseReadyz(500, "ok").ready, false);
        assert.equal(parseReadyz(200, "okay").ready, false);
    });

    it("lists the failing checks of a [-] body", () => {
        assert.deepEqual(parseReadyz(500, fixture("readyz-etcd-failed.txt")), {
            ready: false,
            failing: ["etcd failed: reason withheld"],
        });
    });

    it("finds no failing checks in a Status body", () => {
        assert.deepEqual(parseReadyz(403, fixture("readyz-forbidden.json")), {
            ready: false,
            failing: [],
        });
    });
});

describe("parseCustomVerdict", () => {
    it("reads the last verdict line after the command's own output", () => {
        const out =
            'resizing\n{"customCheck":"resize","passed":false,"exitCode":3,"ms":10,"detail":"first"}\n' +
            '{"customCheck":"resize","passed":true,"exitCode":0,"ms":12,"detail":"ok"}\n';
        assert.deepEqual(parseCustomVerdict(out), {
            name: "resize",
            passed: true,
            exitCode: 0,
            ms: 12,
            detail: "ok",
        });
    });

    it("rejects output without a verdict or with a malformed one", () => {
        assert.throws(() => parseCustomVerdict("done\n"), /expected a \{"customCheck"/);
        assert.throws(
            () => parseCustomVerdict('{"customCheck":"x","passed":"yes"}\n'),
            /expected fields/,
        );
    });
});
