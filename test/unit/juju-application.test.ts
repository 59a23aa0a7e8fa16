// The measurement over the whole application (components/juju/application.ts) against the fake
// `juju`: the call starts beside `juju status`, its answer is checked against the status's
// units, and anything else falls back to the per-unit calls of runOnUnits.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { coveredExactly, runOnApplication } from "../../components/juju/application";
import { measureConductorSources } from "../../components/juju/measure";
import { JujuCommandResult, parseJujuExec3, parseJujuRun29 } from "../../components/juju/parse";
import {
    API,
    BIN,
    calls,
    FAKE,
    hedgeTimeoutSeconds,
    jujuError,
    mochaTimeoutMs,
    target,
    writeUnit,
} from "../support/fake-juju";
import { survivors } from "../support/interrupt";

const ROUTE = `ip -j route get ${API}`;
const WIDE3 = `exec -m openstack --application magnum --format=json -- ${ROUTE}`;
const PER_UNIT3 = `exec -m openstack --unit magnum/0,magnum/1,magnum/2 --format=json -- ${ROUTE}`;

/** A juju3-lxd copy whose controller expands the application to `units`. */
function expandsTo(units: string[], more: Partial<Parameters<typeof target>[1]> = {}) {
    return target("juju3-lxd", {
        ...more,
        edit: (dir) => {
            fs.writeFileSync(
                path.join(dir, "application-units"),
                units.map((u) => `${u}\n`).join(""),
            );
            more?.edit?.(dir);
        },
    });
}

const result = (unit: string): JujuCommandResult => ({ unit, stdout: "", stderr: "" });

describe("juju: one call over the whole application", () => {
    it("starts the call while juju status is still running, and uses it alone", async () => {
        // The fake's status answers only once an exec call has started.
        const t = target("juju3-lxd", {
            edit: (dir) => fs.writeFileSync(path.join(dir, "status-waits-for-call"), ""),
        });
        const sources = await measureConductorSources(t, API);
        assert.deepStrictEqual(
            sources.map((s) => [s.unit, s.address]),
            [
                ["magnum/0", "10.12.4.154"],
                ["magnum/1", "10.12.4.155"],
                ["magnum/2", "10.12.4.156"],
            ],
        );
        assert.deepStrictEqual(
            calls(t).filter((c) => c.startsWith("exec")),
            [WIDE3],
        );
    });

    it("runs juju run --application on Juju 2.9", async () => {
        const t = target("juju29-lxd");
        const { flavor, runs } = await runOnApplication(t, ROUTE);
        assert.strictEqual(flavor, "run");
        assert.deepStrictEqual(
            runs.map((r) => [r.unit, r.ok, r.commandLine]),
            ["magnum/0", "magnum/1", "magnum/2"].map((u) => [
                u,
                true,
                `${BIN} run -m openstack --application magnum --format=json 'ip -j route get 10.12.7.222'`,
            ]),
        );
        assert.deepStrictEqual(
            calls(t).filter((c) => c.startsWith("run")),
            [`run -m openstack --application magnum --format=json ${ROUTE}`],
        );
    });

    it("asks every unit on its own calls when a status unit has no result", async () => {
        const t = expandsTo(["magnum/0", "magnum/1"]);
        const sources = await measureConductorSources(t, API);
        assert.deepStrictEqual(
            sources.map((s) => s.address),
            ["10.12.4.154", "10.12.4.155", "10.12.4.156"],
        );
        assert.deepStrictEqual(
            calls(t).filter((c) => c.startsWith("exec")),
            [WIDE3, PER_UNIT3],
        );
    });

    it("reads nothing from an answer for a unit the status does not list", async () => {
        const stray = '[{"dst":"10.12.7.222","dev":"eth1","prefsrc":"10.12.4.200"}]\n';
        const t = expandsTo(["magnum/0", "magnum/1", "magnum/2", "magnum/3"], {
            edit: (dir) => writeUnit(dir, "magnum/3", "ip.stdout", stray),
        });
        const sources = await measureConductorSources(t, API);
        assert.deepStrictEqual(
            sources.map((s) => [s.unit, s.address]),
            [
                ["magnum/0", "10.12.4.154"],
                ["magnum/1", "10.12.4.155"],
                ["magnum/2", "10.12.4.156"],
            ],
        );
        assert.deepStrictEqual(
            calls(t).filter((c) => c.startsWith("exec")),
            [WIDE3, PER_UNIT3],
        );
    });

    it("falls back to the per-unit calls when the call fails", async () => {
        // No unit left to expand to: the call exits 1 without JSON.
        const t = expandsTo([]);
        const { runs } = await runOnApplication(t, ROUTE);
        assert.ok(runs.every((r) => r.ok));
        assert.ok(runs.every((r) => r.commandLine.includes("--unit magnum/0,magnum/1,magnum/2")));
        assert.deepStrictEqual(
            calls(t).filter((c) => c.startsWith("exec")),
            [WIDE3, PER_UNIT3],
        );
    });

    it("asks a unit that failed in the answer again on its own call, naming it", async () => {
        const t = target("juju3-lxd", {
            edit: (dir) => {
                writeUnit(dir, "magnum/1", "ip.stdout", "");
                writeUnit(
                    dir,
                    "magnum/1",
                    "ip.stderr",
                    "RTNETLINK answers: Network is unreachable\n",
                );
                writeUnit(dir, "magnum/1", "ip.rc", "2");
            },
        });
        const err = await jujuError(measureConductorSources(t, API));
        assert.deepStrictEqual(
            err.failures.map((f) => [f.unit, f.command]),
            [["magnum/1", `${BIN} exec -m openstack --unit magnum/1 --format=json -- '${ROUTE}'`]],
        );
        assert.match(err.failures[0].got, /^return code 2; .*the following task failed/);
        assert.deepStrictEqual(
            calls(t).filter((c) => c.startsWith("exec")),
            [WIDE3, `exec -m openstack --unit magnum/1 --format=json -- ${ROUTE}`],
        );
    });

    it("gives up a hung call halfway: the hung unit costs one timeout, on its own call", async function () {
        // magnum/0 and magnum/1 answer on calls of their own in the last quarter.
        const timeoutSeconds = await hedgeTimeoutSeconds(1 / 4, 3, 2);
        this.timeout(mochaTimeoutMs(timeoutSeconds));
        const t = target("juju3-lxd", {
            timeoutSeconds,
            edit: (dir) => writeUnit(dir, "magnum/2", "hang", ""),
        });
        const started = Date.now();
        const { runs } = await runOnApplication(t, ROUTE);
        const wall = Date.now() - started;
        assert.deepStrictEqual(
            runs.map((r) => [r.unit, r.ok, r.timedOut]),
            [
                ["magnum/0", true, false],
                ["magnum/1", true, false],
                ["magnum/2", false, true],
            ],
        );
        const hung = runs[2];
        assert.strictEqual(
            hung.commandLine,
            `${BIN} exec -m openstack --unit magnum/2 --format=json -- '${ROUTE}'`,
        );
        // Its last call had what was left of the one deadline, never a deadline of its own.
        assert.ok(hung.ms < timeoutSeconds * 1000, `the hung unit's call took ${hung.ms} ms`);
        // One timeout in all: a deadline of its own for the per-unit calls would add half a one.
        assert.ok(wall >= timeoutSeconds * 1000, `${wall} ms`);
        assert.ok(wall < timeoutSeconds * 1000 * 1.5, `${wall} ms`);
        const log = calls(t);
        assert.strictEqual(log.filter((c) => c === WIDE3).length, 1);
        const pids = log.filter((c) => c.startsWith("hang ")).map((c) => Number(c.split(" ")[1]));
        assert.ok(pids.length >= 2, log.join("\n"));
        assert.deepEqual(await survivors(pids), [], "a hung call's process group is left");
    });

    it("fails with the listing's error when juju status fails, killing the call", async () => {
        const t = { ...target("juju3-lxd"), model: "elsewhere" };
        const err = await jujuError(runOnApplication(t, ROUTE));
        assert.match(err.message, /cannot list the units of magnum in model elsewhere/);
    });
});

describe("juju: an answer must cover exactly the status's units", () => {
    const units = ["magnum/0", "magnum/1"];

    it("maps each listed unit to its result", () => {
        const byUnit = coveredExactly([result("magnum/1"), result("magnum/0")], units);
        assert.deepStrictEqual([...(byUnit?.keys() ?? [])].sort(), units);
    });

    it("rejects a missing unit, an extra unit, a unit twice", () => {
        assert.strictEqual(coveredExactly([result("magnum/0")], units), undefined);
        assert.strictEqual(
            coveredExactly([result("magnum/0"), result("magnum/1"), result("magnum/2")], units),
            undefined,
        );
        assert.strictEqual(
            coveredExactly([result("magnum/0"), result("magnum/2")], units),
            undefined,
        );
        assert.strictEqual(
            coveredExactly([result("magnum/0"), result("magnum/0"), result("magnum/1")], units),
            undefined,
        );
        assert.strictEqual(
            coveredExactly([result("magnum/0"), result("magnum/0")], units),
            undefined,
        );
        assert.strictEqual(coveredExactly([], units), undefined);
    });
});

describe("fake juju: --application", () => {
    const env = (scenario: string) => ({
        ...process.env,
        FAKE_JUJU_SCENARIO: path.join(FAKE, "scenarios", scenario),
    });
    const juju = (scenario: string, args: string[]) =>
        execFileSync(BIN, args, { env: env(scenario), encoding: "utf8" });

    it("answers as --unit with every unit of the application, on Juju 3 and 2.9", () => {
        for (const [scenario, verb, parse] of [
            ["juju3-lxd", "exec", parseJujuExec3],
            ["juju29-lxd", "run", parseJujuRun29],
        ] as const) {
            const tail =
                verb === "exec" ? ["--format=json", "--", ROUTE] : ["--format=json", ROUTE];
            const wide = parse(
                juju(scenario, [verb, "-m", "openstack", "--application", "magnum", ...tail]),
            );
            const listed = parse(
                juju(scenario, [
                    verb,
                    "-m",
                    "openstack",
                    "--unit",
                    "magnum/0,magnum/1,magnum/2",
                    ...tail,
                ]),
            );
            assert.deepStrictEqual(wide, listed);
            assert.deepStrictEqual(
                wide.map((r) => r.unit),
                ["magnum/0", "magnum/1", "magnum/2"],
            );
        }
        // Its short forms, as Juju's flag set names them (cmd/juju/action/exec.go).
        const short = parseJujuExec3(
            juju("juju3-lxd", ["exec", "-a", "magnum", "--format=json", "--", ROUTE]),
        );
        assert.strictEqual(short.length, 3);
    });

    it("expands the generated units and fails on an unknown application", () => {
        const generated = execFileSync(
            BIN,
            ["exec", "--app", "magnum", "--format=json", "--", ROUTE],
            {
                env: { ...process.env, FAKE_JUJU_SCENARIO: "", FAKE_JUJU_UNITS: "5" },
                encoding: "utf8",
            },
        );
        assert.strictEqual(parseJujuExec3(generated).length, 5);
        const unknown = spawnSync(
            BIN,
            ["exec", "--application", "nova", "--format=json", "--", ROUTE],
            {
                env: env("juju3-lxd"),
                encoding: "utf8",
            },
        );
        assert.strictEqual(unknown.status, 1);
        assert.strictEqual(unknown.stderr, 'ERROR application "nova" not found\n');
    });
});
