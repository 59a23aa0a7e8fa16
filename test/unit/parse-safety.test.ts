// The parsers' safety checks, one test per way a broken check would let a wrong value through:
// unit names, status errors, machine status, and the tenant probe's error/timeout split.
import * as assert from "node:assert/strict";
import { parseRouteGet } from "../../components/juju/measure";
import { parseJujuExec3, parseJujuRun29, parseJujuStatus } from "../../components/juju/parse";
import { parseNcProbe, parseTcpProbe } from "../../components/verify/probe-output";

function status(units: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
    return JSON.stringify({
        machines: {
            "1": {
                "juju-status": { current: "started" },
                containers: { "1/lxd/2": { "juju-status": { current: "pending" } } },
            },
            "2": { "juju-status": { current: "down" } },
            "12": { "juju-status": { current: "started" } },
        },
        applications: { magnum: { units, ...extra } },
    });
}

const unit = (machine: string) => ({
    machine,
    "workload-status": { current: "active" },
    "juju-status": { current: "idle" },
    "public-address": "10.12.4.154",
});

describe("parsers: safety checks", () => {
    it("accepts only whole unit names of the application", () => {
        assert.deepEqual(
            parseJujuStatus(status({ "magnum/0": unit("1") }), "magnum").map((u) => u.unit),
            ["magnum/0"],
        );
        for (const name of [
            "magnum/0x",
            "magnum/a/1",
            "magnum/",
            "xmagnum/0",
            "magnum-x/0",
            "Magnum/0",
        ]) {
            assert.throws(
                () => parseJujuStatus(status({ [name]: unit("1") }), "magnum"),
                new RegExp(
                    `"${name.replace("/", "\\/")}" is not a unit name of application "magnum"`,
                ),
                name,
            );
        }
    });

    it("refuses an application-level status error", () => {
        assert.throws(
            () =>
                parseJujuStatus(
                    status({ "magnum/0": unit("1") }, { "status-error": "cannot read charm" }),
                    "magnum",
                ),
            /application "magnum" has a status error: cannot read charm/,
        );
    });

    it("reads each unit's machine status from its own machine or container", () => {
        const units = parseJujuStatus(
            status({ "magnum/0": unit("1/lxd/2"), "magnum/1": unit("2"), "magnum/2": unit("12") }),
            "magnum",
        );
        assert.deepEqual(
            units.map((u) => [u.unit, u.machine, u.machineStatus]),
            [
                ["magnum/0", "1/lxd/2", "pending"],
                ["magnum/1", "2", "down"],
                ["magnum/2", "12", "started"],
            ],
        );
        const missing = parseJujuStatus(status({ "magnum/0": unit("7/lxd/0") }), "magnum");
        assert.equal(missing[0].machineStatus, undefined);
    });

    it("a unit's status error overrides what the status says", () => {
        const [u] = parseJujuStatus(
            status({ "magnum/0": { ...unit("1"), "status-error": "agent lost" } }),
            "magnum",
        );
        assert.deepEqual(u.workload, { current: "unknown", message: "agent lost" });
        assert.deepEqual(u.agent, { current: "unknown", message: "agent lost" });
    });

    it("tells an nc error from a timeout: an error never counts as isolated", () => {
        const line = (rc: number, cs: number, err: string, state = "exited") =>
            `noise\ntcp-probe state=${state} rc=${rc} elapsed_cs=${cs} timeout_s=5 err=${err}\n`;
        assert.deepEqual(parseNcProbe(line(1, 3, "nc: bad address 'api'")), {
            outcome: "error",
            ms: 30,
            error: "nc: bad address 'api'",
        });
        assert.deepEqual(parseNcProbe(line(1, 10, "")), {
            outcome: "error",
            ms: 100,
            error: "nc exited 1 after 100 ms without a message",
        });
        assert.equal(parseNcProbe(line(127, 1, "", "missing")).outcome, "error");
        assert.equal(
            parseNcProbe(line(1, 449, "")).outcome,
            "error",
            "4490 ms of 5 s: not a timeout",
        );
        assert.equal(parseNcProbe(line(1, 450, "")).outcome, "timeout", "4500 ms of 5 s");
        assert.equal(parseNcProbe(line(1, 20, "nc: timed out")).outcome, "timeout");
        assert.equal(parseNcProbe(line(1, 20, "Connection refused")).outcome, "refused");
        assert.equal(parseNcProbe(line(0, 20, "")).outcome, "connected");
        assert.equal(parseNcProbe(line(137, 500, "")).outcome, "connected");
        assert.equal(parseNcProbe(line(127, 20, "")).outcome, "error");
    });

    it("keeps the unit probe's error outcome", () => {
        const probe = parseTcpProbe(
            '{"probe":"tcp","outcome":"error","ms":3,"error":"EHOSTUNREACH"}',
        );
        assert.deepEqual(probe, { outcome: "error", ms: 3, error: "EHOSTUNREACH" });
    });

    it("keys Juju 3 exec results only by whole unit names", () => {
        const exec = (key: string) =>
            JSON.stringify({ [key]: { status: "completed", results: { "return-code": 0 } } });
        for (const name of ["magnum/0", "magnum/12", "a/0", "magnum-conductor/3", "m2/7"]) {
            assert.deepEqual(
                parseJujuExec3(exec(name)).map((r) => r.unit),
                [name],
                name,
            );
        }
        for (const name of ["magnum/0x", "magnum/", "/0", "0magnum/0", "Magnum/0", "magnum/a/1"]) {
            assert.throws(
                () => parseJujuExec3(exec(name)),
                (err: Error) => err.message === `"${name}" is not a unit name`,
                name,
            );
        }
        assert.throws(
            () => parseJujuExec3(exec(" magnum/0")),
            (err: Error) => err.message === '" magnum/0" is not a unit name',
        );
    });

    it("takes a Juju 2.9 run entry's unit only from a whole unit name in UnitId", () => {
        const run = (unit: string) => JSON.stringify([{ UnitId: unit, Stdout: "ok" }]);
        for (const name of ["magnum/0", "magnum/12", "a/0"]) {
            assert.equal(parseJujuRun29(run(name))[0].unit, name);
        }
        for (const name of ["magnum/0x", "magnum", "", "Magnum/0", "0/0"]) {
            assert.throws(
                () => parseJujuRun29(run(name)),
                (err: Error) =>
                    err.message === `entry 0 has no unit name in UnitId (${JSON.stringify(name)})`,
                name,
            );
        }
        const second = JSON.stringify([
            { UnitId: "magnum/0", Stdout: "" },
            { UnitId: "magnum/1x", Stdout: "" },
        ]);
        assert.throws(
            () => parseJujuRun29(second),
            (err: Error) => err.message === 'entry 1 has no unit name in UnitId ("magnum/1x")',
        );
    });

    it("reads a source only from a unicast route, with or without its type", () => {
        const route = (type?: string) =>
            JSON.stringify([
                {
                    ...(type === undefined ? {} : { type }),
                    dst: "10.12.7.222",
                    dev: "eth0",
                    prefsrc: "10.12.4.154",
                },
            ]);
        assert.equal(parseRouteGet(route(), "10.12.7.222").source, "10.12.4.154");
        assert.equal(parseRouteGet(route("unicast"), "10.12.7.222").source, "10.12.4.154");
        for (const type of ["blackhole", "prohibit", "unreachable", "throw", "broadcast", ""]) {
            assert.throws(
                () => parseRouteGet(route(type), "10.12.7.222"),
                (err: Error) =>
                    err.message === `the route to 10.12.7.222 is of type ${JSON.stringify(type)}`,
                type,
            );
        }
        assert.throws(
            () => parseRouteGet(route("local")),
            (err: Error) =>
                err.message ===
                "the API address 10.12.7.222 is local to this unit (a local route with prefsrc " +
                    "10.12.4.154): a conductor does not reach the API from its own address; " +
                    "is the kubeconfig's server (or api.address) the unit's own address?",
        );
        const bad = (fields: Record<string, unknown>) =>
            JSON.stringify([{ dst: "10.12.7.222", prefsrc: "10.12.4.154", ...fields }]);
        assert.throws(
            () => parseRouteGet(bad({ dst: "10.12.7.0/24" }), "10.12.7.222"),
            /^Error: dst "10\.12\.7\.0\/24" is not a host address/,
        );
        assert.throws(
            () => parseRouteGet(bad({ dst: "10.12.7.0/24" })),
            /^Error: dst "10\.12\.7\.0\/24" is not a host address/,
        );
        assert.throws(() => parseRouteGet(bad({ dev: 3 })), /dev/);
    });
});
