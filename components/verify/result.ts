// What every check returns, and the few text helpers the checks share. The checks run inside
// serialized dynamic providers too: node built-ins are required inside function bodies, and the
// probes' directory is a plain string the closure serializer captures.
import { maskSecrets } from "../mask";

export interface ApiEndpoint {
    address: string;
    port: number;
}

export interface CheckResult {
    /** conductor, operator, tenant, or custom:<name>. */
    check: string;
    /** The unit, kubeconfig, pod or command name the check ran against. */
    target: string;
    /** connected/refused/timeout/error for TCP probes; ok/not-ready/http-<status>/tls-... for readyz. */
    outcome: string;
    passed: boolean;
    ms: number;
    /** The connection's measured source address (conductor handshakes). */
    source?: string;
    /** What was checked and, on failure, what was expected against what came back. */
    detail: string;
}

/**
 * The result with credentials in its target and detail masked (maskSecrets): a detail quotes
 * what the check met (kubectl's streams, a server's URL and answer, an expectation), and any of
 * it may hold a token or password (safety invariant 5).
 */
export function maskedResult(result: CheckResult): CheckResult {
    return { ...result, target: maskSecrets(result.target), detail: maskSecrets(result.detail) };
}

// Resolved where this module loads: under the engine, the serialized providers capture this
// path, and the files it names ship with the project (components/verify/probes).
const PROBES_DIR: string = (require("node:path") as typeof import("node:path")).join(
    __dirname,
    "probes",
);

/** The text of a probe program in components/verify/probes (e.g. "conductor_probe.py"). */
export function readProbe(file: string): string {
    const fs = require("node:fs") as typeof import("node:fs");
    return fs.readFileSync(`${PROBES_DIR}/${file}`, "utf8");
}

/** The absolute path of a probe program, for `node <file>`. */
export function probePath(file: string): string {
    return `${PROBES_DIR}/${file}`;
}

export function expandHome(path: string): string {
    if (path === "~" || path.startsWith("~/")) {
        const os = require("node:os") as typeof import("node:os");
        return os.homedir() + path.slice(1);
    }
    return path;
}

/** The last three lines of a text, on one line, at most 200 characters. */
export function oneLine(text: string): string {
    return excerpt(text.trim().split("\n").slice(-3).join(" | "), 200);
}

export function excerpt(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max)}...` : text;
}

export function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
