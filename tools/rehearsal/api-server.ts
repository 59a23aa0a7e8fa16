// The management API stand-in: HTTPS on 6443 that answers /readyz only to a client certificate
// signed by its own CA (as kube-apiserver does for an authenticated operator), and a plain TCP
// listener on 22 that greets like sshd. It runs as a child process inside the API namespace;
// certificates and keys are made at run time with openssl, mode 0600, under the state dir.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import { run } from "./run";

export interface Pki {
    dir: string;
    ca: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
}

const serveSchema = z.strictObject({
    host: z.string(),
    apiPort: z.number().int(),
    sshPort: z.number().int(),
    ca: z.string(),
    cert: z.string(),
    key: z.string(),
});

type ServeOptions = z.infer<typeof serveSchema>;

/** `openssl req` for a new P-256 key and a two-day certificate. */
const REQ = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2".split(" ");

/** A CA, a server certificate for `serverAddress`, and an operator client certificate. */
export async function generatePki(dir: string, serverAddress: string): Promise<Pki> {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o700);
    const pki: Pki = {
        dir,
        ca: path.join(dir, "ca.crt"),
        serverCert: path.join(dir, "apiserver.crt"),
        serverKey: path.join(dir, "apiserver.key"),
        clientCert: path.join(dir, "operator.crt"),
        clientKey: path.join(dir, "operator.key"),
    };
    const caKey = path.join(dir, "ca.key");
    // A self-signed certificate, or one signed by the CA when `extra` names it.
    const certificate = (key: string, cert: string, subject: string, extra: string[]) =>
        run(["openssl", ...REQ, "-keyout", key, "-out", cert, "-subj", subject, ...extra], {
            expected: `openssl to write ${cert}`,
        });
    const signed = (extensions: string[]) => [
        ...["-CA", pki.ca, "-CAkey", caKey],
        ...["basicConstraints=critical,CA:FALSE", ...extensions].flatMap((e) => ["-addext", e]),
    ];
    await certificate(caKey, pki.ca, "/CN=rehearsal-ca", []);
    await certificate(
        pki.serverKey,
        pki.serverCert,
        "/CN=kube-apiserver",
        signed([`subjectAltName=IP:${serverAddress}`, "extendedKeyUsage=serverAuth"]),
    );
    await certificate(
        pki.clientKey,
        pki.clientCert,
        "/O=system:masters/CN=rehearsal-operator",
        signed(["extendedKeyUsage=clientAuth"]),
    );
    for (const key of [caKey, pki.serverKey, pki.clientKey]) {
        fs.chmodSync(key, 0o600);
    }
    return pki;
}

/** A kubeconfig for the operator (mode 0600): the server, the CA and the client certificate. */
export function writeOperatorKubeconfig(file: string, server: string, pki: Pki): void {
    const data = (f: string) => fs.readFileSync(f).toString("base64");
    const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: "rehearsal",
                cluster: { server, "certificate-authority-data": data(pki.ca) },
            },
        ],
        users: [
            {
                name: "rehearsal-operator",
                user: {
                    "client-certificate-data": data(pki.clientCert),
                    "client-key-data": data(pki.clientKey),
                },
            },
        ],
        contexts: [
            { name: "rehearsal", context: { cluster: "rehearsal", user: "rehearsal-operator" } },
        ],
        "current-context": "rehearsal",
    };
    fs.writeFileSync(file, stringify(kubeconfig), { mode: 0o600 });
}

export interface ApiServer {
    pid: number;
    stop(): Promise<void>;
}

/**
 * Starts the stand-in as a child process, inside `namespace` when given, and resolves once both
 * listeners are up.
 */
export function startApiServer(options: {
    namespace?: string;
    host: string;
    pki: Pki;
    apiPort?: number;
    sshPort?: number;
}): Promise<ApiServer> {
    const serve: ServeOptions = {
        host: options.host,
        apiPort: options.apiPort ?? 6443,
        sshPort: options.sshPort ?? 22,
        ca: options.pki.ca,
        cert: options.pki.serverCert,
        key: options.pki.serverKey,
    };
    const node = [
        process.execPath,
        "-r",
        require.resolve("ts-node/register/transpile-only"),
        __filename,
        JSON.stringify(serve),
    ];
    const command = options.namespace ? ["ip", "netns", "exec", options.namespace, ...node] : node;
    const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.once("error", reject);
        child.once("exit", (code) =>
            reject(
                new Error(
                    `the API stand-in (\`${command.slice(0, 5).join(" ")} ...\`) exited ${code} ` +
                        `before listening on ${serve.host}:${serve.apiPort}: ${stderr.trim()}`,
                ),
            ),
        );
        child.stdout.on("data", (chunk: Buffer) => {
            if (chunk.toString().includes("listening")) {
                child.removeAllListeners("exit");
                resolve({ pid: child.pid!, stop: () => stopChild(child) });
            }
        });
    });
}

function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve();
    }
    return new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
    });
}

/** The child's side: both listeners, until SIGTERM. */
function serve(options: ServeOptions): void {
    const api = https.createServer(
        {
            ca: fs.readFileSync(options.ca),
            cert: fs.readFileSync(options.cert),
            key: fs.readFileSync(options.key),
            requestCert: true,
            rejectUnauthorized: false,
        },
        (req, res) => {
            const authenticated = (req.socket as import("node:tls").TLSSocket).authorized;
            if (!authenticated) {
                res.writeHead(401, { "content-type": "application/json" });
                res.end(status(401, "Unauthorized", "Unauthorized"));
            } else if (
                req.method === "GET" &&
                /^\/(readyz|livez|healthz)(\?|$)/.test(req.url ?? "")
            ) {
                res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
                res.end("ok");
            } else {
                res.writeHead(404, { "content-type": "application/json" });
                res.end(status(404, "NotFound", `the stand-in serves /readyz, not ${req.url}`));
            }
        },
    );
    const ssh = net.createServer((socket) => {
        // A probe that closes at once resets the connection: never the end of the stand-in.
        socket.on("error", () => undefined);
        socket.end("SSH-2.0-capi-rehearsal\r\n");
    });
    let listening = 0;
    const ready = () => {
        if (++listening === 2) {
            process.stdout.write("listening\n");
        }
    };
    api.listen(options.apiPort, options.host, ready);
    ssh.listen(options.sshPort, options.host, ready);
    process.once("SIGTERM", () => {
        api.close();
        ssh.close();
        process.exit(0);
    });
}

/** A Kubernetes Status object, as the real API answers errors. */
function status(code: number, reason: string, message: string): string {
    return JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message,
        reason,
        code,
    });
}

if (require.main === module) {
    serve(serveSchema.parse(JSON.parse(process.argv[2])));
}
