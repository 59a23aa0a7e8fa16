// Running a read-only command on every unit of the application with one juju call that names
// the application, started beside `juju status` instead of after it, and trusted only when it
// answered for exactly the units the status lists; otherwise the per-unit calls of runOnUnits.
import { JujuCommandResult } from "./parse";
import {
    commandLine,
    detectFlavor,
    Flavor,
    fromResult,
    JujuTarget,
    readResults,
    runJuju,
    runOnUnits,
    unitsAndFlavor,
    UnitRun,
    UnitStatus,
} from "./units";

export interface ApplicationRuns {
    /** The application's units from `juju status`, in unit order. */
    units: UnitStatus[];
    flavor: Flavor;
    /** One outcome per unit, in the order of `units`. */
    runs: UnitRun[];
}

/**
 * Runs `command` on every unit of `t.application`: one outcome per unit `juju status` lists,
 * within one `timeoutSeconds` in all (a unit that hangs costs one timeout).
 *
 * `juju exec --application <app>` (Juju 3) or `juju run --application <app>` (2.9) starts as
 * soon as the flavor is known, while `juju status` is still running: the controller expands the
 * application to all its units in state, whatever their status, sorted by name
 * (`getAllUnitNames` in apiserver/facades/client/action/run.go), the set `juju status` lists
 * unless the model changed in between. Its answer is used only when it names each listed unit
 * exactly once and no other unit (`coveredExactly`); units whose result is not a success are
 * asked again through runOnUnits, so their error names their own call. When the call fails,
 * prints an answer for other units, or is still running halfway to the deadline (hedged like a
 * call of runOnUnits: one hung unit keeps Juju from printing any result), it is killed and every
 * listed unit is asked through runOnUnits with what is left of the same deadline.
 *
 * The flavor comes first: `juju version` prints the client's own version without contacting the
 * controller (cmd/juju/commands/version.go reads jujuversion.Current), so waiting for it costs a
 * local process start, not a round trip, where trying one form and then the other would cost a
 * second round trip on 2.9.
 *
 * The cost: Juju 3's CLI fetches each task's result with a request of its own, one after the
 * other (`GetActionResult` in cmd/juju/action/common.go), so over hundreds of units this one
 * call has a longer tail than runOnUnits' calls of at most a hundred units each.
 *
 * Throws the JujuError of a failed listing or flavor detection. The command must be read-only:
 * a unit may run it twice.
 */
export async function runOnApplication(t: JujuTarget, command: string): Promise<ApplicationRuns> {
    const started = Date.now();
    const deadline = started + t.timeoutSeconds * 1000;
    const abort = new AbortController();
    const wide = detectFlavor(t).then(
        (flavor) => callApplication(t, flavor, command, deadline, abort.signal),
        () => undefined,
    );
    let listed: { units: UnitStatus[]; flavor: Flavor };
    try {
        listed = await unitsAndFlavor(t);
    } catch (err) {
        abort.abort();
        throw err;
    }
    const { units, flavor } = listed;
    const names = units.map((u) => u.unit);
    let timer: NodeJS.Timeout | undefined;
    const halfway = new Promise<undefined>((resolve) => {
        timer = setTimeout(
            () => resolve(undefined),
            started + (deadline - started) / 2 - Date.now(),
        );
    });
    const answer = await Promise.race([wide, halfway]);
    clearTimeout(timer);
    const byUnit = answer && coveredExactly(answer.results, names);
    if (!answer || !byUnit) {
        abort.abort();
        return { units, flavor, runs: await runOnUnits(t, names, command, flavor, deadline) };
    }
    const runs = names.map((unit) =>
        fromResult(byUnit.get(unit)!, answer.line, answer.outcome, false),
    );
    const failed = runs.filter((run) => !run.ok).map((run) => run.unit);
    const again = new Map(
        (await runOnUnits(t, failed, command, flavor, deadline)).map((run) => [run.unit, run]),
    );
    return { units, flavor, runs: runs.map((run) => again.get(run.unit) ?? run) };
}

/**
 * The results by unit when they name each of `units` exactly once and no other unit; undefined
 * otherwise (a unit missing, an extra unit, a unit twice): nothing is read from such an answer.
 */
export function coveredExactly(
    results: JujuCommandResult[],
    units: string[],
): Map<string, JujuCommandResult> | undefined {
    const byUnit = new Map(results.map((r) => [r.unit, r]));
    if (byUnit.size !== results.length || byUnit.size !== units.length) {
        return undefined;
    }
    return units.every((unit) => byUnit.has(unit)) ? byUnit : undefined;
}

async function callApplication(
    t: JujuTarget,
    flavor: Flavor,
    command: string,
    deadline: number,
    signal: AbortSignal,
) {
    const target = ["-m", t.model, "--application", t.application, "--format=json"];
    const args =
        flavor === "exec" ? ["exec", ...target, "--", command] : ["run", ...target, command];
    const outcome = await runJuju(t, args, deadline - Date.now(), signal);
    return { line: commandLine(t, args), outcome, results: readResults(flavor, outcome).results };
}
