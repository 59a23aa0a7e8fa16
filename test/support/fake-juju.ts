// Targets on the fake `juju` (tools/fakes/juju) and its recorded scenarios, copied and edited
// per test under one scratch directory, which the root hooks here create and remove once per run.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runProcess } from "../../components/process/run";
import { JujuError, JujuTarget } from "../../components/juju/units";

export const FAKE = path.join(__dirname, "..", "..", "tools", "fakes", "juju");
export const BIN = path.join(FAKE, "juju");
export const API = "10.12.7.222";

let tmp: string;

before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "juju-test-"));
});

after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
});

/** The run's scratch directory (exists from the root `before` hook on). */
export function scratchDir(): string {
    return tmp;
}

/** A target on a recorded scenario, or on a copy of one changed by `edit`. */
export function target(
    scenario: string,
    options: Partial<JujuTarget> & { edit?: (dir: string) => void } = {},
): JujuTarget & { log: string } {
    let dir = path.join(FAKE, "scenarios", scenario);
    if (options.edit) {
        const copy = fs.mkdtempSync(path.join(tmp, `${scenario}-`));
        fs.cpSync(dir, copy, { recursive: true });
        options.edit(copy);
        dir = copy;
    }
    const log = path.join(fs.mkdtempSync(path.join(tmp, "log-")), "calls");
    fs.writeFileSync(log, "");
    return {
        model: "openstack",
        application: "magnum",
        bin: BIN,
        timeoutSeconds: 20,
        concurrency: 16,
        ...options,
        env: { ...process.env, FAKE_JUJU_SCENARIO: dir, FAKE_JUJU_LOG: log, ...options.env },
        log,
    };
}

export const calls = (t: { log: string }) =>
    fs.readFileSync(t.log, "utf8").split("\n").filter(Boolean);

export function writeUnit(dir: string, unit: string, file: string, text: string): void {
    const unitDir = path.join(dir, "units", unit.replace("/", "-"));
    fs.mkdirSync(unitDir, { recursive: true });
    fs.writeFileSync(path.join(unitDir, file), text);
}

export function editStatus(dir: string, edit: (status: StatusJson) => void): void {
    const file = path.join(dir, "status.json");
    const status = JSON.parse(fs.readFileSync(file, "utf8")) as StatusJson;
    edit(status);
    fs.writeFileSync(file, JSON.stringify(status));
}

export interface StatusJson {
    applications: Record<string, { units?: Record<string, Record<string, unknown>> }>;
}

export async function jujuError(promise: Promise<unknown>): Promise<JujuError> {
    try {
        await promise;
    } catch (err) {
        assert.ok(err instanceof JujuError, `expected a JujuError, got ${String(err)}`);
        return err;
    }
    assert.fail("expected a JujuError");
}

/**
 * A `timeoutSeconds` for a test in which a hung unit must time out while every other unit still
 * answers on a hedge's call, which gets only `share` of the timeout (1/2 per hedging level below
 * the first call, as runOnUnits halves what is left). At least `minSeconds`; longer when `share`
 * of it would not hold three times the slowest of `parallel` fake juju calls started at once,
 * measured now: how long a call takes on this machine under its present load. What the test
 * proves (one shared deadline, the hung unit on its own call) does not depend on the value.
 * `call` is the call to time when the test's units run something slower than the default.
 */
export async function hedgeTimeoutSeconds(
    share: number,
    parallel: number,
    minSeconds = 1,
    call: TimedCall = routeCall(),
): Promise<number> {
    const callMs = await slowestCallMs(parallel, call);
    return Math.max(minSeconds, Math.ceil((3 * callMs) / share / 100) / 10);
}

/** A healthy one-unit `juju exec` call: the fake's environment, the unit and its command. */
export interface TimedCall {
    env: NodeJS.ProcessEnv;
    unit: string;
    command: string;
}

const routeCall = (): TimedCall => ({
    env: { ...process.env, FAKE_JUJU_SCENARIO: path.join(FAKE, "scenarios", "juju3-lxd") },
    unit: "magnum/0",
    command: `ip -j route get ${API}`,
});

/** The slowest of `parallel` copies of `call` started at once, in ms. */
async function slowestCallMs(parallel: number, call: TimedCall): Promise<number> {
    const args = ["exec", "-m", "openstack", "--unit", call.unit, "--format=json", "--"];
    const runs = await Promise.all(
        Array.from({ length: Math.max(1, parallel) }, () =>
            runProcess(BIN, [...args, call.command], { timeoutMs: 60_000, env: call.env }),
        ),
    );
    for (const run of runs) {
        assert.strictEqual(run.code, 0, `the fake juju failed: ${run.stderr}`);
    }
    return Math.max(...runs.map((run) => run.ms));
}

/** A mocha timeout for a test that waits out `timeoutSeconds` about `times` times. */
export const mochaTimeoutMs = (timeoutSeconds: number, times = 2) =>
    20_000 + times * timeoutSeconds * 1000;
