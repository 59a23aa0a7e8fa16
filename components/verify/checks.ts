// The post-deploy checks: conductor handshake, operator /readyz, tenant isolation and custom
// commands. One code path: the dynamic resources (checks-resources.ts) and `npm run verify` call
// these free functions. They are serialized into the dynamic providers too, so they reach node
// built-ins and npm packages through require inside their bodies and capture only free functions
// and plain values. No check throws: every failure becomes a failed result that says what ran and
// what was expected.
import type { RequestOptions } from "node:https";
import type { AllowEntry } from "../model/allowset";
import { hostRoute, parsePrefix, prefixContains } from "../model/cidr";
import type { VerifySettings } from "../config/schema";
import { Flavor, JujuTarget, runOnUnits, UnitRun } from "../juju/units";
import {
    parseCustomVerdict,
    parseNcProbe,
    parseReadyz,
    parseTcpProbe,
    TcpProbe,
} from "../juju/parse";
import { ProcessRun, runProcess } from "../process/run";

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

export interface ConductorCheck {
    juju: JujuTarget;
    /** The units to probe: every unit of the conductor application. */
    units: string[];
    timeoutSeconds: number;
    /** Known in advance by the program; detected with `juju version` otherwise. */
    flavor?: Flavor;
}

export interface OperatorCheck {
    kubeconfig: string;
    context?: string;
    timeoutSeconds: number;
}

export interface TenantCheck {
    kubeconfig: string;
    context?: string;
    namespace: string;
    /** Exec into this pod; or, with image, run a short-lived pod. */
    pod?: string;
    image?: string;
    kubectl: string;
    timeoutSeconds: number;
}

export interface CustomCheck {
    name: string;
    command: string;
    expect: { exitCode?: number; stdoutMatches?: string };
    timeoutSeconds: number;
}

/** Everything one verification run needs; absent checks are not run. */
export interface VerifyPlan {
    api: ApiEndpoint;
    allowSet: AllowEntry[];
    conductors?: ConductorCheck;
    operator?: OperatorCheck;
    tenant?: TenantCheck;
    custom: CustomCheck[];
}

/** What the checks are judged against, found by the program or by `npm run verify`. */
export interface PlanContext {
    api: ApiEndpoint;
    allowSet: AllowEntry[];
    /** The Juju conductor source and its units; absent with static conductors. */
    conductors?: { juju: JujuTarget; units: string[] };
}

/** The checks the verify settings ask for. The Juju target loses its env: it may hold secrets. */
export function verifyPlan(verify: VerifySettings, context: PlanContext): VerifyPlan {
    const juju = context.conductors?.juju;
    return {
        api: context.api,
        allowSet: context.allowSet,
        conductors:
            verify.conductors.enabled && juju
                ? {
                      juju: {
                          model: juju.model,
                          application: juju.application,
                          bin: juju.bin,
                          timeoutSeconds: juju.timeoutSeconds,
                          concurrency: juju.concurrency,
                      },
                      units: context.conductors!.units,
                      timeoutSeconds: verify.conductors.timeoutSeconds,
                  }
                : undefined,
        operator: verify.operator,
        tenant: verify.tenant,
        custom: verify.custom,
    };
}

/** Runs every configured check concurrently; never throws. */
export async function runChecks(plan: VerifyPlan): Promise<CheckResult[]> {
    const groups = await Promise.all([
        plan.conductors
            ? guarded("conductor", plan.conductors.juju.application, () =>
                  checkConductors(plan.conductors!, plan.api, plan.allowSet),
              )
            : [],
        plan.operator
            ? guarded("operator", plan.operator.kubeconfig, async () => [
                  await checkOperatorReadyz(plan.operator!),
              ])
            : [],
        plan.tenant
            ? guarded("tenant", plan.tenant.pod ?? plan.tenant.image ?? "", async () => [
                  await checkTenantIsolation(plan.tenant!, plan.api),
              ])
            : [],
        ...plan.custom.map((c) =>
            guarded(`custom:${c.name}`, c.name, async () => [await checkCustom(c)]),
        ),
    ]);
    return groups.flat();
}

// --- conductor handshake

// Prints one JSON line with the connection's real local address (getsockname), which is what
// the security group sees when the unit is not behind NAT. Quote-free, so it fits in '...'.
const PYTHON_TCP_PROBE = [
    "import json, socket, sys, time",
    "a, p, t = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])",
    'r = {"probe": "tcp"}',
    "b = time.monotonic()",
    "try:",
    "    s = socket.create_connection((a, p), timeout=t)",
    '    r["outcome"], r["source"] = "connected", s.getsockname()[0]',
    "    s.close()",
    "except socket.timeout:",
    '    r["outcome"] = "timeout"',
    "except ConnectionRefusedError:",
    '    r["outcome"] = "refused"',
    "except OSError as e:",
    '    r["outcome"], r["error"] = "error", str(e)',
    'r["ms"] = round((time.monotonic() - b) * 1000)',
    "print(json.dumps(r))",
].join("\n");

/** The shell command run on each conductor unit: python3 when present, else a probe error line. */
export function conductorProbeCommand(api: ApiEndpoint, timeoutSeconds: number): string {
    const target = `${hostRoute(api.address).cidr.split("/")[0]} ${Math.trunc(api.port)}`;
    const missing = JSON.stringify({
        probe: "tcp",
        outcome: "error",
        ms: 0,
        error: "python3 is not installed on the unit",
    });
    return (
        `if command -v python3 >/dev/null 2>&1; then ` +
        `python3 -c '${PYTHON_TCP_PROBE}' ${target} ${Number(timeoutSeconds)}; ` +
        `else echo '${missing}'; fi`
    );
}

/** The allow entry for the API port that contains the source's host route, if any. */
export function admittingEntry(
    source: string,
    port: number,
    allowSet: AllowEntry[],
): AllowEntry | undefined {
    const host = hostRoute(source);
    return allowSet.find(
        (e) =>
            e.port === port &&
            e.ethertype === host.ethertype &&
            prefixContains(parsePrefix(e.remoteIpPrefix), host),
    );
}

/** One unit's verdict: connected, and from a source the allow-set admits on the API port. */
export function judgeConductor(
    run: UnitRun,
    api: ApiEndpoint,
    allowSet: AllowEntry[],
): CheckResult {
    const what = `the python3 tcp probe to ${api.address}:${api.port} through juju on ${run.unit}`;
    let probe: TcpProbe;
    try {
        probe = parseTcpProbe(run.stdout);
    } catch (err) {
        const state = [
            run.timedOut ? "got no answer in time" : `returned code ${run.returnCode ?? "none"}`,
            run.problem,
            run.stderr.trim() ? `stderr: ${oneLine(run.stderr)}` : undefined,
        ].filter((part) => part !== undefined);
        return {
            check: "conductor",
            target: run.unit,
            outcome: "error",
            passed: false,
            ms: run.ms,
            detail: `${what} ${state.join("; ")}; expected one {"probe":"tcp"} line: ${errorText(err)}`,
        };
    }
    // The probe's own time: the juju call's time is shared by every unit of the call.
    const base = { check: "conductor", target: run.unit, outcome: probe.outcome, ms: probe.ms };
    if (probe.outcome !== "connected") {
        return {
            ...base,
            passed: false,
            detail:
                `${what}: expected a connection from an allowed source, got ${probe.outcome}` +
                (probe.error ? ` (${probe.error})` : ""),
        };
    }
    const source = probe.source!;
    const entry = admittingEntry(source, api.port, allowSet);
    if (!entry) {
        return {
            ...base,
            source,
            passed: false,
            detail:
                `${what}: connected from ${source}, which no allow entry for tcp/${api.port} ` +
                `contains: a rule outside the allow-set admits it (is a wide rule still there?)`,
        };
    }
    return {
        ...base,
        source,
        passed: true,
        detail: `admitted by ${entry.role} ${entry.remoteIpPrefix}`,
    };
}

/** Probes the API from every conductor unit at once (runOnUnits bounds the concurrency). */
export async function checkConductors(
    check: ConductorCheck,
    api: ApiEndpoint,
    allowSet: AllowEntry[],
): Promise<CheckResult[]> {
    if (check.units.length === 0) {
        return [
            {
                check: "conductor",
                target: check.juju.application,
                outcome: "error",
                passed: false,
                ms: 0,
                detail: `no units of ${check.juju.application} to probe from; expected at least one`,
            },
        ];
    }
    const runs = await runOnUnits(
        check.juju,
        check.units,
        conductorProbeCommand(api, check.timeoutSeconds),
        check.flavor,
    );
    const byUnit = new Map(runs.map((r) => [r.unit, r]));
    return check.units.map((unit) => {
        const run = byUnit.get(unit);
        if (!run) {
            return {
                check: "conductor",
                target: unit,
                outcome: "error",
                passed: false,
                ms: 0,
                detail: `juju returned no result for ${unit}; expected one per unit`,
            };
        }
        return judgeConductor(run, api, allowSet);
    });
}

// --- operator readyz

/** GET /readyz with the operator's kubeconfig (certificates, token or exec plugin). */
export async function checkOperatorReadyz(check: OperatorCheck): Promise<CheckResult> {
    const started = Date.now();
    const path = expandHome(check.kubeconfig);
    const target = check.context
        ? `${check.kubeconfig} (context ${check.context})`
        : check.kubeconfig;
    const result = (outcome: string, passed: boolean, detail: string): CheckResult => ({
        check: "operator",
        target,
        outcome,
        passed,
        ms: Date.now() - started,
        detail,
    });
    let request: { url: URL; options: RequestOptions };
    try {
        request = await readyzRequest(path, check.context);
    } catch (err) {
        return result(
            "error",
            false,
            `cannot use kubeconfig ${check.kubeconfig}: ${errorText(err)}`,
        );
    }
    const what = `GET ${request.url.href}`;
    let response: { status: number; body: string };
    try {
        response = await httpGet(request.url, request.options, check.timeoutSeconds * 1000);
    } catch (err) {
        const { outcome, detail } = describeRequestError(err, check.timeoutSeconds);
        return result(outcome, false, `${what}: ${detail}; expected 200 ok`);
    } finally {
        (request.options.agent as { destroy?: () => void } | undefined)?.destroy?.();
    }
    const readyz = parseReadyz(response.status, response.body);
    if (readyz.ready) {
        return result("ok", true, `${what}: 200 ok`);
    }
    if (readyz.failing.length > 0) {
        return result(
            "not-ready",
            false,
            `${what}: expected 200 ok, got ${response.status} with failing checks: ${readyz.failing.join("; ")}`,
        );
    }
    const outcome =
        response.status === 401 || response.status === 403
            ? "unauthorized"
            : `http-${response.status}`;
    return result(
        outcome,
        false,
        `${what}: expected 200 ok, got ${response.status} ${JSON.stringify(excerpt(response.body, 120))}`,
    );
}

/** The URL and TLS/auth options the kubeconfig yields; its contents go no further. */
async function readyzRequest(
    path: string,
    context: string | undefined,
): Promise<{ url: URL; options: RequestOptions }> {
    const k8s = require("@kubernetes/client-node") as typeof import("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    try {
        kc.loadFromFile(path);
    } catch (err) {
        // Only the first line: YAML errors go on to quote the file, which holds keys and tokens.
        throw new Error(errorText(err).split("\n")[0]);
    }
    if (context !== undefined) {
        if (!kc.getContextObject(context)) {
            const known = kc.getContexts().map((c) => c.name);
            throw new Error(`no context "${context}" (contexts: ${known.join(", ") || "none"})`);
        }
        kc.setCurrentContext(context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) {
        throw new Error(`the current context "${kc.getCurrentContext()}" names no cluster`);
    }
    const options: RequestOptions = {};
    try {
        await kc.applyToHTTPSOptions(options);
    } catch (err) {
        const user = kc.getCurrentUser();
        const how = user?.exec
            ? `the exec credential plugin ${user.exec.command}`
            : "the user's certificates or token";
        throw new Error(`${how} failed: ${errorText(err).trim() || "no message"}`);
    }
    const url = new URL(`${cluster.server.replace(/\/+$/, "")}/readyz`);
    return { url, options };
}

function httpGet(
    url: URL,
    options: RequestOptions,
    timeoutMs: number,
): Promise<{ status: number; body: string }> {
    const transport = (
        url.protocol === "http:" ? require("node:http") : require("node:https")
    ) as typeof import("node:https");
    return new Promise((resolve, reject) => {
        const request = transport.request(url, { ...options, method: "GET" }, (response) => {
            let body = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => {
                body = (body + chunk).slice(0, 65536);
            });
            response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
            response.on("error", reject);
        });
        const timer = setTimeout(
            () => request.destroy(Object.assign(new Error("timed out"), { code: "CHECK_TIMEOUT" })),
            timeoutMs,
        );
        request.on("close", () => clearTimeout(timer));
        request.on("error", reject);
        request.end();
    });
}

/** Names the class of a failed request: refused, timeout, or which side TLS rejected. */
export function describeRequestError(
    err: unknown,
    timeoutSeconds: number,
): { outcome: string; detail: string } {
    const code = String((err as { code?: unknown }).code ?? "");
    const text = errorText(err);
    if (code === "CHECK_TIMEOUT") {
        return { outcome: "timeout", detail: `no answer within ${timeoutSeconds} s` };
    }
    if (code === "ECONNREFUSED") {
        return { outcome: "refused", detail: `connection refused (${text})` };
    }
    if (code === "ECONNRESET") {
        return {
            outcome: "reset",
            detail:
                `the server closed the connection (${text}); a TLS front that rejects the ` +
                `client certificate does this`,
        };
    }
    if (code === "CERT_HAS_EXPIRED") {
        return {
            outcome: "tls-server-cert-expired",
            detail: `the server's certificate has expired`,
        };
    }
    if (
        [
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            "SELF_SIGNED_CERT_IN_CHAIN",
            "DEPTH_ZERO_SELF_SIGNED_CERT",
            "UNABLE_TO_GET_ISSUER_CERT",
            "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        ].includes(code)
    ) {
        return {
            outcome: "tls-unknown-ca",
            detail: `the server's certificate is not signed by the kubeconfig's certificate-authority (${code})`,
        };
    }
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
        return { outcome: "tls-name-mismatch", detail: text };
    }
    const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code);
    if (alert) {
        return {
            outcome: "tls-client-cert-rejected",
            detail: `the server rejected the client certificate (TLS alert ${alert[1].toLowerCase().replace(/_/g, " ")})`,
        };
    }
    return { outcome: "error", detail: code ? `${code}: ${text}` : text };
}

// --- tenant isolation

/**
 * The command run inside the tenant pod (busybox sh): nc with a connect timeout, a watchdog for an
 * nc that holds a connection open, and one parseable line. Self-contained, so a shim may run it
 * anywhere a shell is.
 */
export function tenantProbeScript(api: ApiEndpoint, timeoutSeconds: number): string {
    const address = hostRoute(api.address).cidr.split("/")[0];
    const t = Math.max(1, Math.ceil(timeoutSeconds));
    return [
        `a=${address}; p=${Math.trunc(api.port)}; t=${t}`,
        'if command -v nc >/dev/null 2>&1; then nc="nc"',
        'elif command -v busybox >/dev/null 2>&1; then nc="busybox nc"',
        'else echo "tcp-probe state=missing rc=127 elapsed_cs=0 timeout_s=$t err=neither nc nor busybox is in the pod"; exit 0; fi',
        'cs() { read -r u _ </proc/uptime; echo "${u%.*}${u#*.}"; }',
        "e=$(mktemp 2>/dev/null || echo /tmp/tcp-probe.$$)",
        "s=$(cs)",
        '$nc -w "$t" "$a" "$p" </dev/null >/dev/null 2>"$e" &',
        "n=$!",
        '( i=0; while [ "$i" -le "$t" ] && kill -0 "$n" 2>/dev/null; do sleep 1; i=$((i + 1)); done; kill "$n" 2>/dev/null ) >/dev/null 2>&1 &',
        "w=$!",
        'wait "$n"; rc=$?',
        "el=$(( $(cs) - s ))",
        // The watchdog ends within a second of nc; waiting for it leaves no orphan behind.
        'wait "$w"',
        "m=$(head -n 1 \"$e\" 2>/dev/null | tr -d '\\r')",
        'rm -f "$e"',
        'echo "tcp-probe state=exited rc=$rc elapsed_cs=$el timeout_s=$t err=$m"',
    ].join("\n");
}

/** kubectl's arguments: exec into the named pod, or run a short-lived pod of the image. */
export function tenantKubectlArgs(check: TenantCheck, script: string, podName: string): string[] {
    const base = ["--kubeconfig", expandHome(check.kubeconfig)];
    if (check.context) {
        base.push("--context", check.context);
    }
    base.push("--namespace", check.namespace);
    if (check.pod) {
        return [...base, "exec", check.pod, "--", "sh", "-c", script];
    }
    return [
        ...base,
        "run",
        podName,
        "--rm",
        "-i",
        "--quiet",
        "--restart=Never",
        `--image=${check.image}`,
        "--labels=app.kubernetes.io/name=capi-mgmt-ingress-probe",
        "--pod-running-timeout=120s",
        "--command",
        "--",
        "sh",
        "-c",
        script,
    ];
}

/** Passes only on a timeout: a refusal or a connection means the tenant reaches the API. */
export async function checkTenantIsolation(
    check: TenantCheck,
    api: ApiEndpoint,
): Promise<CheckResult> {
    const crypto = require("node:crypto") as typeof import("node:crypto");
    const podName = `capi-ingress-probe-${crypto.randomBytes(4).toString("hex")}`;
    const target = check.pod ? `pod ${check.namespace}/${check.pod}` : `image ${check.image}`;
    const args = tenantKubectlArgs(check, tenantProbeScript(api, check.timeoutSeconds), podName);
    const what = `${check.kubectl} ${args[args.indexOf(check.pod ? "exec" : "run")]} (${target}) probing ${api.address}:${api.port}`;
    // Pod start (image pull) is on top of the probe's own timeout.
    const budgetMs = (check.timeoutSeconds + (check.pod ? 30 : 150)) * 1000;
    let run: ProcessRun;
    try {
        run = await runProcess(check.kubectl, args, { timeoutMs: budgetMs });
    } finally {
        if (!check.pod) {
            // --rm removes the pod when kubectl ends normally; this covers a kill or a failed attach.
            await runProcess(
                check.kubectl,
                [
                    ...args.slice(0, args.indexOf("run")),
                    "delete",
                    "pod",
                    podName,
                    "--ignore-not-found",
                    "--wait=false",
                ],
                { timeoutMs: 30000 },
            );
        }
    }
    const base = { check: "tenant", target, ms: run.ms };
    let probe: TcpProbe;
    try {
        probe = parseNcProbe(run.stdout);
    } catch (err) {
        const state = run.timedOut
            ? `did not finish within ${budgetMs / 1000} s`
            : (run.error ??
              `exited ${run.code ?? run.signal}${run.stderr ? ` (stderr: ${oneLine(run.stderr)})` : ""}`);
        return {
            ...base,
            outcome: "error",
            passed: false,
            detail: `${what} ${state}; expected one "tcp-probe" line: ${errorText(err)}`,
        };
    }
    if (probe.outcome === "timeout") {
        return {
            ...base,
            outcome: "timeout",
            passed: true,
            detail: `isolated: no answer within ${check.timeoutSeconds} s`,
        };
    }
    const why: Record<string, string> = {
        connected: "isolation failure: the tenant pod connected to the API",
        refused: "isolation failure: the API's host refused, so the tenant's packets reached it",
        error: `the probe failed (${probe.error ?? "no message"}), so isolation is not shown`,
    };
    return {
        ...base,
        outcome: probe.outcome,
        passed: false,
        detail: `${what}: expected a timeout; ${why[probe.outcome]}`,
    };
}

// --- custom checks

/**
 * The wrapper that runs a custom check and judges it, in its own node process (`node -e`), under
 * @pulumi/command's local.Command and under `npm run verify` alike. It reads its spec from
 * CAPI_CHECK_SPEC, prints one {"customCheck":...} verdict line, and exits non-zero on failure so a
 * failed check also fails the local.Command (which is then retried on the next update).
 */
function customCheckMain(): void {
    const { spawn } = require("child_process");
    const spec = JSON.parse(process.env.CAPI_CHECK_SPEC ?? "{}");
    const started = Date.now();
    const limit = 1 << 20;
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let spawnError = "";
    const child = spawn("/bin/sh", ["-c", spec.command], {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
    });
    child.stdout.on("data", (d: Buffer) => {
        stdout = (stdout + d.toString()).slice(-limit);
    });
    child.stderr.on("data", (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-limit);
    });
    const timer = setTimeout(() => {
        timedOut = true;
        try {
            process.kill(-child.pid, "SIGKILL");
        } catch {
            // already gone
        }
    }, spec.timeoutSeconds * 1000);
    child.on("error", (err: Error) => {
        spawnError = err.message;
    });
    child.on("close", (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        const expect = spec.expect ?? {};
        const exitCode = expect.exitCode ?? (expect.stdoutMatches === undefined ? 0 : undefined);
        const problems = [];
        if (spawnError) {
            problems.push(`could not start /bin/sh: ${spawnError}`);
        } else if (timedOut) {
            problems.push(`expected it to finish within ${spec.timeoutSeconds} s; it was killed`);
        } else {
            if (exitCode !== undefined && code !== exitCode) {
                problems.push(`expected exit status ${exitCode}, got ${code ?? signal}`);
            }
            if (
                expect.stdoutMatches !== undefined &&
                !new RegExp(expect.stdoutMatches, "m").test(stdout)
            ) {
                problems.push(`expected stdout to match /${expect.stdoutMatches}/; it did not`);
            }
        }
        const passed = problems.length === 0;
        if (!passed) {
            const tail = (text: string) => text.trimEnd().split("\n").slice(-20).join("\n");
            process.stderr.write(
                `custom check ${spec.name} failed: ${problems.join("; ")}\n` +
                    `--- last stdout lines\n${tail(stdout)}\n--- last stderr lines\n${tail(stderr)}\n`,
            );
        }
        const verdict = {
            customCheck: spec.name,
            passed,
            exitCode: timedOut || spawnError ? null : code,
            ms: Date.now() - started,
            // The name, never the command line: it may carry a credential.
            detail: passed ? "as expected" : problems.join("; "),
        };
        process.stdout.write(`${JSON.stringify(verdict)}\n`);
        process.exitCode = passed ? 0 : 1;
    });
}

/** The JavaScript that `node -e` runs for a custom check. */
export function customCheckScript(): string {
    return `(${customCheckMain.toString()})();`;
}

/** The environment that hands a custom check's spec to the wrapper. */
export function customCheckEnvironment(check: CustomCheck): Record<string, string> {
    return {
        CAPI_CHECK_SPEC: JSON.stringify({
            name: check.name,
            command: check.command,
            expect: check.expect,
            timeoutSeconds: check.timeoutSeconds,
        }),
    };
}

/** Runs the wrapper in a child process and reads its verdict (the `npm run verify` path). */
export async function checkCustom(check: CustomCheck): Promise<CheckResult> {
    const run = await runProcess(process.execPath, ["-e", customCheckScript()], {
        timeoutMs: (check.timeoutSeconds + 10) * 1000,
        env: { ...process.env, ...customCheckEnvironment(check) },
    });
    const base = { check: `custom:${check.name}`, target: check.name, ms: run.ms };
    try {
        const verdict = parseCustomVerdict(run.stdout);
        return {
            ...base,
            outcome: verdict.passed
                ? "pass"
                : verdict.exitCode === null
                  ? "killed"
                  : `exit-${verdict.exitCode}`,
            passed: verdict.passed,
            ms: verdict.ms,
            detail: verdict.detail,
        };
    } catch (err) {
        return {
            ...base,
            outcome: "error",
            passed: false,
            detail: `the wrapper of custom check ${check.name} ${run.error ?? `exited ${run.code ?? run.signal}`} without a verdict: ${errorText(err)}`,
        };
    }
}

// --- reporting

/** A fixed-width table for an error or the terminal. */
export function formatResults(results: CheckResult[]): string {
    const rows = [
        ["CHECK", "TARGET", "SOURCE", "OUTCOME", "MS", "RESULT", "DETAIL"],
        ...results.map((r) => [
            r.check,
            r.target,
            r.source ?? "-",
            r.outcome,
            String(r.ms),
            r.passed ? "pass" : "FAIL",
            r.detail,
        ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    return rows
        .map((row) =>
            row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  "),
        )
        .join("\n");
}

/** One short line per result, for stack outputs. */
export function compactResults(results: CheckResult[]): string[] {
    return results.map(
        (r) =>
            `${r.passed ? "pass" : "FAIL"} ${r.check} ${r.target}` +
            `${r.source ? ` from ${r.source}` : ""}: ${r.outcome} (${r.ms} ms)`,
    );
}

/** Throws a readable table when any result failed. */
export function assertPassed(title: string, results: CheckResult[]): void {
    const failed = results.filter((r) => !r.passed);
    if (failed.length > 0) {
        throw new Error(
            `${title}: ${failed.length} of ${results.length} checks failed\n${formatResults(results)}`,
        );
    }
}

// --- helpers

async function guarded(
    check: string,
    target: string,
    run: () => Promise<CheckResult[]>,
): Promise<CheckResult[]> {
    try {
        return await run();
    } catch (err) {
        return [
            {
                check,
                target,
                outcome: "error",
                passed: false,
                ms: 0,
                detail: `the check failed before judging: ${errorText(err)}`,
            },
        ];
    }
}

function expandHome(path: string): string {
    if (path === "~" || path.startsWith("~/")) {
        const os = require("node:os") as typeof import("node:os");
        return os.homedir() + path.slice(1);
    }
    return path;
}

function oneLine(text: string): string {
    return excerpt(text.trim().split("\n").slice(-3).join(" | "), 200);
}

function excerpt(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max)}...` : text;
}

function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
