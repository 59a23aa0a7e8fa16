import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseKubeconfigServers, parseRouteGet } from "../../components/juju/measure";
import {
    parseJujuExec3,
    parseJujuRun29,
    parseJujuStatus,
    parseJujuVersion,
} from "../../components/juju/parse";

const SCENARIOS = path.join(__dirname, "..", "..", "tools", "fakes", "juju", "scenarios");
const fixture = (...parts: string[]) => fs.readFileSync(path.join(SCENARIOS, ...parts), "utf8");

describe("parse: juju status", () => {
    it("reads a Juju 3 deployment of three units in LXD containers", () => {
        const units = parseJujuStatus(fixture("juju3-lxd", "status.json"), "magnum");
        assert.deepStrictEqual(
            units.map((u) => [u.unit, u.machine, u.machineStatus, u.publicAddress, u.leader]),
            [
                ["magnum/0", "0/lxd/7", "started", "10.12.0.41", true],
                ["magnum/1", "1/lxd/8", "started", "10.12.0.42", false],
                ["magnum/2", "2/lxd/9", "started", "10.12.0.43", false],
            ],
        );
        assert.deepStrictEqual(units[0].workload, { current: "active", message: "Unit is ready" });
        assert.deepStrictEqual(units[0].agent, { current: "idle", message: undefined });
        assert.deepStrictEqual(units[0].subordinates, [
            "magnum-hacluster/0",
            "magnum-mysql-router/0",
        ]);
    });

    it("reads the same deployment from Juju 2.9", () => {
        const units = parseJujuStatus(fixture("juju29-lxd", "status.json"), "magnum");
        assert.deepStrictEqual(
            units.map((u) => [u.unit, u.machine, u.publicAddress]),
            [
                ["magnum/0", "0/lxd/7", "10.12.0.41"],
                ["magnum/1", "1/lxd/8", "10.12.0.42"],
                ["magnum/2", "2/lxd/9", "10.12.0.43"],
            ],
        );
    });

    it("reports units in error, lost agents and down containers", () => {
        const units = parseJujuStatus(fixture("faults", "status.json"), "magnum");
        const byName = new Map(units.map((u) => [u.unit, u]));
        assert.deepStrictEqual(byName.get("magnum/1")?.workload, {
            current: "error",
            message: 'hook failed: "config-changed"',
        });
        assert.strictEqual(byName.get("magnum/3")?.agent.current, "lost");
        assert.strictEqual(byName.get("magnum/3")?.machineStatus, "down");
    });

    it("orders units by number, not as text", () => {
        const units: Record<string, object> = {};
        for (const n of [10, 2, 1]) {
            units[`magnum/${n}`] = { machine: String(n) };
        }
        const json = JSON.stringify({ applications: { magnum: { units } } });
        assert.deepStrictEqual(
            parseJujuStatus(json, "magnum").map((u) => u.unit),
            ["magnum/1", "magnum/2", "magnum/10"],
        );
    });

    it("keeps a unit whose status is an error in place of its fields", () => {
        const json = JSON.stringify({
            applications: { magnum: { units: { "magnum/0": { "status-error": "cannot get" } } } },
        });
        const [unit] = parseJujuStatus(json, "magnum");
        assert.deepStrictEqual(unit.workload, { current: "unknown", message: "cannot get" });
        assert.strictEqual(unit.machine, undefined);
    });

    it("fails on a missing application, naming the ones present", () => {
        assert.throws(
            () => parseJujuStatus(fixture("juju3-lxd", "status.json"), "magnum-conductor"),
            /application "magnum-conductor" is not in the status \(applications: magnum, magnum-hacluster, magnum-mysql-router\)/,
        );
    });

    it("fails on zero units, and says when the application is a subordinate", () => {
        const json = JSON.stringify({ applications: { magnum: { "application-status": {} } } });
        assert.throws(() => parseJujuStatus(json, "magnum"), /"magnum" has no units$/);
        assert.throws(
            () => parseJujuStatus(fixture("juju3-lxd", "status.json"), "magnum-hacluster"),
            /has no units; it is subordinate to magnum/,
        );
    });

    it("fails on unit names that are not the application's", () => {
        const json = JSON.stringify({ applications: { magnum: { units: { "nova/0": {} } } } });
        assert.throws(() => parseJujuStatus(json, "magnum"), /"nova\/0" is not a unit name/);
    });

    it("fails on empty output, garbage and a wrong shape", () => {
        assert.throws(() => parseJujuStatus("", "magnum"), /empty output/);
        assert.throws(() => parseJujuStatus("Model  Controller", "magnum"), /not juju status JSON/);
        assert.throws(
            () => parseJujuStatus(JSON.stringify({ model: {} }), "magnum"),
            /unexpected juju status JSON: applications: /,
        );
    });
});

describe("parse: juju exec (Juju 3)", () => {
    const task = (results?: object, extra: object = {}) => ({
        id: "28",
        ...(results ? { results } : {}),
        status: "completed",
        timing: { completed: "2025-03-04 10:21:07 +0000 UTC" },
        unit: "magnum/0",
        ...extra,
    });

    it("reads stdout and the return code", () => {
        const json = JSON.stringify({
            "magnum/0": task({ "return-code": 0, stdout: "[]\n" }),
        });
        assert.deepStrictEqual(parseJujuExec3(json), [
            {
                unit: "magnum/0",
                returnCode: 0,
                stdout: "[]\n",
                stderr: "",
                status: "completed",
                message: undefined,
            },
        ]);
    });

    it("reads several units, Go's escaped <, > and &, and base64 output", () => {
        const json =
            '{"magnum/0":{"id":"1","results":{"return-code":0,"stdout":"3\\u003c\\u003e \\u0026"},' +
            '"status":"completed","unit":"magnum/0"},' +
            '"magnum/1":{"id":"2","results":{"return-code":0,"stdout":"aGk=","stdout-encoding":"base64"},' +
            '"status":"completed","unit":"magnum/1"}}';
        assert.deepStrictEqual(
            parseJujuExec3(json).map((r) => [r.unit, r.stdout]),
            [
                ["magnum/0", "3<> &"],
                ["magnum/1", "hi"],
            ],
        );
    });

    it("treats the stdout and stderr Juju drops when empty as empty", () => {
        const json = JSON.stringify({ "magnum/0": task({ "return-code": 2, stderr: "no\n" }) });
        const [result] = parseJujuExec3(json);
        assert.strictEqual(result.stdout, "");
        assert.strictEqual(result.stderr, "no\n");
        assert.strictEqual(result.returnCode, 2);
    });

    it("reads a failed task without results", () => {
        const json = JSON.stringify({
            "magnum/0": task(undefined, { status: "failed", message: "exit status 1" }),
        });
        const [result] = parseJujuExec3(json);
        assert.strictEqual(result.returnCode, undefined);
        assert.strictEqual(result.status, "failed");
        assert.strictEqual(result.message, "exit status 1");
    });

    it("fails when a result's key and unit disagree", () => {
        const json = JSON.stringify({ "magnum/1": task({ "return-code": 0 }) });
        assert.throws(() => parseJujuExec3(json), /keyed "magnum\/1" names unit "magnum\/0"/);
    });

    it("fails on a return code that is not a number, an unknown encoding, a list, garbage", () => {
        assert.throws(
            () => parseJujuExec3(JSON.stringify({ "magnum/0": task({ "return-code": "0" }) })),
            /magnum\/0\.results\.return-code/,
        );
        assert.throws(
            () =>
                parseJujuExec3(
                    JSON.stringify({
                        "magnum/0": task({
                            "return-code": 0,
                            stdout: "x",
                            "stdout-encoding": "hex",
                        }),
                    }),
                ),
            /unknown encoding "hex"/,
        );
        assert.throws(() => parseJujuExec3("[]"), /unexpected juju exec JSON/);
        assert.throws(
            () => parseJujuExec3("ERROR the following task failed"),
            /not juju exec JSON/,
        );
        assert.throws(() => parseJujuExec3("  \n"), /empty output/);
    });
});

describe("parse: juju run (Juju 2.9)", () => {
    it("takes an omitted ReturnCode for 0 and an omitted Stderr for empty", () => {
        const json = '[{"Stdout":"[]\\n","UnitId":"magnum/0"}]';
        assert.deepStrictEqual(parseJujuRun29(json), [
            { unit: "magnum/0", returnCode: 0, stdout: "[]\n", stderr: "", message: undefined },
        ]);
    });

    it("reads a failure's ReturnCode and Stderr, and an Error in place of a result", () => {
        const json = JSON.stringify([
            {
                ReturnCode: 2,
                Stderr: "RTNETLINK answers: Network is unreachable\n",
                Stdout: "",
                UnitId: "magnum/0",
            },
            { Action: "c4a2", Error: 'action "c4a2" not found', UnitId: "magnum/1" },
        ]);
        const [failed, errored] = parseJujuRun29(json);
        assert.strictEqual(failed.returnCode, 2);
        assert.match(failed.stderr, /unreachable/);
        assert.strictEqual(errored.returnCode, undefined);
        assert.strictEqual(errored.message, 'action "c4a2" not found');
    });

    it("decodes base64 output", () => {
        const json = '[{"Stdout":"aGk=","Stdout.encoding":"base64","UnitId":"magnum/0"}]';
        assert.strictEqual(parseJujuRun29(json)[0].stdout, "hi");
    });

    it("fails on entries without a unit and on the Juju 3 shape", () => {
        assert.throws(
            () => parseJujuRun29('[{"MachineId":"0","Stdout":""}]'),
            /entry 0 has no unit name in UnitId \(null\)/,
        );
        assert.throws(() => parseJujuRun29('{"magnum/0":{}}'), /unexpected juju run JSON/);
        assert.throws(() => parseJujuRun29(""), /empty output/);
    });
});

describe("parse: ip -j route get", () => {
    // Recorded from iproute2 6.1 in a network namespace.
    const onLink =
        '[{"dst":"10.12.7.222","dev":"eth0","prefsrc":"10.12.4.154","flags":[],"uid":0,"cache":[]}]\n';
    const routed =
        '[{"dst":"203.0.113.10","gateway":"10.12.4.1","dev":"eth0","prefsrc":"10.12.4.154","flags":[],"uid":0,"cache":[]}]\n';
    const v6 =
        '[{"dst":"fd12:7::222","from":"::","gateway":"fd12:4::1","dev":"eth0","prefsrc":"fd12:4::154","metric":1024,"flags":[],"pref":"medium"}]\n';
    const local =
        '[{"type":"local","dst":"10.12.4.154","dev":"lo","prefsrc":"10.12.4.154","flags":[],"uid":0,"cache":["local"]}]\n';
    const noPrefsrc =
        '[{"dst":"10.12.7.222","from":"10.12.4.154","dev":"eth0","flags":[],"uid":0,"cache":[]}]\n';

    it("reads the preferred source of an on-link and a routed destination", () => {
        assert.deepStrictEqual(parseRouteGet(onLink, "10.12.7.222"), {
            source: "10.12.4.154",
            ethertype: "IPv4",
            dst: "10.12.7.222",
            dev: "eth0",
            gateway: undefined,
        });
        assert.strictEqual(parseRouteGet(routed, "203.0.113.10").gateway, "10.12.4.1");
    });

    it("reads an IPv6 source, and refuses a local route", () => {
        const route = parseRouteGet(v6, "fd12:7:0::222");
        assert.strictEqual(route.source, "fd12:4::154");
        assert.strictEqual(route.ethertype, "IPv6");
        assert.throws(() => parseRouteGet(local), /10\.12\.4\.154 is local to this unit/);
    });

    it("turns an IPv4-mapped IPv6 source into IPv4", () => {
        const mapped = onLink.replace('"10.12.4.154"', '"::ffff:10.12.4.154"');
        assert.deepStrictEqual(
            [parseRouteGet(mapped).source, parseRouteGet(mapped).ethertype],
            ["10.12.4.154", "IPv4"],
        );
    });

    it("ignores fields it does not know", () => {
        const extra = onLink.replace('"uid":0', '"uid":0,"expires":300,"mtu":1450');
        assert.strictEqual(parseRouteGet(extra).source, "10.12.4.154");
    });

    it("fails on a missing prefsrc", () => {
        assert.throws(() => parseRouteGet(noPrefsrc), /the route to 10\.12\.7\.222 has no prefsrc/);
    });

    it("fails on a prefsrc that is not a host address", () => {
        const prefix = onLink.replace('"10.12.4.154"', '"10.12.4.0/24"');
        assert.throws(
            () => parseRouteGet(prefix),
            /prefsrc "10\.12\.4\.0\/24" is not a host address/,
        );
        const zoned = v6.replace('"fd12:4::154"', '"fe80::1%eth0"');
        assert.throws(() => parseRouteGet(zoned), /prefsrc "fe80::1%eth0" is not a host address/);
    });

    it("fails on a route for another destination", () => {
        assert.throws(
            () => parseRouteGet(onLink, "10.12.7.223"),
            /the route is for 10\.12\.7\.222, not for 10\.12\.7\.223/,
        );
    });

    it("fails on several routes and on none", () => {
        const two = `[${onLink.trim().slice(1, -1)},${onLink.trim().slice(1, -1)}]`;
        assert.throws(() => parseRouteGet(two), /expected exactly one route/);
        assert.throws(() => parseRouteGet("[]"), /expected exactly one route/);
    });

    it("fails on routes that do not carry traffic", () => {
        const unreachable = onLink.replace('"dst"', '"type":"unreachable","dst"');
        assert.throws(() => parseRouteGet(unreachable), /of type "unreachable"/);
    });

    it("fails on the text output of an ip without -j, on garbage and on nothing", () => {
        assert.throws(
            () => parseRouteGet("10.12.7.222 dev eth0 src 10.12.4.154 uid 0 \n    cache \n"),
            /not ip -j route get JSON/,
        );
        assert.throws(
            () => parseRouteGet('{"dst":"10.12.7.222"}'),
            /unexpected ip -j route get JSON/,
        );
        assert.throws(() => parseRouteGet(""), /empty output/);
    });
});

describe("parse: kubeconfig server values", () => {
    it("reads an https URL with an IPv4 address", () => {
        assert.deepStrictEqual(parseKubeconfigServers("https://10.12.7.222:6443\n"), [
            { url: "https://10.12.7.222:6443", address: "10.12.7.222", port: 6443 },
        ]);
    });

    it("reads quoted values, comments, IPv6 literals and the default port", () => {
        const [quoted] = parseKubeconfigServers('"https://10.12.7.222:6443"  # mgmt FIP\n');
        assert.strictEqual(quoted.address, "10.12.7.222");
        assert.deepStrictEqual(
            parseKubeconfigServers("'https://[fd12:7::222]'\n").map((s) => [s.address, s.port]),
            [["fd12:7::222", 443]],
        );
    });

    it("merges repeated values and returns distinct ones", () => {
        const same = parseKubeconfigServers("https://10.12.7.222:6443\nhttps://10.12.7.222:6443\n");
        assert.strictEqual(same.length, 1);
        const two = parseKubeconfigServers("https://10.12.7.222:6443\nhttps://10.12.7.223:6443\n");
        assert.deepStrictEqual(
            two.map((s) => s.address),
            ["10.12.7.222", "10.12.7.223"],
        );
    });

    it("fails on no value, plain http, a host name and garbage", () => {
        assert.throws(() => parseKubeconfigServers("\n"), /no server: value/);
        assert.throws(
            () => parseKubeconfigServers("http://10.12.7.222:6443"),
            /is not an https URL/,
        );
        assert.throws(
            () => parseKubeconfigServers("https://mgmt.example.org:6443"),
            /names host "mgmt.example.org", not an IP address; set api.address/,
        );
        assert.throws(() => parseKubeconfigServers("{{ server }}"), /is not a URL/);
    });
});

describe("parse: juju version", () => {
    it("reads Juju 3 and 2.9 versions", () => {
        assert.strictEqual(parseJujuVersion("3.4.2-genericlinux-amd64\n").major, 3);
        assert.deepStrictEqual(parseJujuVersion("2.9.46-ubuntu-amd64\n"), {
            major: 2,
            minor: 9,
            text: "2.9.46-ubuntu-amd64",
        });
        assert.strictEqual(parseJujuVersion("3.6.0").minor, 6);
    });

    it("fails on anything else", () => {
        assert.throws(() => parseJujuVersion("juju: command not found"), /is not a Juju version/);
        assert.throws(() => parseJujuVersion(""), /"" is not a Juju version/);
    });
});
