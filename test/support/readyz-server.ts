// A stand-in kube-apiserver for the operator check: certificates made with the openssl CLI, a
// /readyz handler that judges a client certificate or bearer token per request, kubeconfigs.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { stringify } from "yaml";

export const FIXTURES = path.resolve(__dirname, "..", "fixtures");
export const TOKEN = "s3cr3t-bearer-token-for-tests";

export function openssl(dir: string, ...args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA, a server certificate for 127.0.0.1, good/expired/foreign client certificates. */
export function makeCertificates(dir: string): Record<string, string> {
    const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    for (const ca of ["ca", "other-ca"]) {
        openssl(
            dir,
            "req",
            "-x509",
            ...key,
            "-keyout",
            `${ca}.key`,
            "-out",
            `${ca}.crt`,
            "-subj",
            `/CN=${ca}`,
            "-days",
            "2",
        );
    }
    fs.writeFileSync(path.join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\n");
    const csr = (name: string, subject: string) =>
        openssl(
            dir,
            "req",
            ...key,
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.csr`,
            "-subj",
            subject,
        );
    const sign = (name: string, ca: string, serial: string, ext?: string) =>
        openssl(
            dir,
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-CA",
            `${ca}.crt`,
            "-CAkey",
            `${ca}.key`,
            "-set_serial",
            serial,
            "-days",
            "2",
            "-out",
            `${name}.crt`,
            ...(ext ? ["-extfile", ext] : []),
        );
    csr("server", "/CN=kube-apiserver");
    sign("server", "ca", "2", "server.ext");
    csr("client", "/O=system:masters/CN=operator");
    sign("client", "ca", "3");
    csr("foreign", "/O=system:masters/CN=operator");
    sign("foreign", "other-ca", "4");
    // openssl x509 cannot backdate; openssl ca can.
    fs.writeFileSync(path.join(dir, "index.txt"), "");
    fs.writeFileSync(path.join(dir, "serial"), "10\n");
    fs.writeFileSync(
        path.join(dir, "ca.cnf"),
        [
            "[ca]",
            "default_ca = test",
            "[test]",
            `database = ${dir}/index.txt`,
            `new_certs_dir = ${dir}`,
            `serial = ${dir}/serial`,
            "default_md = sha256",
            "policy = any",
            "unique_subject = no",
            "copy_extensions = copy",
            "[any]",
            "commonName = supplied",
            "organizationName = optional",
            "[server_ext]",
            "subjectAltName = IP:127.0.0.1",
        ].join("\n"),
    );
    const expire = (name: string, extra: string[]) => {
        csr(name, `/O=system:masters/CN=${name}`);
        openssl(
            dir,
            "ca",
            "-config",
            "ca.cnf",
            "-batch",
            "-notext",
            "-cert",
            "ca.crt",
            "-keyfile",
            "ca.key",
            "-in",
            `${name}.csr`,
            "-out",
            `${name}.crt`,
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20200102000000Z",
            ...extra,
        );
    };
    expire("expired-client", []);
    expire("expired-server", ["-extensions", "server_ext"]);
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    const pems: Record<string, string> = {};
    for (const name of [
        "ca",
        "other-ca",
        "server",
        "client",
        "foreign",
        "expired-client",
        "expired-server",
    ]) {
        pems[`${name}.crt`] = read(`${name}.crt`);
        if (name !== "ca" && name !== "other-ca") {
            pems[`${name}.key`] = read(`${name}.key`);
        }
    }
    return pems;
}

export type Behaviour = "ok" | "etcd" | "500" | "hang";

// Like kube-apiserver: it asks for a client certificate and judges it (or a bearer token) per
// request, answering 401 when neither is good.
export function readyzHandler(state: { behaviour: Behaviour }) {
    return (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
        const socket = req.socket as import("node:tls").TLSSocket;
        if (!socket.authorized && req.headers.authorization !== `Bearer ${TOKEN}`) {
            res.writeHead(401, { "content-type": "application/json" });
            res.end(
                JSON.stringify({
                    kind: "Status",
                    status: "Failure",
                    message: `Unauthorized: ${socket.authorizationError ?? "no credentials"}`,
                    reason: "Unauthorized",
                    code: 401,
                }),
            );
            return;
        }
        if (req.url !== "/readyz") {
            res.writeHead(404).end();
            return;
        }
        switch (state.behaviour) {
            case "ok":
                res.writeHead(200, { "content-type": "text/plain" }).end("ok");
                return;
            case "etcd":
                res.writeHead(500).end(
                    fs.readFileSync(path.join(FIXTURES, "probes", "readyz-etcd-failed.txt")),
                );
                return;
            case "500":
                res.writeHead(500).end("Internal Server Error: something broke\n");
                return;
            case "hang":
                return;
        }
    };
}

export async function listen(server: https.Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
}

export function kubeconfig(
    dir: string,
    name: string,
    server: string,
    ca: string,
    user: object,
): string {
    const file = path.join(dir, `${name}.yaml`);
    const b64 = (pem: string) => Buffer.from(pem).toString("base64");
    fs.writeFileSync(
        file,
        stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                { name: "mgmt", cluster: { server, "certificate-authority-data": b64(ca) } },
            ],
            users: [{ name: "operator", user }],
            contexts: [{ name: "mgmt", context: { cluster: "mgmt", user: "operator" } }],
            "current-context": "mgmt",
        }),
    );
    return file;
}
