// The probe programs on their own, as the units, pods and local.Command run them: each read from
// its file and fed on standard input, against listeners on loopback made here.
import * as assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import {
    parseCustomVerdict,
    parseNcProbe,
    parseTcpProbe,
} from "../../components/verify/probe-output";
import { readProbe } from "../../components/verify/result";

const PROBES = path.resolve(__dirname, "../../components/verify/probes");
const SENTINEL = "s3cr3t-sentinel-probe-output-7f3a";

function has(command: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

/** A listener on loopback and a port that was free a moment ago (nothing listens there). */
async function ports(): Promise<{ open: number; closed: number; close: () => void }> {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const spare = net.createServer();
    await new Promise<void>((resolve) => spare.listen(0, "127.0.0.1", resolve));
    const closed = (spare.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    return {
        open: (server.address() as net.AddressInfo).port,
        closed,
        close: () => server.close(),
    };
}

function runWithInput(file: string, args: string[], input: string, env = process.env) {
    return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
        const child = spawn(file, args, { env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ stdout, stderr, code }));
        child.stdin.end(input);
    });
}

describe("probes/conductor_probe.py", function () {
    this.timeout(20000);
    let p: Awaited<ReturnType<typeof ports>>;
    before(async () => (p = await ports()));
    after(() => p.close());

    it("compiles", () => {
        execFileSync("python3", ["-m", "py_compile", path.join(PROBES, "conductor_probe.py")], {
            env: { ...process.env, PYTHONPYCACHEPREFIX: path.join(__dirname, "../../.cache/py") },
        });
    });

    it("reports a connection with its real source, and a refusal", async () => {
        const program = readProbe("conductor_probe.py");
        const ok = await runWithInput("python3", ["-", "127.0.0.1", String(p.open), "2"], program);
        assert.deepEqual(
            { ...parseTcpProbe(ok.stdout), ms: 0 },
            { outcome: "connected", source: "127.0.0.1", ms: 0 },
        );
        const refused = await runWithInput(
            "python3",
            ["-", "127.0.0.1", String(p.closed), "2"],
            program,
        );
        assert.equal(parseTcpProbe(refused.stdout).outcome, "refused");
    });

    it("answers a wrong call with a probe error line, not a traceback", async () => {
        const run = await runWithInput(
            "python3",
            ["-", "127.0.0.1"],
            readProbe("conductor_probe.py"),
        );
        const probe = parseTcpProbe(run.stdout);
        assert.equal(probe.outcome, "error");
        assert.match(probe.error ?? "", /usage: conductor_probe ADDRESS PORT TIMEOUT_SECONDS/);
    });
});

describe("probes/tenant-probe.sh", function () {
    this.timeout(20000);
    let p: Awaited<ReturnType<typeof ports>>;
    before(async () => (p = await ports()));
    after(() => p.close());

    it("passes shellcheck as POSIX sh", function () {
        if (!has("shellcheck")) {
            this.skip();
        }
        execFileSync("shellcheck", ["-s", "sh", path.join(PROBES, "tenant-probe.sh")]);
    });

    it("reports a connection and a refusal under busybox sh, read from stdin", async function () {
        if (!has("busybox")) {
            this.skip();
        }
        const script = readProbe("tenant-probe.sh");
        const ok = await runWithInput(
            "busybox",
            ["sh", "-s", "--", "127.0.0.1", String(p.open), "2"],
            script,
        );
        assert.equal(parseNcProbe(ok.stdout).outcome, "connected", ok.stdout);
        const refused = await runWithInput(
            "busybox",
            ["sh", "-s", "--", "127.0.0.1", String(p.closed), "2"],
            script,
        );
        assert.equal(parseNcProbe(refused.stdout).outcome, "refused", refused.stdout);
    });
});

describe("probes/custom-check-runner.js", function () {
    this.timeout(20000);
    const run = (spec: object, env: Record<string, string> = {}) =>
        runWithInput(process.execPath, ["-"], readProbe("custom-check-runner.js"), {
            ...process.env,
            ...env,
            CAPI_CHECK_SPEC: JSON.stringify(spec),
        });

    it("judges a check read from stdin and keeps its output out of both streams", async () => {
        const failed = await run({
            name: "leaky",
            command: `echo "token ${SENTINEL}"; echo "${SENTINEL}" >&2; exit 4`,
            expect: { exitCode: 0 },
            timeoutSeconds: 10,
        });
        assert.equal(failed.code, 1);
        const verdict = parseCustomVerdict(failed.stdout);
        assert.deepEqual(
            { ...verdict, ms: 0 },
            {
                name: "leaky",
                passed: false,
                exitCode: 4,
                ms: 0,
                detail: "expected exit status 0, got 4",
            },
        );
        assert.equal(failed.stderr, "custom check leaky failed: expected exit status 0, got 4\n");
        assert.ok(!`${failed.stdout}${failed.stderr}`.includes(SENTINEL));
    });

    it("hands the check its env but not its own spec", async () => {
        const ok = await run(
            {
                name: "env",
                command:
                    'test "$CHECK_TOKEN" = "${CHECK_TOKEN_WANTED}" && test -z "$CAPI_CHECK_SPEC"',
                expect: { exitCode: 0 },
                timeoutSeconds: 10,
            },
            { CHECK_TOKEN: `${SENTINEL}-env`, CHECK_TOKEN_WANTED: `${SENTINEL}-env` },
        );
        assert.equal(parseCustomVerdict(ok.stdout).passed, true, ok.stdout);
        assert.equal(ok.code, 0);
    });
});
