// The Juju layer against the fake `juju` (tools/fakes/juju), which replays the output
// formats of Juju 3 and 2.9. One test measures for real: `ip -j route get` inside a network
// namespace the test creates.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { measureConductorSources, readApiEndpointFromUnits } from "../../components/juju/measure";
import { detectFlavor, listUnits, runOnUnits } from "../../components/juju/units";
import {
    BIN,
    API,
    scratchDir,
    target,
    calls,
    writeUnit,
    editStatus,
    jujuError,
    hedgeTimeoutSeconds,
    mochaTimeoutMs,
} from "../support/fake-juju";
import { survivors } from "../support/interrupt";

describe("juju: a three-unit deployment in LXD containers", () => {
    it("measures each unit's source toward the API on Juju 3", async () => {
        const t = target("juju3-lxd");
        const sources = await measureConductorSources(t, API);
        assert.deepStrictEqual(
            sources.map((s) => [s.unit, s.address, s.machine, s.publicAddress]),
            [
                ["magnum/0", "10.12.4.154", "0/lxd/7", "10.12.0.41"],
                ["magnum/1", "10.12.4.155", "1/lxd/8", "10.12.0.42"],
                ["magnum/2", "10.12.4.156", "2/lxd/9", "10.12.0.43"],
            ],
        );
        assert.strictEqual(
            sources[0].provenance,
            "juju magnum/0 (machine 0/lxd/7): ip -j route get 10.12.7.222 → prefsrc 10.12.4.154",
        );
        assert.deepStrictEqual(calls(t).sort(), [
            "exec -m openstack --application magnum --format=json -- ip -j route get 10.12.7.222",
            "status -m openstack magnum --format=json",
            "version",
        ]);
    });

    it("measures the same sources through juju run on Juju 2.9", async () => {
        const t = target("juju29-lxd");
        assert.strictEqual(await detectFlavor(t), "run");
        const sources = await measureConductorSources(t, API);
        assert.deepStrictEqual(
            sources.map((s) => s.address),
            ["10.12.4.154", "10.12.4.155", "10.12.4.156"],
        );
        assert.ok(
            calls(t).includes(
                "run -m openstack --application magnum --format=json ip -j route get 10.12.7.222",
            ),
        );
    });

    it("detects the flavor and lists the units once per target", async () => {
        const t = target("juju3-lxd");
        const endpoint = await readApiEndpointFromUnits(t, "/etc/magnum/kubeconfig");
        await measureConductorSources(t, endpoint.address);
        const log = calls(t);
        assert.strictEqual(log.filter((c) => c === "version").length, 1);
        assert.strictEqual(log.filter((c) => c.startsWith("status")).length, 1);
        // One call for each command: three units are fewer than a call takes at least.
        assert.strictEqual(log.length, 2 + 1 + 1);
    });

    it("reads the API endpoint from the units' kubeconfig", async () => {
        const t = target("juju3-lxd");
        assert.deepStrictEqual(await readApiEndpointFromUnits(t, "/etc/magnum/kubeconfig"), {
            address: API,
            port: 6443,
            provenance:
                "server https://10.12.7.222:6443 in /etc/magnum/kubeconfig on magnum/0, magnum/1, magnum/2",
        });
    });

    it("fails when the units' kubeconfigs disagree, listing every unit's value", async () => {
        const t = target("juju3-lxd", {
            edit: (dir) => writeUnit(dir, "magnum/2", "sed.stdout", "https://10.12.7.9:6443\n"),
        });
        const err = await jujuError(readApiEndpointFromUnits(t, "/etc/magnum/kubeconfig"));
        assert.match(err.message, /the units disagree/);
        assert.deepStrictEqual(
            err.failures.map((f) => [f.unit, f.got]),
            [
                ["magnum/0", "https://10.12.7.222:6443"],
                ["magnum/1", "https://10.12.7.222:6443"],
                ["magnum/2", "https://10.12.7.9:6443"],
            ],
        );
    });
});

describe("juju: sources of every family", () => {
    it("turns an IPv4-mapped IPv6 source into IPv4", async () => {
        const sources = await measureConductorSources(target("mixed-sources"), API);
        assert.deepStrictEqual(
            sources.map((s) => s.address),
            ["10.12.4.154", "10.12.4.155"],
        );
    });

    it("measures IPv6 sources toward an IPv6 API read from the kubeconfig", async () => {
        const t = target("ipv6");
        const endpoint = await readApiEndpointFromUnits(t, "/etc/magnum/kubeconfig");
        assert.deepStrictEqual([endpoint.address, endpoint.port], ["fd12:7::222", 6443]);
        const sources = await measureConductorSources(t, endpoint.address);
        assert.deepStrictEqual(
            sources.map((s) => s.address),
            ["fd12:4::154", "fd12:4::155"],
        );
    });

    it("asks with the canonical API address, never a mapped one", async () => {
        const t = target("juju3-lxd");
        await measureConductorSources(t, "::ffff:10.12.7.222");
        assert.ok(calls(t).every((c) => !c.includes("::ffff")));
    });
});

describe("juju: units that cannot be measured", () => {
    it("measures a unit in error that answers, and says so in the provenance", async () => {
        const t = target("juju3-lxd", {
            edit: (dir) =>
                editStatus(dir, (s) => {
                    s.applications.magnum.units!["magnum/1"]["workload-status"] = {
                        current: "error",
                        message: 'hook failed: "config-changed"',
                    };
                }),
        });
        const sources = await measureConductorSources(t, API);
        assert.strictEqual(
            sources[1].provenance,
            'juju magnum/1 (machine 1/lxd/8; workload error: hook failed: "config-changed"): ' +
                "ip -j route get 10.12.7.222 → prefsrc 10.12.4.155",
        );
    });

    it("fails once, listing every unit that could not be measured and why", async function () {
        // The application's call hangs: its units answer on their own calls in the last quarter.
        const timeoutSeconds = await hedgeTimeoutSeconds(1 / 4, 9);
        this.timeout(mochaTimeoutMs(timeoutSeconds));
        const t = target("faults", { timeoutSeconds });
        const err = await jujuError(measureConductorSources(t, API));
        const byUnit = new Map(err.failures.map((f) => [f.unit, f]));
        assert.deepStrictEqual(
            [...byUnit.keys()],
            ["magnum/2", "magnum/3", "magnum/4", "magnum/5", "magnum/6", "magnum/7", "magnum/8"],
        );
        assert.match(err.message, /7 of 9 unit\(s\) of magnum in model openstack/);
        const expect = (unit: string, got: RegExp) => assert.match(byUnit.get(unit)!.got, got);
        expect(
            "magnum/2",
            /^return code 2; .*stderr "RTNETLINK answers: Network is unreachable\\n"/,
        );
        expect("magnum/3", /^timed out after \d+ ms; the juju process group was killed/);
        expect("magnum/4", /has no prefsrc/);
        expect("magnum/5", /not ip -j route get JSON.*stdout "10\.12\.7\.222 dev eth1 src/);
        expect("magnum/6", /expected exactly one route/);
        expect("magnum/7", /juju gave no result for magnum\/7 .*not found/);
        expect("magnum/8", /no return code; exec: .*task failed/);
        const lost = byUnit.get("magnum/3")!;
        assert.match(lost.status!, /agent lost/);
        assert.strictEqual(
            lost.command,
            `${BIN} exec -m openstack --unit magnum/3 --format=json -- 'ip -j route get 10.12.7.222'`,
        );
        assert.match(lost.expected, /exit 0 and one route to 10\.12\.7\.222 with a prefsrc/);
        assert.match(err.message, /magnum\/3 \[.*agent lost.*\]: ran .* expected .* got timed out/);
    });

    it("reports Juju's own error text for a command that fails", async () => {
        const t = target("juju3-lxd", {
            edit: (dir) => {
                writeUnit(dir, "magnum/0", "ip.stdout", "");
                writeUnit(
                    dir,
                    "magnum/0",
                    "ip.stderr",
                    "RTNETLINK answers: Network is unreachable\n",
                );
                writeUnit(dir, "magnum/0", "ip.rc", "2");
            },
        });
        const [run] = await runOnUnits(t, ["magnum/0"], `ip -j route get ${API}`);
        assert.strictEqual(run.ok, false);
        assert.strictEqual(run.returnCode, 2);
        assert.match(
            run.problem!,
            /juju: "ERROR the following task failed:\\n - id \\"\d+\\" with return code 2/,
        );
    });

    it("fails through Juju 2.9, which reports failures differently", async function () {
        const timeoutSeconds = await hedgeTimeoutSeconds(1 / 4, 4);
        this.timeout(mochaTimeoutMs(timeoutSeconds));
        const t = target("faults29", { timeoutSeconds });
        const err = await jujuError(measureConductorSources(t, API));
        assert.deepStrictEqual(
            err.failures.map((f) => f.unit),
            ["magnum/1", "magnum/2", "magnum/3"],
        );
        assert.match(err.failures[0].got, /^return code 2/);
        assert.match(err.failures[1].got, /no actions were successfully enqueued/);
        assert.match(err.failures[2].got, /^timed out/);
    });

    it("kills the process group of a call that hangs", async function () {
        // Long enough for the fake to log its hang before it is killed.
        const timeoutSeconds = await hedgeTimeoutSeconds(1, 1);
        this.timeout(mochaTimeoutMs(timeoutSeconds));
        const t = target("juju3-lxd", {
            timeoutSeconds,
            edit: (dir) => writeUnit(dir, "magnum/2", "hang", ""),
        });
        const runs = await runOnUnits(t, ["magnum/2"], `ip -j route get ${API}`);
        assert.deepStrictEqual(
            runs.map((r) => [r.unit, r.ok, r.timedOut, r.returnCode]),
            [["magnum/2", false, true, null]],
        );
        assert.ok(runs[0].ms >= timeoutSeconds * 1000, `ms ${runs[0].ms}`);
        const hung = calls(t).filter((c) => c.startsWith("hang "));
        assert.strictEqual(hung.length, 1);
        assert.deepEqual(await survivors([Number(hung[0].split(" ")[1])]), []);
    });

    it("fails on zero units", async () => {
        const t = target("juju3-lxd", {
            edit: (dir) => editStatus(dir, (s) => delete s.applications.magnum.units),
        });
        const err = await jujuError(measureConductorSources(t, API));
        assert.match(err.message, /cannot list the units of magnum in model openstack/);
        assert.match(err.failures[0].got, /application "magnum" has no units/);
        assert.strictEqual(
            err.failures[0].command,
            `${BIN} status -m openstack magnum --format=json`,
        );
    });

    it("fails when juju status fails, quoting juju", async () => {
        const t = { ...target("juju3-lxd"), model: "elsewhere" };
        const err = await jujuError(listUnits(t));
        assert.match(
            err.failures[0].got,
            /exit 1; stderr "ERROR model \\"elsewhere\\" not found\\n"/,
        );
    });

    it("refuses an API address that is not an IP before running anything", async () => {
        const t = target("juju3-lxd");
        await assert.rejects(
            measureConductorSources(t, "10.12.7.222; cat /etc/magnum/kubeconfig"),
            /the API address "10\.12\.7\.222; cat \/etc\/magnum\/kubeconfig" is not an IP address/,
        );
        assert.deepStrictEqual(calls(t), []);
    });

    it("fails on an unusable juju", async () => {
        const missing = target("juju3-lxd", { bin: path.join(scratchDir(), "no-such-juju") });
        const err = await jujuError(detectFlavor(missing));
        assert.match(err.failures[0].got, /cannot start .*no-such-juju: spawn .* ENOENT/);
        const old = target("juju3-lxd", {
            edit: (dir) => fs.writeFileSync(path.join(dir, "version"), "1.25.6-trusty-amd64\n"),
        });
        assert.match((await jujuError(detectFlavor(old))).message, /expected Juju 2\.9 or 3\.x/);
    });
});
