// How a failed Juju call is reported: which unit, in what status, which command, what was
// expected and what came back, with the unit's output quoted within a bound.
import { JujuUnitStatus } from "./parse";
import { maskSecrets } from "../mask";

export interface JujuFailure {
    /** Absent when the failed call was not about one unit (juju version, juju status). */
    unit?: string;
    /** The unit's status when it is not healthy, e.g. 'workload error: hook failed: "install"'. */
    status?: string;
    command: string;
    expected: string;
    got: string;
}

export class JujuError extends Error {
    constructor(
        readonly summary: string,
        readonly failures: JujuFailure[],
    ) {
        // Units' output and statuses are free text: masked (safety invariant 5).
        super(maskSecrets(`${summary}:\n${failures.map(formatFailure).join("\n")}`));
        this.name = "JujuError";
    }
}

/** How much of a unit's stdout/stderr an error message quotes. */
const QUOTE_LIMIT = 500;

/** The unit's status when it is not plainly healthy, for errors and provenance. */
export function unhealthy(unit: JujuUnitStatus): string | undefined {
    const notes: string[] = [];
    if (unit.workload.current !== "active") {
        notes.push(statusNote("workload", unit.workload));
    }
    if (unit.agent.current !== "idle" && unit.agent.current !== "executing") {
        notes.push(statusNote("agent", unit.agent));
    }
    if (unit.machineStatus !== undefined && unit.machineStatus !== "started") {
        notes.push(`machine ${unit.machine} ${unit.machineStatus}`);
    }
    return notes.length > 0 ? notes.join(", ") : undefined;
}

function statusNote(what: string, status: { current: string; message?: string }): string {
    return `${what} ${status.current}${status.message ? `: ${status.message}` : ""}`;
}

function formatFailure(f: JujuFailure): string {
    const who = f.unit === undefined ? "" : `${f.unit}${f.status ? ` [${f.status}]` : ""}: `;
    return `  - ${who}ran ${f.command}; expected ${f.expected}; got ${f.got}`;
}

export function shellQuote(word: string): string {
    return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** At most QUOTE_LIMIT characters of output, as a JSON string so newlines stay visible. */
export function quote(text: string): string {
    if (text.length <= QUOTE_LIMIT) {
        return JSON.stringify(text);
    }
    return `${JSON.stringify(text.slice(0, QUOTE_LIMIT))}… (${text.length - QUOTE_LIMIT} more characters)`;
}

export function message(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
