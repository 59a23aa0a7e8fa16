// The differential check's TCP probe on a loaded machine: a probe process that runs late still
// sees a connection made in time, and a timeout that disagrees with the model is probed again
// before it counts. Traffic goes to loopback only.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { PortExposure } from "../../components/model/exposure";
import { confirmTimeouts, PROBE } from "../../tools/rehearsal/differential";

// Loaded before the probe: every setTimeout is followed by LATE_MS of busy CPU, so the probe's
// timer has expired before its process first polls, as when a loaded machine runs it late.
const LATE = [
    "const original = global.setTimeout;",
    "global.setTimeout = function (...args) {",
    "  const timer = original.apply(this, args);",
    "  const until = Date.now() + Number(process.env.LATE_MS);",
    "  while (Date.now() < until) {}",
    "  return timer;",
    "};",
].join("\n");

function probeLate(port: number, ms: number, lateMs: number): Promise<unknown> {
    const late = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "probe-late-")), "late.js");
    fs.writeFileSync(late, LATE);
    const args = ["-r", late, "-e", PROBE, "127.0.0.1", String(port), String(ms), "127.0.0.1"];
    return new Promise((resolve, reject) =>
        execFile(
            process.execPath,
            args,
            { env: { ...process.env, LATE_MS: String(lateMs) } },
            (err, stdout) => {
                fs.rmSync(path.dirname(late), { recursive: true, force: true });
                return err ? reject(err) : resolve(JSON.parse(stdout));
            },
        ),
    );
}

describe("rehearsal: the differential probe", () => {
    let server: net.Server;
    let port: number;

    before(async () => {
        server = net.createServer((socket) => socket.destroy());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as net.AddressInfo).port;
    });

    after(() => new Promise((resolve) => server.close(resolve)));

    it("calls a connection made before the deadline connected, however late its process runs", async () => {
        assert.deepEqual(await probeLate(port, 50, 400), [
            { source: "127.0.0.1", outcome: "connected" },
        ]);
    });

    it("reports a refused port as the error it is", async () => {
        const closed = net.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const free = (closed.address() as net.AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve));
        assert.deepEqual(await probeLate(free, 50, 0), [
            { source: "127.0.0.1", outcome: "error ECONNREFUSED" },
        ]);
    });
});

describe("rehearsal: a timeout that disagrees is probed again", () => {
    // 198.51.100.0/25 is inside the exposure, everything else outside.
    const exposure: PortExposure = {
        port: 6443,
        ethertype: "IPv4",
        parts: [{ cidr: "198.51.100.0/25", admittedBy: [] }],
    };
    const INSIDE = "198.51.100.1";
    const INSIDE_DROPPED = "198.51.100.2";
    const OUTSIDE = "198.51.100.200";

    it("probes only the timeouts inside the exposure again, with twice the timeout, and keeps that outcome", async () => {
        const asked: [string[], number][] = [];
        // INSIDE answers late the first time, INSIDE_DROPPED never, OUTSIDE never.
        const probe = async (sources: string[], ms: number) => {
            asked.push([sources, ms]);
            return sources.map((source) => ({
                source,
                outcome:
                    source === INSIDE && asked.length > 1
                        ? ("connected" as const)
                        : ("timeout" as const),
            }));
        };
        const outcomes = await confirmTimeouts(
            exposure,
            1500,
            probe,
        )([INSIDE, INSIDE_DROPPED, OUTSIDE]);
        assert.deepEqual(asked, [
            [[INSIDE, INSIDE_DROPPED, OUTSIDE], 1500],
            [[INSIDE, INSIDE_DROPPED], 3000],
        ]);
        assert.deepEqual(outcomes, [
            { source: INSIDE, outcome: "connected" },
            { source: INSIDE_DROPPED, outcome: "timeout" },
            { source: OUTSIDE, outcome: "timeout" },
        ]);
    });

    it("probes once when every outcome agrees or is not a timeout", async () => {
        let calls = 0;
        const probe = async (sources: string[]) => {
            calls++;
            return sources.map((source) => ({
                source,
                outcome:
                    source === INSIDE ? ("connected" as const) : ("error EHOSTUNREACH" as const),
            }));
        };
        const outcomes = await confirmTimeouts(exposure, 1500, probe)([INSIDE, INSIDE_DROPPED]);
        assert.equal(calls, 1);
        assert.deepEqual(
            outcomes.map((o) => o.outcome),
            ["connected", "error EHOSTUNREACH"],
        );
    });
});
