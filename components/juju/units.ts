// Running commands on the Magnum conductor units through the Juju CLI (`juju exec` on Juju 3,
// `juju run` on 2.9): the flavor, the units, and one outcome per unit, whatever Juju printed.
// What is measured with it is in measure.ts.
import { ProcessRun, runProcess } from "../process/run";
import { bounded, mapBounded } from "./bounded";
import {
    JujuCommandResult,
    JujuUnitStatus,
    parseJujuExec3,
    parseJujuRun29,
    parseJujuStatus,
    parseJujuVersion,
} from "./parse";
import { JujuError, message, quote, shellQuote } from "./failure";

export { JujuError, message, quote, shellQuote, unhealthy } from "./failure";
export type { JujuFailure } from "./failure";

/** "exec": Juju 3 `juju exec`; "run": Juju 2.9 `juju run` (in Juju 3 `run` runs actions). */
export type Flavor = "exec" | "run";

export interface JujuTarget {
    model: string;
    application: string;
    /** The juju executable; "juju" on PATH by default. */
    bin?: string;
    /** Per juju call: a unit that has not answered by then is reported as timed out. */
    timeoutSeconds: number;
    /** The most juju processes running at once. */
    concurrency: number;
    env?: NodeJS.ProcessEnv;
}

export type UnitStatus = JujuUnitStatus;

/** One unit's outcome of `runOnUnits`. */
export interface UnitRun {
    unit: string;
    /** Exit code 0 and a completed task. */
    ok: boolean;
    /** null when Juju gave no code: timed out, not scheduled, or no result for the unit. */
    returnCode: number | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
    /** Wall time of the juju call that produced this outcome. */
    ms: number;
    /** The juju command line that produced this outcome, as a shell would read it. */
    commandLine: string;
    /** What went wrong besides the return code: Juju's message or the CLI's own error. */
    problem?: string;
}

/** Units a juju call names at least (when there are that many): fewer processes, same latency. */
const MIN_UNITS_PER_CALL = 8;

interface Session {
    flavor?: Promise<Flavor>;
    units?: Promise<UnitStatus[]>;
}

// One run evaluates the stack config once, so its target object identifies the run: the flavor
// is detected and the units are listed once, and every step sees the same unit set.
const sessions = new WeakMap<JujuTarget, Session>();

function session(t: JujuTarget): Session {
    let s = sessions.get(t);
    if (!s) {
        s = {};
        sessions.set(t, s);
    }
    return s;
}

/** `juju version` → "run" for 2.x, "exec" for 3.x and later; detected once per target. */
export function detectFlavor(t: JujuTarget): Promise<Flavor> {
    const s = session(t);
    s.flavor ??= (async () => {
        const args = ["version"];
        const outcome = await runJuju(t, args);
        const command = commandLine(t, args);
        if (!succeeded(outcome)) {
            throw new JujuError("cannot detect the Juju version", [
                { command, expected: "exit 0 and a version", got: describeProcess(outcome) },
            ]);
        }
        let major: number;
        try {
            major = parseJujuVersion(outcome.stdout).major;
        } catch (err) {
            throw new JujuError("cannot detect the Juju version", [
                {
                    command,
                    expected: 'a version such as "3.4.2-genericlinux-amd64"',
                    got: message(err),
                },
            ]);
        }
        if (major < 2) {
            throw new JujuError("unsupported Juju version", [
                { command, expected: "Juju 2.9 or 3.x", got: outcome.stdout.trim() },
            ]);
        }
        return major === 2 ? "run" : "exec";
    })();
    return s.flavor;
}

/** The application's units from `juju status`, at least one; listed once per target. */
export function listUnits(t: JujuTarget): Promise<UnitStatus[]> {
    const s = session(t);
    s.units ??= (async () => {
        const args = ["status", "-m", t.model, t.application, "--format=json"];
        const outcome = await runJuju(t, args);
        const summary = `cannot list the units of ${t.application} in model ${t.model}`;
        const command = commandLine(t, args);
        if (!succeeded(outcome)) {
            throw new JujuError(summary, [
                {
                    command,
                    expected: "exit 0 and the status as JSON",
                    got: describeProcess(outcome),
                },
            ]);
        }
        try {
            return parseJujuStatus(outcome.stdout, t.application);
        } catch (err) {
            throw new JujuError(summary, [
                {
                    command,
                    expected: `the status of application ${t.application} with at least one unit`,
                    got: `${message(err)}; stdout ${quote(outcome.stdout)}`,
                },
            ]);
        }
    })();
    return s.units;
}

/**
 * Runs a read-only shell command on each unit; one outcome per unit, in the order given. Every
 * unit has `timeoutSeconds` from the start to answer, once: a unit that hangs costs one timeout.
 *
 * Units are spread over at most `concurrency` juju calls, several units to a call: Juju runs
 * a call's tasks on all its units in parallel and returns every result, so a call costs one
 * controller round trip however many units it names, where one process per unit would cost
 * one login each and queue behind the bound. A call can only fail as a whole, though (a hung
 * unit keeps Juju 3 from printing any result, a timeout kills them all). So a call still
 * running at half the timeout is hedged: each of its units is also asked in a call of its own
 * with the other half, which yields its own outcome, timeout or error; the first answer per
 * unit wins and the other call is killed. A unit that shares a call with a hung one thus has
 * half the timeout on its own. Units a finished call gave no result for (not scheduled) are
 * asked alone too, within what is left of the timeout. Those second tries are why the command
 * must be read-only.
 */
export async function runOnUnits(
    t: JujuTarget,
    units: string[],
    command: string,
    flavor?: Flavor,
): Promise<UnitRun[]> {
    if (units.length === 0) {
        return [];
    }
    const how = flavor ?? (await detectFlavor(t));
    const budgetMs = t.timeoutSeconds * 1000;
    const deadline = Date.now() + budgetMs;
    // Each juju process costs a login and a start on this host: a few units to a call at least.
    const perCall = Math.max(
        MIN_UNITS_PER_CALL,
        Math.ceil(units.length / Math.max(1, t.concurrency)),
    );
    const calls: string[][] = [];
    for (let i = 0; i < units.length; i += perCall) {
        calls.push(units.slice(i, i + perCall));
    }
    const runs = new Map<string, UnitRun>();
    // Calls of one unit have their own bound: they must not wait behind the calls they hedge.
    // Each has its own timer from when it starts, so one queued behind a hung unit's call is
    // not charged for that wait.
    const alone = bounded(t.concurrency);
    const askAlone = async (unit: string, timeoutMs: number, signal?: AbortSignal) => {
        const result = await alone(() =>
            signal?.aborted
                ? Promise.resolve(undefined)
                : runCall(t, how, [unit], command, timeoutMs, signal),
        );
        return result?.runs[0];
    };
    await mapBounded(calls, t.concurrency, async (call) => {
        if (call.length === 1) {
            (await runCall(t, how, call, command, budgetMs)).runs.forEach((r) =>
                runs.set(r.unit, r),
            );
            return;
        }
        const abort = new AbortController();
        let hedges: Promise<(UnitRun | undefined)[]> | undefined;
        const timer = setTimeout(() => {
            hedges = Promise.all(call.map((unit) => askAlone(unit, budgetMs / 2, abort.signal)));
        }, budgetMs / 2);
        const result = await runCall(t, how, call, command, budgetMs);
        clearTimeout(timer);
        result.runs.forEach((r) => runs.set(r.unit, r));
        if (hedges === undefined) {
            const left = Math.max(0, deadline - Date.now());
            for (const run of await Promise.all(
                result.unattributed.map((u) => askAlone(u, left)),
            )) {
                runs.set(run!.unit, run!);
            }
            return;
        }
        if (result.unattributed.length === 0) {
            abort.abort();
        }
        for (const run of await hedges) {
            if (run !== undefined && !runs.has(run.unit)) {
                runs.set(run.unit, run);
            }
        }
    });
    return units.map((unit) => runs.get(unit) as UnitRun);
}

/** One juju call over some units; units it gave no result for come back as unattributed. */
async function runCall(
    t: JujuTarget,
    flavor: Flavor,
    units: string[],
    command: string,
    timeoutMs: number,
    signal?: AbortSignal,
): Promise<{ runs: UnitRun[]; unattributed: string[] }> {
    const args =
        flavor === "exec"
            ? ["exec", "-m", t.model, "--unit", units.join(","), "--format=json", "--", command]
            : ["run", "-m", t.model, "--unit", units.join(","), "--format=json", command];
    const line = commandLine(t, args);
    const outcome = await runJuju(t, args, timeoutMs, signal);
    let results: JujuCommandResult[] = [];
    let parseProblem: string | undefined;
    if (!outcome.timedOut && outcome.error === undefined && outcome.stdout.trim() !== "") {
        try {
            results =
                flavor === "exec" ? parseJujuExec3(outcome.stdout) : parseJujuRun29(outcome.stdout);
        } catch (err) {
            parseProblem = message(err);
        }
    }
    const byUnit = new Map(results.map((r) => [r.unit, r]));
    const runs: UnitRun[] = [];
    const unattributed: string[] = [];
    for (const unit of units) {
        const result = byUnit.get(unit);
        if (result) {
            // Juju's own error text names task ids, not units: it only helps a one-unit call.
            runs.push(fromResult(result, line, outcome, units.length === 1));
        } else if (units.length > 1) {
            unattributed.push(unit);
        } else {
            runs.push(withoutResult(unit, line, outcome, parseProblem));
        }
    }
    return { runs, unattributed };
}

function fromResult(
    result: JujuCommandResult,
    line: string,
    outcome: ProcessRun,
    ownCall: boolean,
): UnitRun {
    // Juju 3 reports a task status; 2.9 reports a Message only when something went wrong.
    const completed =
        result.status === undefined ? result.message === undefined : result.status === "completed";
    const ok = completed && result.returnCode === 0;
    const problems = [
        result.message,
        result.status !== undefined && result.status !== "completed"
            ? `task ${result.status}`
            : undefined,
        !ok && ownCall && outcome.stderr.trim() !== ""
            ? `juju: ${quote(outcome.stderr)}`
            : undefined,
    ].filter((p) => p !== undefined);
    return {
        unit: result.unit,
        ok,
        returnCode: result.returnCode ?? null,
        stdout: result.stdout,
        stderr: result.stderr,
        timedOut: false,
        ms: outcome.ms,
        commandLine: line,
        problem: problems.length > 0 ? problems.join("; ") : undefined,
    };
}

function withoutResult(
    unit: string,
    line: string,
    outcome: ProcessRun,
    parseProblem: string | undefined,
): UnitRun {
    const why = outcome.timedOut
        ? "the juju process group was killed"
        : (outcome.error ??
          (parseProblem !== undefined
              ? `juju's output does not parse: ${parseProblem}`
              : `juju gave no result for ${unit} (${outcome.code !== null ? `exit ${outcome.code}` : `killed by ${outcome.signal}`})`));
    const said = outcome.stderr.trim() !== "" ? `; juju: ${quote(outcome.stderr)}` : "";
    return {
        unit,
        ok: false,
        returnCode: null,
        stdout: outcome.stdout,
        stderr: "",
        timedOut: outcome.timedOut,
        ms: outcome.ms,
        commandLine: line,
        problem: `${why}${said}`,
    };
}

function runJuju(
    t: JujuTarget,
    args: string[],
    timeoutMs = t.timeoutSeconds * 1000,
    signal?: AbortSignal,
): Promise<ProcessRun> {
    return runProcess(t.bin ?? "juju", args, {
        timeoutMs,
        env: { ...(t.env ?? process.env), NO_COLOR: "1" },
        signal,
    });
}

function succeeded(outcome: ProcessRun): boolean {
    return outcome.code === 0 && !outcome.timedOut && outcome.error === undefined;
}

function describeProcess(outcome: ProcessRun): string {
    const how = outcome.timedOut
        ? `timed out after ${outcome.ms} ms`
        : (outcome.error ??
          (outcome.code !== null ? `exit ${outcome.code}` : `killed by ${outcome.signal}`));
    return `${how}; stderr ${quote(outcome.stderr)}`;
}

function commandLine(t: JujuTarget, args: string[]): string {
    return [t.bin ?? "juju", ...args].map(shellQuote).join(" ");
}
