// The parsers of the Juju CLI's output (status, exec, run, version), each tested against
// recorded fixtures: hand-written one-liner parsers broke four times during the ruling (ss
// columns, mapped IPv6, greedy grep, wrong log location). What `ip` prints on a unit is parsed
// with the measurement (measure.ts), what the probes print with the checks (verify/).
import { z } from "zod";

/** A unit as `juju status --format=json` shows it. */
export interface JujuUnitStatus {
    unit: string;
    /** "1", or "1/lxd/2" for a LXD container. */
    machine?: string;
    /** The machine's (or container's) own juju-status, when the status names it. */
    machineStatus?: string;
    publicAddress?: string;
    leader: boolean;
    workload: { current: string; message?: string };
    agent: { current: string; message?: string };
    subordinates: string[];
}

/** One unit's outcome of a command run through `juju exec` or `juju run`. */
export interface JujuCommandResult {
    unit: string;
    /** Absent when Juju reported no code (the task failed or was never run). */
    returnCode?: number;
    stdout: string;
    stderr: string;
    /** The task status (Juju 3), e.g. "completed" or "failed". */
    status?: string;
    /** Juju's message about the task: why it failed, or the error instead of a result. */
    message?: string;
}

const UNIT_NAME = /^[a-z][a-z0-9-]*\/\d+$/;

const statusInfo = z.looseObject({
    current: z.string().optional(),
    message: z.string().optional(),
    "status-error": z.string().optional(),
});

const unitStatusSchema = z.looseObject({
    "workload-status": statusInfo.optional(),
    "juju-status": statusInfo.optional(),
    leader: z.boolean().optional(),
    machine: z.string().optional(),
    "public-address": z.string().optional(),
    subordinates: z.record(z.string(), z.unknown()).optional(),
    "status-error": z.string().optional(),
});

interface MachineEntry {
    "juju-status"?: z.infer<typeof statusInfo>;
    containers?: Record<string, MachineEntry>;
}

const machineSchema: z.ZodType<MachineEntry> = z.lazy(() =>
    z.looseObject({
        "juju-status": statusInfo.optional(),
        containers: z.record(z.string(), machineSchema).optional(),
    }),
);

const jujuStatusSchema = z.looseObject({
    machines: z.record(z.string(), machineSchema).optional(),
    applications: z.record(
        z.string(),
        z.looseObject({
            units: z.record(z.string(), unitStatusSchema).optional(),
            "subordinate-to": z.array(z.string()).optional(),
            "status-error": z.string().optional(),
        }),
    ),
});

/** Parses `juju status <app> --format=json`: the application's units, at least one. */
export function parseJujuStatus(json: string, application: string): JujuUnitStatus[] {
    const status = parseWith(jujuStatusSchema, json, "juju status JSON");
    const app = status.applications[application];
    if (!app) {
        const present = Object.keys(status.applications);
        throw new Error(
            `application "${application}" is not in the status ` +
                `(applications: ${present.length > 0 ? present.join(", ") : "none"})`,
        );
    }
    if (app["status-error"] !== undefined) {
        throw new Error(`application "${application}" has a status error: ${app["status-error"]}`);
    }
    const units = Object.entries(app.units ?? {});
    if (units.length === 0) {
        const subordinate = app["subordinate-to"]?.length
            ? `; it is subordinate to ${app["subordinate-to"].join(", ")}`
            : "";
        throw new Error(`application "${application}" has no units${subordinate}`);
    }
    return units
        .map(([unit, entry]) => {
            if (!UNIT_NAME.test(unit) || !unit.startsWith(`${application}/`)) {
                throw new Error(`"${unit}" is not a unit name of application "${application}"`);
            }
            const machine = entry.machine;
            return {
                unit,
                machine,
                machineStatus: machine ? findMachine(status.machines, machine) : undefined,
                publicAddress: entry["public-address"],
                leader: entry.leader === true,
                workload: statusOf(entry["workload-status"], entry["status-error"]),
                agent: statusOf(entry["juju-status"], entry["status-error"]),
                subordinates: Object.keys(entry.subordinates ?? {}).sort(compareUnits),
            };
        })
        .sort((a, b) => compareUnits(a.unit, b.unit));
}

/**
 * Parses Juju 3 `juju exec --format=json`: an object keyed by unit. Juju drops empty stdout and
 * stderr, and the whole `results` when a task produced none.
 */
export function parseJujuExec3(json: string): JujuCommandResult[] {
    const schema = perProcess("juju exec", (z) => {
        const execTaskSchema = z.looseObject({
            id: z.string().optional(),
            status: z.string().optional(),
            unit: z.string().optional(),
            message: z.string().optional(),
            error: z.string().optional(),
            results: z
                .looseObject({
                    "return-code": z.number().int().optional(),
                    stdout: z.string().optional(),
                    stderr: z.string().optional(),
                    "stdout-encoding": z.string().optional(),
                    "stderr-encoding": z.string().optional(),
                })
                .optional(),
        });
        return z.record(z.string(), execTaskSchema);
    });
    const tasks = parseWith(schema, json, "juju exec JSON");
    return Object.entries(tasks).map(([unit, task]) => {
        if (!UNIT_NAME.test(unit)) {
            throw new Error(`"${unit}" is not a unit name`);
        }
        if (task.unit !== undefined && task.unit !== unit) {
            throw new Error(`the result keyed "${unit}" names unit "${task.unit}"`);
        }
        const results = task.results;
        return {
            unit,
            returnCode: results?.["return-code"],
            stdout: decode(results?.stdout, results?.["stdout-encoding"], `${unit} stdout`),
            stderr: decode(results?.stderr, results?.["stderr-encoding"], `${unit} stderr`),
            status: task.status,
            message: task.message ?? task.error,
        };
    });
}

/**
 * Parses Juju 2.9 `juju run --format=json`: a list of results. By `ConvertActionOutput`
 * (cmd/juju/action/common.go, 2.9, compat mode), an action that ran always has `Stdout`, has
 * `ReturnCode` only when it is not 0, `Stderr` only when not empty, and `Stdout-encoding` (older
 * clients: `Stdout.encoding`) for base64. An action that never ran (cancelled, failed before
 * running) has no output at all, only a Message; an entry with Error has no result either: those
 * get no return code.
 */
export function parseJujuRun29(json: string): JujuCommandResult[] {
    const schema = perProcess("juju run", (z) => {
        const runEntrySchema = z.looseObject({
            UnitId: z.string().optional(),
            MachineId: z.string().optional(),
            Stdout: z.string().optional(),
            "Stdout.encoding": z.string().optional(),
            "Stdout-encoding": z.string().optional(),
            Stderr: z.string().optional(),
            "Stderr.encoding": z.string().optional(),
            "Stderr-encoding": z.string().optional(),
            ReturnCode: z.number().int().optional(),
            Message: z.string().optional(),
            Error: z.string().optional(),
        });
        return z.array(runEntrySchema);
    });
    const entries = parseWith(schema, json, "juju run JSON");
    return entries.map((entry, i) => {
        const unit = entry.UnitId;
        if (unit === undefined || !UNIT_NAME.test(unit)) {
            throw new Error(
                `entry ${i} has no unit name in UnitId (${JSON.stringify(unit ?? null)})`,
            );
        }
        const ran = entry.Error === undefined && entry.Stdout !== undefined;
        return {
            unit,
            returnCode:
                entry.Error !== undefined ? undefined : (entry.ReturnCode ?? (ran ? 0 : undefined)),
            stdout: decode(entry.Stdout, encoding29(entry, "Stdout", unit), `${unit} Stdout`),
            stderr: decode(entry.Stderr, encoding29(entry, "Stderr", unit), `${unit} Stderr`),
            message: entry.Error ?? entry.Message,
        };
    });
}

/** Parses `juju version`, e.g. "3.4.2-genericlinux-amd64" or "2.9.46-ubuntu-amd64". */
export function parseJujuVersion(stdout: string): { major: number; minor: number; text: string } {
    const text = stdout.trim().split("\n")[0]?.trim() ?? "";
    const match = /^(\d+)\.(\d+)(?:[.-][\w.-]*)?$/.exec(text);
    if (!match) {
        throw new Error(`${JSON.stringify(text)} is not a Juju version`);
    }
    return { major: Number(match[1]), minor: Number(match[2]), text };
}

/** Orders unit names by application, then by number (magnum/2 before magnum/10). */
export function compareUnits(a: string, b: string): number {
    return a.localeCompare(b, "en", { numeric: true });
}

/**
 * A schema built once per process. runOnUnits runs inside serialized dynamic providers, which
 * cannot capture a zod schema held in module state; one built on every call costs ~10 ms, once
 * per juju call. So it is kept on a global symbol, out of the closure serializer's sight.
 */
function perProcess<T>(name: string, build: (z: typeof import("zod").z) => T): T {
    const { z } = require("zod") as typeof import("zod");
    const key = Symbol.for(`capi-mgmt-ingress.schema.${name}`);
    const cache = globalThis as unknown as Record<symbol, T | undefined>;
    return (cache[key] ??= build(z));
}

export function parseWith<T>(schema: z.ZodType<T>, text: string, what: string): T {
    if (text.trim() === "") {
        throw new Error(`empty output where ${what} was expected`);
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        throw new Error(`not ${what}: ${(err as Error).message}`);
    }
    const result = schema.safeParse(value);
    if (!result.success) {
        const issues = result.error.issues.map(
            (issue) =>
                `${issue.path.length > 0 ? issue.path.join(".") : "top level"}: ${issue.message}`,
        );
        throw new Error(`unexpected ${what}: ${issues.join("; ")}`);
    }
    return result.data;
}

function statusOf(
    info: z.infer<typeof statusInfo> | undefined,
    unitError: string | undefined,
): { current: string; message?: string } {
    if (unitError !== undefined || info?.["status-error"] !== undefined) {
        return { current: "unknown", message: unitError ?? info?.["status-error"] };
    }
    return { current: info?.current ?? "unknown", message: info?.message };
}

function findMachine(
    machines: Record<string, MachineEntry> | undefined,
    id: string,
): string | undefined {
    // "4/lxd/1/lxd/0" is container "4/lxd/1/lxd/0" under container "4/lxd/1" under machine "4":
    // Juju nests each container, keyed by its full id, in its parent's `containers`.
    const parts = id.split("/");
    if (parts.length % 2 === 0) {
        return undefined;
    }
    let entry = machines?.[parts[0]];
    for (let depth = 3; entry !== undefined && depth <= parts.length; depth += 2) {
        entry = entry.containers?.[parts.slice(0, depth).join("/")];
    }
    return entry?.["juju-status"]?.current;
}

/** `Stdout-encoding` (2.9's ConvertActionOutput) or `Stdout.encoding`; both must agree. */
function encoding29(
    entry: Record<string, unknown>,
    stream: "Stdout" | "Stderr",
    unit: string,
): string | undefined {
    const dash = entry[`${stream}-encoding`] as string | undefined;
    const dot = entry[`${stream}.encoding`] as string | undefined;
    if (dash !== undefined && dot !== undefined && dash !== dot) {
        throw new Error(
            `${unit} has both ${stream}-encoding "${dash}" and ${stream}.encoding "${dot}"`,
        );
    }
    return dash ?? dot;
}

function decode(text: string | undefined, encoding: string | undefined, what: string): string {
    if (text === undefined) {
        return "";
    }
    if (encoding === undefined || encoding === "") {
        return text;
    }
    if (encoding !== "base64") {
        throw new Error(`${what} has an unknown encoding "${encoding}"`);
    }
    return Buffer.from(text, "base64").toString("utf8");
}
