// The measurement cases of a conductor's source that once went wrong: a route local to the unit,
// nested containers, Juju 2.9's encoding keys, and a return code Juju never gave. Fixtures are in
// Juju's own formats (cmd/juju/status/formatted.go, cmd/juju/action/common.go of 2.9), through
// the fake juju.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { measureConductorSources, parseRouteGet } from "../../components/juju/measure";
import { parseJujuRun29, parseJujuStatus } from "../../components/juju/parse";
import { JujuError, JujuTarget, listUnits, runOnUnits } from "../../components/juju/units";

const FAKE = path.resolve(__dirname, "../../tools/fakes/juju");
const SCENARIOS = path.join(FAKE, "scenarios");
const API = "10.12.7.222";

let tmp: string;
before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "juju-measure-"))));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh target (the session cache is per target) on a copy of a scenario changed by `edit`. */
function target(scenario: string, edit: (dir: string) => void = () => undefined): JujuTarget {
    const dir = fs.mkdtempSync(path.join(tmp, `${scenario}-`));
    fs.cpSync(path.join(SCENARIOS, scenario), dir, { recursive: true });
    edit(dir);
    return {
        model: "openstack",
        application: "magnum",
        bin: path.join(FAKE, "juju"),
        timeoutSeconds: 20,
        concurrency: 4,
        env: { ...process.env, FAKE_JUJU_SCENARIO: dir },
    };
}

function answer(dir: string, unit: string, file: string, text: string): void {
    const unitDir = path.join(dir, "units", unit.replace("/", "-"));
    fs.rmSync(unitDir, { recursive: true, force: true });
    fs.mkdirSync(unitDir, { recursive: true });
    fs.writeFileSync(path.join(unitDir, file), text);
}

async function rejection(promise: Promise<unknown>): Promise<JujuError> {
    const err = await promise.then(
        () => assert.fail("expected a JujuError"),
        (e: unknown) => e,
    );
    assert.ok(err instanceof JujuError, String(err));
    return err;
}

// Recorded from iproute2 6.1: `ip -j route get` for an address the host holds itself.
const LOCAL_ROUTE =
    '[{"type":"local","dst":"10.12.7.222","dev":"lo","prefsrc":"10.12.7.222","flags":[],"uid":0,"cache":["local"]}]\n';

describe("measurement: an API address local to the unit", () => {
    it("refuses a local route, naming the unit and saying the address is local to it", async () => {
        const t = target("juju3-lxd", (dir) => answer(dir, "magnum/1", "ip.stdout", LOCAL_ROUTE));
        const err = await rejection(measureConductorSources(t, API));
        assert.deepEqual(
            err.failures.map((f) => f.unit),
            ["magnum/1"],
        );
        assert.match(
            err.message,
            /- magnum\/1: ran .*ip -j route get 10\.12\.7\.222'?; expected .*; got the API address 10\.12\.7\.222 is local to this unit \(a local route with prefsrc 10\.12\.7\.222\)/,
        );
    });

    it("refuses a unicast route whose prefsrc is the destination", () => {
        const same =
            '[{"dst":"10.12.7.222","dev":"eth1","prefsrc":"10.12.7.222","flags":[],"uid":0,"cache":[]}]\n';
        assert.throws(
            () => parseRouteGet(same, API),
            /^Error: the API address 10\.12\.7\.222 is local to this unit \(a unicast route with prefsrc 10\.12\.7\.222\)/,
        );
        // The same address written as IPv4-mapped IPv6 is the same address.
        assert.throws(
            () =>
                parseRouteGet(
                    same.replace('"prefsrc":"10.12.7.222"', '"prefsrc":"::ffff:10.12.7.222"'),
                ),
            /is local to this unit/,
        );
    });
});

describe("measurement: nested containers", () => {
    it("reads a unit's machine status from its own container at any depth", () => {
        const status = fs.readFileSync(path.join(SCENARIOS, "nested-lxd", "status.json"), "utf8");
        const units = parseJujuStatus(status, "magnum");
        assert.deepEqual(
            units.map((u) => [u.unit, u.machine, u.machineStatus]),
            [
                ["magnum/0", "0/lxd/7", "started"],
                ["magnum/1", "1/lxd/8", "started"],
                // Its parent container 2/lxd/9 and machine 2 are "started".
                ["magnum/2", "2/lxd/9/lxd/0", "pending"],
            ],
        );
    });

    it("finds no status for a machine id of the wrong shape", () => {
        const status = JSON.parse(
            fs.readFileSync(path.join(SCENARIOS, "nested-lxd", "status.json"), "utf8"),
        );
        status.applications.magnum.units["magnum/0"].machine = "2/lxd";
        const [unit] = parseJujuStatus(JSON.stringify(status), "magnum");
        assert.equal(unit.machineStatus, undefined);
    });

    it("names the nested container's status in the measurement's provenance", async () => {
        const sources = await measureConductorSources(target("nested-lxd"), API);
        assert.equal(
            sources[2].provenance,
            "juju magnum/2 (machine 2/lxd/9/lxd/0; machine 2/lxd/9/lxd/0 pending): " +
                "ip -j route get 10.12.7.222 → prefsrc 10.12.4.156",
        );
    });
});

describe("measurement: Juju 2.9 output keys", () => {
    it("decodes Stdout-encoding (2.9's ConvertActionOutput) as well as Stdout.encoding", () => {
        const dash = '[{"Stdout":"aGk=","Stdout-encoding":"base64","UnitId":"magnum/0"}]';
        const dot = '[{"Stdout":"aGk=","Stdout.encoding":"base64","UnitId":"magnum/0"}]';
        const stderr =
            '[{"ReturnCode":1,"Stderr":"b29wcw==","Stderr-encoding":"base64","Stdout":"","UnitId":"magnum/0"}]';
        assert.equal(parseJujuRun29(dash)[0].stdout, "hi");
        assert.equal(parseJujuRun29(dot)[0].stdout, "hi");
        assert.equal(parseJujuRun29(stderr)[0].stderr, "oops");
        assert.throws(
            () =>
                parseJujuRun29(
                    '[{"Stdout":"aGk=","Stdout-encoding":"base64","Stdout.encoding":"hex","UnitId":"magnum/0"}]',
                ),
            /magnum\/0 has both Stdout-encoding "base64" and Stdout.encoding "hex"/,
        );
    });

    it("gives no return code to an action that never ran, and 0 to one that ran", () => {
        const [cancelled, ran] = parseJujuRun29(
            '[{"Message":"action cancelled","UnitId":"magnum/0"},{"Stdout":"","UnitId":"magnum/1"}]',
        );
        assert.equal(cancelled.returnCode, undefined);
        assert.equal(ran.returnCode, 0);
    });

    it("reports a cancelled 2.9 action with no code as such, not as return code 0", async () => {
        const t = target("juju29-lxd", (dir) => answer(dir, "magnum/2", "cancelled", ""));
        const runs = await runOnUnits(t, ["magnum/0", "magnum/2"], `ip -j route get ${API}`);
        assert.deepEqual(
            runs.map((r) => [r.unit, r.ok, r.returnCode]),
            [
                ["magnum/0", true, 0],
                ["magnum/2", false, null],
            ],
        );
        const err = await rejection(measureConductorSources(t, API));
        const failure = err.failures.find((f) => f.unit === "magnum/2");
        assert.ok(failure, err.message);
        assert.match(failure.got, /^no return code/);
        assert.doesNotMatch(err.message, /return code 0/);
        assert.equal((await listUnits(t)).length, 3);
    });
});

describe("measurement: a real ip -j route get in a network namespace", function () {
    const ns = `juju-test-${process.pid}`;
    let created = false;

    before(function () {
        try {
            const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
            ip("netns", "add", ns);
            created = true;
            ip("-n", ns, "link", "set", "lo", "up");
            ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0");
            ip("-n", ns, "link", "set", "eth0", "up");
            ip("-n", ns, "link", "set", "peer0", "up");
            ip("-n", ns, "addr", "add", "10.12.4.154/22", "dev", "eth0");
            ip("-n", ns, "addr", "add", "10.20.0.9/24", "dev", "peer0");
            ip("-n", ns, "route", "add", "default", "via", "10.12.4.1");
        } catch {
            this.skip();
        }
    });

    after(() => {
        if (created) {
            execFileSync("ip", ["netns", "del", ns]);
        }
    });

    const inNamespace = (dir: string) =>
        ["magnum/0", "magnum/1", "magnum/2"].forEach((u) => answer(dir, u, "local", ns));

    it("measures the namespace's preferred source toward the API", async () => {
        const routed = await measureConductorSources(
            target("juju3-lxd", inNamespace),
            "203.0.113.10",
        );
        assert.deepEqual(
            routed.map((s) => s.address),
            ["10.12.4.154", "10.12.4.154", "10.12.4.154"],
        );
        const onLink = await measureConductorSources(
            target("juju3-lxd", inNamespace),
            "10.20.0.77",
        );
        assert.deepEqual(
            onLink.map((s) => s.address),
            ["10.20.0.9", "10.20.0.9", "10.20.0.9"],
        );
    });

    it("refuses an API address the unit holds itself, naming every unit", async () => {
        const err = await rejection(
            measureConductorSources(target("juju3-lxd", inNamespace), "10.12.4.154"),
        );
        assert.deepEqual(
            err.failures.map((f) => f.unit),
            ["magnum/0", "magnum/1", "magnum/2"],
        );
        for (const failure of err.failures) {
            assert.match(
                failure.got,
                /^the API address 10\.12\.4\.154 is local to this unit \(a local route/,
            );
        }
    });
});
