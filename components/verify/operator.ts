// The operator check: GET /readyz on the API with the operator's kubeconfig (certificates, token
// or exec plugin). The kubeconfig's contents go no further than the request: no error quotes it.
import type { RequestOptions } from "node:https";
import { parseReadyz } from "./probe-output";
import { CheckResult, errorText, excerpt, expandHome } from "./result";

export interface OperatorCheck {
    kubeconfig: string;
    context?: string;
    timeoutSeconds: number;
}

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
        // Masking keeps a credential's name followed by a prose word ("plugin", "failed").
        const how = user?.exec
            ? `the exec credential plugin ${user.exec.command}`
            : "the user's certificates or token";
        throw new Error(`${how} failed: ${errorText(err).trim() || "no message"}`);
    }
    // The server's own path prefix (a proxy's) is kept, /readyz joined to it, its query kept.
    const url = new URL(cluster.server);
    url.pathname = `${url.pathname.replace(/\/+$/, "")}/readyz`;
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
