// runOnUnits against the fake `juju` (tools/fakes/juju): calls, hedges, timeouts, killed processes.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { readApiEndpointFromUnits } from "../../components/juju/measure";
import { runOnUnits } from "../../components/juju/units";
import { API, scratchDir, target, calls, writeUnit, alive } from "../support/fake-juju";

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

    it("asks each unit of a call that hangs again on its own, within the one timeout", async () => {
        const t = target("juju3-lxd", {
            concurrency: 1,
            timeoutSeconds: 1,
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
            assert.strictEqual(alive(Number(line.split(" ")[1])), false);
        }
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
