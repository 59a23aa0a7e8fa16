// The parsers of what the checks' probes print (components/verify/probes): one marked line each,
// nothing else is read. They run inside serialized dynamic providers too, so they reach zod
// through require (a captured schema cannot be serialized) and capture only free functions.
import { maskSecrets } from "../mask";
import * as cidr from "../model/cidr";

export type TcpOutcome = "connected" | "refused" | "timeout" | "error";

export interface TcpProbe {
    outcome: TcpOutcome;
    /** The connection's local address as the prober saw it, when connected and reported. */
    source?: string;
    ms: number;
    /** What went wrong, for refused/timeout/error outcomes that said so. */
    error?: string;
}

/** Reads the unit probe's single `{"probe":"tcp",...}` line (python3 on the conductor units). */
export function parseTcpProbe(stdout: string): TcpProbe {
    const candidates = stdout
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.startsWith("{") && line.includes('"probe"'));
    if (candidates.length !== 1) {
        throw new Error(
            `expected exactly one {"probe":"tcp",...} line, found ${candidates.length} in ` +
                excerpt(stdout),
        );
    }
    let json: unknown;
    try {
        json = JSON.parse(candidates[0]);
    } catch (err) {
        throw new Error(`the probe line is not JSON (${(err as Error).message}): ${candidates[0]}`);
    }
    const problems = tcpProbeProblems(json);
    if (problems.length > 0) {
        throw new Error(
            `the probe line does not have the expected fields (${problems.join("; ")}): ${candidates[0]}`,
        );
    }
    const probe = json as { outcome: TcpOutcome; source: string; ms: number; error?: string };
    if (probe.outcome === "connected") {
        // Mapped IPv6 (::ffff:a.b.c.d) from a dual-stack socket becomes the IPv4 address.
        return {
            outcome: "connected",
            source: cidr.parseHostAddress(probe.source).address,
            ms: probe.ms,
        };
    }
    return { outcome: probe.outcome, ms: probe.ms, error: probe.error };
}

/**
 * What is wrong with a probe line's fields, checked by hand: this runs once per unit, hundreds of
 * times per verification, where building a schema each time (it cannot be captured) costs more
 * than the probe.
 */
function tcpProbeProblems(json: unknown): string[] {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
        return ["line: expected an object"];
    }
    const line = json as Record<string, unknown>;
    const problems: string[] = [];
    const outcomes = ["connected", "refused", "timeout", "error"];
    if (line.probe !== "tcp") {
        problems.push('probe: expected "tcp"');
    }
    if (typeof line.outcome !== "string" || !outcomes.includes(line.outcome)) {
        problems.push(`outcome: expected one of ${outcomes.join(", ")}`);
    }
    if (typeof line.ms !== "number" || !(line.ms >= 0)) {
        problems.push("ms: expected a number of milliseconds, 0 or more");
    }
    if (line.outcome === "connected" && (typeof line.source !== "string" || line.source === "")) {
        problems.push("source: expected the connection's local address");
    }
    if (line.error !== undefined && typeof line.error !== "string") {
        problems.push("error: expected a string");
    }
    return problems;
}

/**
 * Reads the pod probe's `tcp-probe state=... rc=... elapsed_cs=... timeout_s=... err=...` line.
 * nc builds differ in what they print (busybox's small nc says "timed out", its bloaty one says
 * nothing without -v), so a silent failure that lasted the whole timeout counts as a timeout.
 */
export function parseNcProbe(stdout: string): TcpProbe {
    const lines = stdout.split("\n").filter((line) => line.startsWith("tcp-probe "));
    if (lines.length !== 1) {
        throw new Error(
            `expected exactly one "tcp-probe state=..." line, found ${lines.length} in ${excerpt(stdout)}`,
        );
    }
    const match =
        /^tcp-probe state=(exited|missing) rc=(\d+) elapsed_cs=(\d+) timeout_s=(\d+) err=(.*)$/.exec(
            lines[0].trimEnd(),
        );
    if (!match) {
        throw new Error(`the probe line does not have the expected fields: ${lines[0]}`);
    }
    const [, state, rcText, elapsedText, timeoutText, err] = match;
    const rc = Number(rcText);
    const ms = Number(elapsedText) * 10;
    const timeoutMs = Number(timeoutText) * 1000;
    const error = err.trim();
    if (state === "missing") {
        return { outcome: "error", ms, error: error || "no nc in the pod" };
    }
    // 0: connected and closed; 128+: the watchdog killed an nc still holding a connection.
    if (rc === 0 || rc >= 128) {
        return { outcome: "connected", ms };
    }
    if (/refused/i.test(error)) {
        return { outcome: "refused", ms, error };
    }
    if (/timed?[ -]?out/i.test(error) || (error === "" && ms >= timeoutMs - 500)) {
        return { outcome: "timeout", ms, error: error || undefined };
    }
    return {
        outcome: "error",
        ms,
        error: error || `nc exited ${rc} after ${ms} ms without a message`,
    };
}

export interface Readyz {
    ready: boolean;
    /** The `[-]name failed: reason` lines, without the marker. */
    failing: string[];
}

/** A `GET /readyz` answer: ready only on 200 with the body `ok`. */
export function parseReadyz(status: number, body: string): Readyz {
    const failing = body
        .split("\n")
        .map((line) => /^\[-\]\s*(.+?)\s*$/.exec(line)?.[1])
        .filter((line): line is string => line !== undefined);
    return { ready: status === 200 && body.trim() === "ok", failing };
}

export interface CustomVerdict {
    name: string;
    passed: boolean;
    /** null when the command was killed (timeout) or could not start. */
    exitCode: number | null;
    ms: number;
    detail: string;
}

/** Reads the `{"customCheck":...}` verdict line the custom check wrapper prints last. */
export function parseCustomVerdict(stdout: string): CustomVerdict {
    const { z } = require("zod") as typeof import("zod");
    const schema = z.object({
        customCheck: z.string().min(1),
        passed: z.boolean(),
        exitCode: z.number().int().nullable(),
        ms: z.number().nonnegative(),
        detail: z.string(),
    });
    const line = stdout
        .split("\n")
        .reverse()
        .find((l) => l.startsWith('{"customCheck":'));
    if (line === undefined) {
        throw new Error(
            `expected a {"customCheck":...} verdict line in ${maskSecrets(excerpt(stdout))}`,
        );
    }
    let json: unknown;
    try {
        json = JSON.parse(line);
    } catch (err) {
        throw new Error(
            `the verdict line is not JSON (${(err as Error).message}): ${maskSecrets(line)}`,
        );
    }
    const result = schema.safeParse(json);
    if (!result.success) {
        throw new Error(`the verdict line does not have the expected fields: ${maskSecrets(line)}`);
    }
    const { customCheck, detail, ...rest } = result.data;
    // The detail quotes the expectation, which may name a credential.
    return { name: customCheck, detail: maskSecrets(detail), ...rest };
}

function excerpt(text: string): string {
    const trimmed = text.trim();
    if (trimmed === "") {
        return "empty output";
    }
    return `output "${trimmed.length > 300 ? `${trimmed.slice(0, 300)}...` : trimmed}"`;
}
