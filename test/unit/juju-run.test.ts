// runOnUnits against the fake `juju` (tools/fakes/juju): calls, hedges, timeouts, killed processes.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { readApiEndpointFromUnits } from "../../components/juju/measure";
import { slots } from "../../components/juju/bounded";
import { runOnUnits, unitsAndFlavor } from "../../components/juju/units";
import {
    API,
    BIN,
    scratchDir,
    target,
    calls,
    writeUnit,
    jujuError,
    hedgeTimeoutSeconds,
    mochaTimeoutMs,
} from "../support/fake-juju";
import { survivors } from "../support/interrupt";

const names = (n: number) => Array.from({ length: n }, (_, i) => `magnum/${i}`);

describe("juju: runOnUnits", () => {
    it("puts several units in one call, a few at least whatever the bound", async () => {
        const t = target("juju3-lxd", { concurrency: 2 });
        const runs = await runOnUnits(
            t,
            ["magnum/0", "magnum/1", "magnum/2"],
            "ip -j route get 10.12.7.222",
        );
        assert.deepStrictEqual(
            runs.map((r) => [r.unit, r.ok, r.returnCode]),
            [
                ["magnum/0", true, 0],
                ["magnum/1", true, 0],
                ["magnum/2", true, 0],
            ],
        );
        const execs = calls(t).filter((c) => c.startsWith("exec"));
        assert.deepStrictEqual(
            execs.map((c) => c.split(" ")[4]),
            ["magnum/0,magnum/1,magnum/2"],
        );
        assert.match(runs[0].commandLine, /--unit magnum\/0,magnum\/1,magnum\/2 /);
    });

    it("asks each unit of a call that hangs again on its own, within the one timeout", async function () {
        // Two hedging levels, one slot: magnum/2, then magnum/0 in the last quarter.
        const timeoutSeconds = await hedgeTimeoutSeconds(1 / 8, 1);
        this.timeout(mochaTimeoutMs(timeoutSeconds));
        const t = target("juju3-lxd", {
            concurrency: 1,
            timeoutSeconds,
            edit: (dir) => writeUnit(dir, "magnum/1", "hang", ""),
        });
        const runs = await runOnUnits(
            t,
            ["magnum/0", "magnum/1", "magnum/2"],
            "ip -j route get 10.12.7.222",
        );
        assert.deepStrictEqual(
            runs.map((r) => [r.unit, r.ok, r.timedOut]),
            [
                ["magnum/0", true, false],
                ["magnum/1", false, true],
                ["magnum/2", true, false],
            ],
        );
        assert.match(runs[1].commandLine, /--unit magnum\/1 /);
        for (const line of calls(t).filter((c) => c.startsWith("hang "))) {
            assert.deepEqual(await survivors([Number(line.split(" ")[1])]), []);
        }
    });

    it("names a hundred units to a call at most: 300 units take three juju processes", async () => {
        const t = target("juju3-lxd", { env: { FAKE_JUJU_SCENARIO: "", FAKE_JUJU_UNITS: "300" } });
        const runs = await runOnUnits(t, names(300), `ip -j route get ${API}`, "exec");
        assert.deepStrictEqual(
            runs.filter((r) => r.ok).map((r) => r.unit),
            names(300),
        );
        const execs = calls(t).filter((c) => c.startsWith("exec"));
        assert.deepStrictEqual(
            execs.map((c) => c.split(" ")[4].split(",").length),
            [100, 100, 100],
        );
    });

    it("isolates one hung unit among forty within one timeout, every other unit answered", async function () {
        // Three hedging levels: magnum/23's neighbours answer on calls of their own in the last
        // eighth of the timeout.
        const timeoutSeconds = await hedgeTimeoutSeconds(1 / 8, 4, 2);
        this.timeout(mochaTimeoutMs(timeoutSeconds));
        const t = target("juju3-lxd", {
            concurrency: 4,
            timeoutSeconds,
            edit: (dir) => {
                for (const unit of names(40)) {
                    writeUnit(
                        dir,
                        unit,
                        "ip.stdout",
                        fs.readFileSync(`${dir}/units/magnum-0/ip.stdout`, "utf8"),
                    );
                }
                writeUnit(dir, "magnum/23", "hang", "");
            },
        });
        const started = Date.now();
        const runs = await runOnUnits(t, names(40), `ip -j route get ${API}`, "exec");
        const ms = Date.now() - started;
        assert.deepStrictEqual(
            runs.filter((r) => !r.ok).map((r) => [r.unit, r.timedOut]),
            [["magnum/23", true]],
        );
        assert.match(runs[23].commandLine, /--unit magnum\/23 /);
        // Its last call had what was left of the one deadline, never a deadline of its own; a
        // second timeout would take the whole run past half a timeout more.
        const timeoutMs = timeoutSeconds * 1000;
        assert.ok(runs[23].ms < timeoutMs, `the hung unit's call took ${runs[23].ms} ms`);
        assert.ok(ms < timeoutMs * 1.5, `one hung unit took ${ms} ms against ${timeoutMs} ms`);
        const hung = calls(t).filter((c) => c.startsWith("hang "));
        assert.ok(hung.length >= 2, "the hung unit was asked in its first call and alone");
        for (const line of hung) {
            assert.deepEqual(await survivors([Number(line.split(" ")[1])]), []);
        }
    });

    it("reports a failed listing before a failed version check", async () => {
        const t = target("juju3-lxd", {
            bin: "/bin/false",
        });
        const err = await jujuError(unitsAndFlavor(t));
        assert.match(err.message, /^cannot list the units of magnum/);
        const ok = target("juju3-lxd", { bin: BIN });
        const both = await unitsAndFlavor(ok);
        assert.deepStrictEqual(
            [both.flavor, both.units.map((u) => u.unit)],
            ["exec", ["magnum/0", "magnum/1", "magnum/2"]],
        );
    });

    it("returns nothing for no units", async () => {
        const t = target("juju3-lxd");
        assert.deepStrictEqual(await runOnUnits(t, [], "true"), []);
        assert.deepStrictEqual(calls(t), []);
    });

    it("reads only the server values of a real kubeconfig, never its key", async () => {
        const kubeconfig = path.join(scratchDir(), "kubeconfig");
        fs.writeFileSync(
            kubeconfig,
            [
                "apiVersion: v1",
                "clusters:",
                "- cluster:",
                "    certificate-authority-data: Q0EgZGF0YQ==",
                "    server: https://10.12.7.222:6443",
                "  name: mgmt",
                "users:",
                "- name: magnum",
                "  user:",
                "    client-key-data: U0VDUkVUIEtFWQ==",
                "",
            ].join("\n"),
        );
        const t = target("juju3-lxd", {
            edit: (dir) =>
                ["magnum/0", "magnum/1", "magnum/2"].forEach((u) => writeUnit(dir, u, "local", "")),
        });
        const endpoint = await readApiEndpointFromUnits(t, kubeconfig);
        assert.deepStrictEqual([endpoint.address, endpoint.port], [API, 6443]);
        const runs = await runOnUnits(
            t,
            ["magnum/0"],
            `sed -n 's/^[[:space:]]*server:[[:space:]]*//p' '${kubeconfig}'`,
        );
        assert.strictEqual(runs[0].stdout, "https://10.12.7.222:6443\n");
    });
});

describe("juju: slots", () => {
    it("holds at most the limit, hands a released slot to the first waiter, releases once", async () => {
        const pool = slots(2);
        const order: string[] = [];
        const a = await pool.acquire();
        const b = await pool.acquire();
        const c = pool.acquire().then((release) => (order.push("c"), release));
        const d = pool.acquire().then((release) => (order.push("d"), release));
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepStrictEqual(order, []);
        a();
        a();
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepStrictEqual(order, ["c"]);
        b();
        (await c)();
        (await d)();
        assert.deepStrictEqual(order, ["c", "d"]);
    });
});
