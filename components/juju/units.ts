// Running commands on the Magnum conductor units through the Juju CLI (`juju exec` on Juju 3,
// `juju run` on 2.9): the flavor, the units, and one outcome per unit, whatever Juju printed.
// What is measured with it is in measure.ts.
import { ProcessRun, runProcess } from "../process/run";
import { slots } from "./bounded";
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

/**
 * The most units one juju call names. Juju runs a call's tasks in parallel, but Juju 3's CLI then
 * fetches each task's result with an API request of its own, one after the other
 * (`GetActionResult` in cmd/juju/action/common.go): a call's tail grows with its units, while
 * each call costs a process start and a login on this host. A hundred keeps that tail to about a
 * tenth of a round trip and 300 units to three processes.
 */
const MAX_UNITS_PER_CALL = 100;

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
 * The application's units and the flavor, asked side by side: two juju processes at once, not
 * one after the other. A failed listing is reported before a failed detection.
 */
export async function unitsAndFlavor(
    t: JujuTarget,
): Promise<{ units: UnitStatus[]; flavor: Flavor }> {
    const [units, flavor] = await Promise.allSettled([listUnits(t), detectFlavor(t)]);
    if (units.status === "rejected") {
        throw units.reason;
    }
    if (flavor.status === "rejected") {
        throw flavor.reason;
    }
    return { units: units.value, flavor: flavor.value };
}

/**
 * Runs a read-only shell command on each unit; one outcome per unit, in the order given. Every
 * unit has `timeoutSeconds` from the start to answer, once: a unit that hangs costs one timeout.
 *
 * Units share as few juju calls as MAX_UNITS_PER_CALL and `concurrency` allow: Juju runs a
 * call's tasks on all its units in parallel, so a call costs one controller round trip however
 * many units it names, where one process per unit would cost a start and a login each. A call
 * can only fail as a whole, though: one hung unit keeps Juju 3 from printing any result
 * (`waitForTasks` returns its timeout error before writing them), and a timeout kills them all.
 * So a call still running halfway to the deadline is hedged: its units are asked again, split
 * over up to `concurrency` calls of their own with what is left, which are hedged the same way.
 * Within a few halvings the hung unit is alone in its call, and every other unit has its own
 * answer. The first answer per unit wins and calls whose units all answered are killed; a unit
 * that never answers gets the outcome of the smallest call that named it. Units a finished call
 * gave no result for (not scheduled) are asked again the same way at once. Those second tries
 * are why the command must be read-only. At most `concurrency` calls run that are not hedged:
 * a hedged call hands its slot to its hedges, so they never wait behind it.
 */
export async function runOnUnits(
    t: JujuTarget,
    units: string[],
    command: string,
    flavor?: Flavor,
    /** Epoch ms: a caller's own deadline to share; by default `timeoutSeconds` from the start. */
    until?: number,
): Promise<UnitRun[]> {
    if (units.length === 0) {
        return [];
    }
    const how = flavor ?? (await detectFlavor(t));
    const deadline = until ?? Date.now() + t.timeoutSeconds * 1000;
    const answers = new Map<string, UnitRun>();
    // Outcomes without an answer, kept from the call that named the fewest units.
    const fallbacks = new Map<string, { run: UnitRun; size: number }>();
    const running = new Set<{ units: string[]; abort: AbortController }>();
    const pool = slots(t.concurrency);
    const unanswered = (group: string[]) => group.filter((unit) => !answers.has(unit));

    const ask = async (group: string[]): Promise<void> => {
        const release = await pool.acquire();
        const left = deadline - Date.now();
        if (left <= 0 || unanswered(group).length === 0) {
            release();
            return;
        }
        const call = { units: group, abort: new AbortController() };
        let hedged: Promise<unknown> | undefined;
        // A hedged call gives its slot to its hedges: they never wait behind it.
        const hedge = () => {
            release();
            return (hedged ??= Promise.all(
                split(unanswered(group), Math.max(2, t.concurrency)).map(ask),
            ));
        };
        const timer = group.length > 1 ? setTimeout(hedge, left / 2) : undefined;
        running.add(call);
        const result = await runCall(t, how, group, command, left, call.abort.signal);
        running.delete(call);
        clearTimeout(timer);
        release();
        for (const { unit, run, answered } of result) {
            if (answered) {
                if (!answers.has(unit)) {
                    answers.set(unit, run);
                }
            } else if ((fallbacks.get(unit)?.size ?? Infinity) > group.length) {
                fallbacks.set(unit, { run, size: group.length });
            }
        }
        // Calls still running for units that all have an answer now are killed.
        for (const other of running) {
            if (unanswered(other.units).length === 0) {
                other.abort.abort();
            }
        }
        if (group.length > 1 && unanswered(group).length > 0) {
            await hedge();
        } else if (hedged !== undefined) {
            await hedged;
        }
    };

    const perCall = Math.max(MAX_UNITS_PER_CALL, Math.ceil(units.length / t.concurrency));
    await Promise.all(split(units, Math.ceil(units.length / perCall)).map(ask));
    return units.map((unit) => answers.get(unit) ?? fallbacks.get(unit)!.run);
}

/** `items` in at most `parts` groups of near-equal size, in order. */
function split<T>(items: T[], parts: number): T[][] {
    const size = Math.ceil(items.length / Math.max(1, parts));
    const groups: T[][] = [];
    for (let i = 0; i < items.length; i += size) {
        groups.push(items.slice(i, i + size));
    }
    return groups;
}

/**
 * One juju call over some units: an outcome for each, answered when Juju gave a result for the
 * unit, unanswered (timed out, killed, no result, unreadable output) otherwise.
 */
async function runCall(
    t: JujuTarget,
    flavor: Flavor,
    units: string[],
    command: string,
    timeoutMs: number,
    signal?: AbortSignal,
): Promise<{ unit: string; run: UnitRun; answered: boolean }[]> {
    const args =
        flavor === "exec"
            ? ["exec", "-m", t.model, "--unit", units.join(","), "--format=json", "--", command]
            : ["run", "-m", t.model, "--unit", units.join(","), "--format=json", command];
    const line = commandLine(t, args);
    const outcome = await runJuju(t, args, timeoutMs, signal);
    const { results, parseProblem } = readResults(flavor, outcome);
    const byUnit = new Map(results.map((r) => [r.unit, r]));
    return units.map((unit) => {
        const result = byUnit.get(unit);
        return result
            ? // Juju's own error text names task ids, not units: it only helps a one-unit call.
              { unit, run: fromResult(result, line, outcome, units.length === 1), answered: true }
            : { unit, run: withoutResult(unit, line, outcome, parseProblem), answered: false };
    });
}

/**
 * What a finished juju exec/run call printed: its results, none when it timed out, could not
 * start or printed nothing, or why its output does not parse.
 */
export function readResults(
    flavor: Flavor,
    outcome: ProcessRun,
): { results: JujuCommandResult[]; parseProblem?: string } {
    if (outcome.timedOut || outcome.error !== undefined || outcome.stdout.trim() === "") {
        return { results: [] };
    }
    try {
        return {
            results:
                flavor === "exec" ? parseJujuExec3(outcome.stdout) : parseJujuRun29(outcome.stdout),
        };
    } catch (err) {
        return { results: [], parseProblem: message(err) };
    }
}

/** One unit's outcome from its result in a call's output. */
export function fromResult(
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

export function runJuju(
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

export function commandLine(t: JujuTarget, args: string[]): string {
    return [t.bin ?? "juju", ...args].map(shellQuote).join(" ");
}
