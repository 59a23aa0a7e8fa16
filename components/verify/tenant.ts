// The tenant check: from a tenant pod, a TCP connection to the API that must time out. The probe
// is probes/tenant-probe.sh, sent to the pod's sh on its standard input through kubectl.
import { hostRoute } from "../model/cidr";
import { onInterrupt, ProcessRun, runProcess } from "../process/run";
import { parseNcProbe, TcpProbe } from "./probe-output";
import { ApiEndpoint, CheckResult, errorText, expandHome, oneLine, readProbe } from "./result";

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

/** The tenant probe's arguments: canonical address, port, whole seconds (at least one). */
export function tenantProbeArgs(api: ApiEndpoint, timeoutSeconds: number): string[] {
    const address = hostRoute(api.address).cidr.split("/")[0];
    const t = Math.max(1, Math.ceil(timeoutSeconds));
    return [address, String(Math.trunc(api.port)), String(t)];
}

/**
 * kubectl's arguments: exec into the named pod, or run a short-lived pod of the image; either
 * way `sh -s` reads the probe from kubectl's standard input (`-i`) and takes `probeArgs`.
 */
export function tenantKubectlArgs(
    check: TenantCheck,
    probeArgs: string[],
    podName: string,
): string[] {
    const base = ["--kubeconfig", expandHome(check.kubeconfig)];
    if (check.context) {
        base.push("--context", check.context);
    }
    base.push("--namespace", check.namespace);
    if (check.pod) {
        return [...base, "exec", check.pod, "-i", "--", "sh", "-s", "--", ...probeArgs];
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
        "-s",
        "--",
        ...probeArgs,
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
    const args = tenantKubectlArgs(check, tenantProbeArgs(api, check.timeoutSeconds), podName);
    const what = `${check.kubectl} ${args[args.indexOf(check.pod ? "exec" : "run")]} (${target}) probing ${api.address}:${api.port}`;
    // Pod start (image pull) is on top of the probe's own timeout.
    const budgetMs = (check.timeoutSeconds + (check.pod ? 30 : 150)) * 1000;
    // --rm removes the pod when kubectl ends normally; deleting it also covers a kill or a failed
    // attach. One deletion serves this check's finally and an interrupt's cleanup (the command
    // line exits before that finally runs); one the interrupt itself stopped is started again.
    let deletion: Promise<ProcessRun> | undefined = undefined;
    const deletePod = () =>
        (deletion ??= runProcess(
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
        ));
    const forget = check.pod
        ? () => undefined
        : onInterrupt(`tenant pod ${check.namespace}/${podName}`, async (givenUp) => {
              let deleted = await deletePod();
              // Stopped by the interrupt's first stop: started again, unless the interrupt has
              // given up (it stops everything next, and a new delete would outlive the command).
              if (deleted.signal !== null && !givenUp()) {
                  deletion = undefined;
                  deleted = await deletePod();
              }
              if (deleted.code !== 0) {
                  const how = deleted.error ?? `exited ${deleted.code ?? deleted.signal}`;
                  throw new Error(`${check.kubectl} delete pod ${podName}: ${how}`);
              }
          });
    let run: ProcessRun;
    try {
        run = await runProcess(check.kubectl, args, {
            timeoutMs: budgetMs,
            input: readProbe("tenant-probe.sh"),
        });
    } finally {
        if (!check.pod) {
            await deletePod();
        }
        forget();
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
