// The checks against real sockets: an HTTPS server on loopback that requires client certificates
// (made here with the openssl CLI), TCP probes inside a network namespace made here (a listener,
// a closed port, and a black-holed address behind a veth whose peer drops everything), the fake
// juju running the unit probe per unit, the fake kubectl running the pod probe, and the dynamic
// providers serialized and run in a plain node process.
import * as assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import type { AllowEntry } from "../../components/model/allowset";
import {
    checkConductors,
    checkOperatorReadyz,
    checkTenantIsolation,
    TenantCheck,
} from "../../components/verify/checks";
import {
    conductorHandshakeProvider,
    operatorReadyzProvider,
    tenantIsolationProvider,
} from "../../components/verify/resources";
import type { JujuTarget } from "../../components/juju/units";
import { ProviderProcess, serializeProvider } from "../../tools/rehearsal/provider-host";

const FIXTURES = path.resolve(__dirname, "..", "fixtures");
const FAKE_JUJU = path.join(FIXTURES, "fake-juju", "juju");
const FAKE_KUBECTL = path.join(FIXTURES, "fake-kubectl", "kubectl");
const TOKEN = "s3cr3t-bearer-token-for-tests";

// In the namespace: 127.0.0.1:LISTEN accepts and closes, HOLD accepts and holds, CLOSED refuses;
// BLACKHOLE is a neighbour that never answers.
const LISTEN = 18080;
const HOLD = 18081;
const CLOSED = 18082;
const VETH_ADDRESS = "192.0.2.1";
const BLACKHOLE = "192.0.2.2";

const conductorEntry = (cidr: string, port: number): AllowEntry => ({
    role: "conductor",
    ethertype: "IPv4",
    protocol: "tcp",
    port,
    remoteIpPrefix: cidr,
    provenance: ["test"],
});

function openssl(dir: string, ...args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA, a server certificate for 127.0.0.1, good/expired/foreign client certificates. */
function makeCertificates(dir: string): Record<string, string> {
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

type Behaviour = "ok" | "etcd" | "500" | "hang";

// Like kube-apiserver: it asks for a client certificate and judges it (or a bearer token) per
// request, answering 401 when neither is good.
function readyzHandler(state: { behaviour: Behaviour }) {
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

async function listen(server: https.Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
}

function kubeconfig(dir: string, name: string, server: string, ca: string, user: object): string {
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

describe("operator readyz against a local HTTPS API", function () {
    this.timeout(30000);
    let dir: string;
    const state = { behaviour: "ok" as Behaviour };
    const servers: https.Server[] = [];
    let pems: Record<string, string>;
    let mtlsUrl: string;
    let strictUrl: string;
    let expiredUrl: string;
    let closedUrl: string;
    const certUser = (name: string) => ({
        "client-certificate-data": Buffer.from(pems[`${name}.crt`]).toString("base64"),
        "client-key-data": Buffer.from(pems[`${name}.key`]).toString("base64"),
    });
    const check = (file: string, timeoutSeconds = 5) =>
        checkOperatorReadyz({ kubeconfig: file, timeoutSeconds });

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "readyz-"));
        pems = makeCertificates(dir);
        const start = async (options: https.ServerOptions) => {
            const server = https.createServer(options, readyzHandler(state));
            servers.push(server);
            return `https://127.0.0.1:${await listen(server)}`;
        };
        const serverTls = { key: pems["server.key"], cert: pems["server.crt"], ca: pems["ca.crt"] };
        mtlsUrl = await start({ ...serverTls, requestCert: true, rejectUnauthorized: false });
        strictUrl = await start({ ...serverTls, requestCert: true, rejectUnauthorized: true });
        expiredUrl = await start({
            key: pems["expired-server.key"],
            cert: pems["expired-server.crt"],
        });
        const closed = https.createServer();
        const port = await listen(closed);
        await new Promise((resolve) => closed.close(resolve));
        closedUrl = `https://127.0.0.1:${port}`;
    });

    after(async () => {
        for (const server of servers) {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    beforeEach(() => {
        state.behaviour = "ok";
    });

    it("passes with a client certificate on 200 ok, and keeps the kubeconfig's contents out", async () => {
        const file = kubeconfig(dir, "mtls", mtlsUrl, pems["ca.crt"], certUser("client"));
        const result = await check(file);
        assert.equal(result.passed, true, result.detail);
        assert.equal(result.outcome, "ok");
        assert.equal(result.target, file);
        const text = JSON.stringify(result);
        for (const secret of [pems["client.key"], pems["client.crt"], "BEGIN", "LS0t"]) {
            assert.ok(!text.includes(secret.slice(0, 40)), "kubeconfig material in the result");
        }
    });

    it("reports the failing checks of a [-] body", async () => {
        state.behaviour = "etcd";
        const file = kubeconfig(dir, "mtls", mtlsUrl, pems["ca.crt"], certUser("client"));
        const result = await check(file);
        assert.equal(result.passed, false);
        assert.equal(result.outcome, "not-ready");
        assert.match(
            result.detail,
            /expected 200 ok, got 500 with failing checks: etcd failed: reason withheld$/,
        );
    });

    it("reports a plain 500", async () => {
        state.behaviour = "500";
        const file = kubeconfig(dir, "mtls", mtlsUrl, pems["ca.crt"], certUser("client"));
        const result = await check(file);
        assert.equal(result.outcome, "http-500");
        assert.match(result.detail, /got 500 "Internal Server Error: something broke\\n"/);
    });

    it("names an unknown CA when the server's certificate is not from the kubeconfig's CA", async () => {
        const file = kubeconfig(dir, "wrong-ca", mtlsUrl, pems["other-ca.crt"], certUser("client"));
        const result = await check(file);
        assert.equal(result.passed, false);
        assert.equal(result.outcome, "tls-unknown-ca");
    });

    it("reports a client certificate from another CA or expired as unauthorized", async () => {
        for (const [user, reason] of [
            ["foreign", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
            ["expired-client", "CERT_HAS_EXPIRED"],
        ]) {
            const file = kubeconfig(dir, user, mtlsUrl, pems["ca.crt"], certUser(user));
            const result = await check(file);
            assert.equal(result.passed, false);
            assert.equal(result.outcome, "unauthorized");
            assert.match(
                result.detail,
                new RegExp(`expected 200 ok, got 401 .*Unauthorized: ${reason}`),
            );
        }
    });

    it("names a reset by a TLS front that rejects the client certificate", async () => {
        const file = kubeconfig(dir, "strict", strictUrl, pems["ca.crt"], certUser("foreign"));
        const result = await check(file);
        assert.equal(result.outcome, "reset");
        assert.match(result.detail, /rejects the client certificate/);
    });

    it("names an expired server certificate", async () => {
        const file = kubeconfig(
            dir,
            "expired-server",
            expiredUrl,
            pems["ca.crt"],
            certUser("client"),
        );
        const result = await check(file);
        assert.equal(result.outcome, "tls-server-cert-expired");
        assert.match(result.detail, /the server's certificate has expired; expected 200 ok/);
    });

    it("passes with a bearer token and fails without the right one", async () => {
        const good = kubeconfig(dir, "token", mtlsUrl, pems["ca.crt"], { token: TOKEN });
        const result = await check(good);
        assert.equal(result.passed, true, result.detail);
        assert.ok(!JSON.stringify(result).includes(TOKEN));
        const bad = kubeconfig(dir, "bad-token", mtlsUrl, pems["ca.crt"], { token: "nope" });
        assert.equal((await check(bad)).outcome, "unauthorized");
    });

    it("runs an exec credential plugin, and reports one that fails", async () => {
        const plugin = path.join(dir, "plugin.sh");
        fs.writeFileSync(
            plugin,
            `#!/bin/sh\n[ "$FAIL" = 1 ] && { echo "login expired" >&2; exit 1; }\n` +
                `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${TOKEN}"}}'\n`,
            { mode: 0o755 },
        );
        const exec = (env: { name: string; value: string }[]) => ({
            exec: {
                apiVersion: "client.authentication.k8s.io/v1",
                command: plugin,
                env,
                interactiveMode: "Never",
            },
        });
        const good = kubeconfig(dir, "exec", mtlsUrl, pems["ca.crt"], exec([]));
        const result = await check(good);
        assert.equal(result.passed, true, result.detail);
        assert.ok(!JSON.stringify(result).includes(TOKEN));
        const failing = kubeconfig(
            dir,
            "exec-fail",
            mtlsUrl,
            pems["ca.crt"],
            exec([{ name: "FAIL", value: "1" }]),
        );
        const failed = await check(failing);
        assert.equal(failed.outcome, "error");
        assert.match(failed.detail, /exec credential plugin .*plugin\.sh failed: login expired/);
    });

    it("tells a refused port from a server that does not answer", async () => {
        const refused = kubeconfig(dir, "closed", closedUrl, pems["ca.crt"], certUser("client"));
        assert.equal((await check(refused)).outcome, "refused");
        state.behaviour = "hang";
        const hung = kubeconfig(dir, "hang", mtlsUrl, pems["ca.crt"], certUser("client"));
        const result = await check(hung, 1);
        assert.equal(result.outcome, "timeout");
        assert.match(result.detail, /no answer within 1 s; expected 200 ok/);
    });

    it("names a missing kubeconfig and an unknown context", async () => {
        const missing = await check(path.join(dir, "absent.yaml"));
        assert.equal(missing.outcome, "error");
        assert.match(missing.detail, /cannot use kubeconfig .*absent\.yaml/);
        const file = kubeconfig(dir, "mtls", mtlsUrl, pems["ca.crt"], certUser("client"));
        const malformed = path.join(dir, "malformed.yaml");
        fs.writeFileSync(
            malformed,
            `users:\n- name: u\n  user:\n    token: ${TOKEN}\n      bad: indent\n`,
        );
        const broken = await check(malformed);
        assert.match(broken.detail, /bad indentation/);
        assert.ok(!broken.detail.includes(TOKEN), "the YAML error quoted the token");
        const unknown = await checkOperatorReadyz({
            kubeconfig: file,
            context: "prod",
            timeoutSeconds: 5,
        });
        assert.match(unknown.detail, /no context "prod" \(contexts: mgmt\)/);
    });

    it("runs as a dynamic provider in a plain node process, failing with a table", async () => {
        const file = await serializeProvider("operator-readyz", operatorReadyzProvider);
        const provider = await ProviderProcess.start(file, process.env);
        try {
            const props = {
                mode: "onChange",
                api: { address: "127.0.0.1", port: 6443 },
                allowSet: [],
                retired: ["r-1"],
                settings: {
                    kubeconfig: kubeconfig(
                        dir,
                        "mtls",
                        mtlsUrl,
                        pems["ca.crt"],
                        certUser("client"),
                    ),
                    timeoutSeconds: 5,
                },
            };
            const created = await provider.ok<{ id: string; outs: { results: string[] } }>(
                "create",
                props,
            );
            assert.equal(created.outs.results.length, 1);
            assert.match(created.outs.results[0], /^pass operator .*mtls\.yaml: ok \(\d+ ms\)$/);
            assert.ok(!JSON.stringify(created).includes("LS0t"));
            state.behaviour = "etcd";
            const failed = await provider.call("update", created.id, created.outs, props);
            assert.equal(failed.ok, false);
            assert.match(
                failed.ok ? "" : failed.error.message,
                /operator readyz: 1 of 1 checks failed\nCHECK .*\noperator .* FAIL .*etcd failed: reason withheld/,
            );
        } finally {
            await provider.stop();
        }
    });
});

describe("TCP probes in a network namespace", function () {
    this.timeout(60000);
    const ns = `capi-checks-${process.pid}`;
    const dir = path.join(os.tmpdir(), `probes-${process.pid}`);
    const listeners: ChildProcess[] = [];
    const inNs = (script: string) =>
        execFileSync("ip", ["netns", "exec", ns, "sh", "-c", script], { stdio: "pipe" });

    const startListener = async (port: number, mode: "close" | "hold") => {
        const code = [
            "import socket, sys",
            "s = socket.socket()",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('0.0.0.0', int(sys.argv[1])))",
            "s.listen(64)",
            "print('ready', flush=True)",
            "held = []",
            "while True:",
            "    c, _ = s.accept()",
            "    held.append(c) if sys.argv[2] == 'hold' else c.close()",
        ].join("\n");
        const child = spawn(
            "ip",
            ["netns", "exec", ns, "python3", "-c", code, String(port), mode],
            {
                stdio: ["ignore", "pipe", "inherit"],
            },
        );
        listeners.push(child);
        await new Promise<void>((resolve, reject) => {
            child.stdout!.once("data", () => resolve());
            child.once("exit", (c) => reject(new Error(`listener ${port} exited ${c}`)));
        });
    };

    before(async () => {
        fs.mkdirSync(dir, { recursive: true });
        execFileSync("ip", ["netns", "add", ns]);
        inNs(
            [
                "set -e",
                "ip link set lo up",
                "ip link add bh0 type veth peer name bh1",
                `ip addr add ${VETH_ADDRESS}/24 dev bh0`,
                "ip link set bh0 up",
                "ip link set bh1 up",
                // The peer has no address and forwards nothing: frames to BLACKHOLE vanish.
                `ip neigh add ${BLACKHOLE} lladdr $(cat /sys/class/net/bh1/address) dev bh0 nud permanent`,
            ].join("\n"),
        );
        await startListener(LISTEN, "close");
        await startListener(HOLD, "hold");
    });

    after(() => {
        for (const child of listeners) {
            child.kill("SIGKILL");
        }
        execFileSync("ip", ["netns", "del", ns]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("the conductor handshake through the fake juju", () => {
        const scenario = path.join(dir, "scenario");
        const juju = (timeoutSeconds: number): JujuTarget => ({
            model: "openstack",
            application: "magnum",
            bin: FAKE_JUJU,
            timeoutSeconds,
            concurrency: 16,
            env: { ...process.env, FAKE_JUJU_SCENARIO: scenario },
        });
        const allowSet = (port: number) => [conductorEntry("127.0.0.1/32", port)];

        before(() => {
            const unit = (n: number, file: string, text: string) => {
                fs.mkdirSync(path.join(scenario, "units", `magnum-${n}`), { recursive: true });
                fs.writeFileSync(path.join(scenario, "units", `magnum-${n}`, file), text);
            };
            fs.mkdirSync(scenario, { recursive: true });
            fs.writeFileSync(path.join(scenario, "version"), "3.4.2-genericlinux-amd64\n");
            unit(0, "local", `${ns}\n`);
            unit(1, "local", `${ns}\n`);
            unit(2, "hang", "");
            unit(
                3,
                "task-failed",
                'exec: "/bin/bash": stat /bin/bash: no such file or directory\n',
            );
        });

        it("passes units that connect from an allowed source; a hung unit and a failed exec fail", async () => {
            const units = ["magnum/0", "magnum/1", "magnum/2", "magnum/3"];
            const results = await checkConductors(
                { juju: juju(3), units, timeoutSeconds: 2 },
                { address: "127.0.0.1", port: LISTEN },
                allowSet(LISTEN),
            );
            assert.deepEqual(
                results.map((r) => [r.target, r.outcome, r.passed, r.source]),
                [
                    ["magnum/0", "connected", true, "127.0.0.1"],
                    ["magnum/1", "connected", true, "127.0.0.1"],
                    ["magnum/2", "error", false, undefined],
                    ["magnum/3", "error", false, undefined],
                ],
            );
            assert.match(results[2].detail, /through juju on magnum\/2 got no answer in time/);
            assert.match(results[3].detail, /on magnum\/3 returned code none; .*stat \/bin\/bash/);
        });

        it("fails a refused port, a black-holed address (at the probe's timeout) and an outside source", async () => {
            const units = ["magnum/0", "magnum/1"];
            const run = (address: string, port: number) =>
                checkConductors(
                    { juju: juju(10), units, timeoutSeconds: 1 },
                    { address, port },
                    allowSet(port),
                );
            const refused = await run("127.0.0.1", CLOSED);
            assert.deepEqual(
                refused.map((r) => r.outcome),
                ["refused", "refused"],
            );
            const timeout = await run(BLACKHOLE, 6443);
            assert.deepEqual(
                timeout.map((r) => [r.outcome, r.passed]),
                [
                    ["timeout", false],
                    ["timeout", false],
                ],
            );
            assert.ok(
                timeout.every((r) => r.ms >= 1000 && r.ms < 3000),
                `ms: ${timeout.map((r) => r.ms)}`,
            );
            const outside = await run(VETH_ADDRESS, LISTEN);
            assert.deepEqual(
                outside.map((r) => [r.outcome, r.passed, r.source]),
                [
                    ["connected", false, VETH_ADDRESS],
                    ["connected", false, VETH_ADDRESS],
                ],
            );
        });

        it("runs as a dynamic provider in a plain node process", async function () {
            const file = await serializeProvider("conductor-handshake", conductorHandshakeProvider);
            const provider = await ProviderProcess.start(file, {
                ...process.env,
                FAKE_JUJU_SCENARIO: scenario,
            });
            try {
                const created = await provider.ok<{ outs: { results: string[] } }>("create", {
                    mode: "onChange",
                    api: { address: "127.0.0.1", port: LISTEN },
                    allowSet: allowSet(LISTEN),
                    retired: [],
                    settings: {
                        juju: {
                            model: "openstack",
                            application: "magnum",
                            bin: FAKE_JUJU,
                            timeoutSeconds: 10,
                            concurrency: 16,
                        },
                        units: ["magnum/0", "magnum/1"],
                        timeoutSeconds: 2,
                        flavor: "exec",
                    },
                });
                assert.deepEqual(
                    created.outs.results.map((r) => r.replace(/\(\d+ ms\)/, "")),
                    [
                        "pass conductor magnum/0 from 127.0.0.1: connected ",
                        "pass conductor magnum/1 from 127.0.0.1: connected ",
                    ],
                );
            } finally {
                await provider.stop();
            }
        });
    });

    describe("tenant isolation through the fake kubectl", () => {
        const state = path.join(dir, "kubectl");
        const config = path.join(dir, "tenant.yaml");
        const tenant = (extra: Partial<TenantCheck>): TenantCheck => ({
            kubeconfig: config,
            namespace: "default",
            kubectl: FAKE_KUBECTL,
            timeoutSeconds: 1,
            pod: "tenant-probe",
            ...extra,
        });
        const pods = () => fs.readdirSync(path.join(state, "pods"));
        const log = () => fs.readFileSync(path.join(state, "log"), "utf8");

        before(() => {
            fs.writeFileSync(config, "apiVersion: v1\nkind: Config\n");
            process.env.FAKE_KUBECTL_STATE = state;
            process.env.FAKE_KUBECTL_NETNS = ns;
        });

        after(() => {
            delete process.env.FAKE_KUBECTL_STATE;
            delete process.env.FAKE_KUBECTL_NETNS;
            delete process.env.FAKE_KUBECTL_FAIL;
        });

        it("passes only when the connection times out", async () => {
            const result = await checkTenantIsolation(tenant({}), {
                address: BLACKHOLE,
                port: 6443,
            });
            assert.equal(result.passed, true, result.detail);
            assert.equal(result.outcome, "timeout");
        });

        it("reports a connection and a refusal as isolation failures", async () => {
            for (const [port, outcome] of [
                [LISTEN, "connected"],
                [HOLD, "connected"],
                [CLOSED, "refused"],
            ] as const) {
                const result = await checkTenantIsolation(tenant({}), {
                    address: "127.0.0.1",
                    port,
                });
                assert.equal(result.passed, false);
                assert.equal(result.outcome, outcome);
                assert.match(
                    result.detail,
                    /exec \(pod default\/tenant-probe\) probing 127\.0\.0\.1:\d+: expected a timeout; isolation failure/,
                );
            }
        });

        it("runs a short-lived pod and removes it, also when the attach fails", async () => {
            const image = tenant({ pod: undefined, image: "busybox:1.36" });
            const passed = await checkTenantIsolation(image, { address: BLACKHOLE, port: 6443 });
            assert.equal(passed.passed, true, passed.detail);
            assert.deepEqual(pods(), []);
            process.env.FAKE_KUBECTL_FAIL = "attach";
            try {
                const failed = await checkTenantIsolation(image, {
                    address: BLACKHOLE,
                    port: 6443,
                });
                assert.equal(failed.outcome, "error");
                assert.match(
                    failed.detail,
                    /run \(image busybox:1\.36\).*exited 1 \(stderr: error: timed out waiting for the condition\)/,
                );
            } finally {
                delete process.env.FAKE_KUBECTL_FAIL;
            }
            assert.deepEqual(pods(), []);
            assert.match(log(), /delete pod capi-ingress-probe-[0-9a-f]{8} --ignore-not-found/);
        });

        it("reports a missing pod as an error naming kubectl exec", async () => {
            const result = await checkTenantIsolation(tenant({ pod: "gone" }), {
                address: BLACKHOLE,
                port: 6443,
            });
            assert.equal(result.outcome, "error");
            assert.match(result.detail, /exec \(pod default\/gone\).*NotFound/);
        });

        it("runs as a dynamic provider in a plain node process", async () => {
            const file = await serializeProvider("tenant-isolation", tenantIsolationProvider);
            const provider = await ProviderProcess.start(file, process.env);
            try {
                const props = {
                    mode: "always",
                    api: { address: "127.0.0.1", port: CLOSED },
                    allowSet: [],
                    retired: [],
                    settings: tenant({}),
                };
                const failed = await provider.call("create", props);
                assert.equal(failed.ok, false);
                assert.match(
                    failed.ok ? "" : failed.error.message,
                    /tenant isolation: 1 of 1 checks failed\n.*\ntenant .* refused .* FAIL/,
                );
                const created = await provider.ok<{ outs: { results: string[] } }>("create", {
                    ...props,
                    api: { address: BLACKHOLE, port: 6443 },
                });
                assert.match(
                    created.outs.results[0],
                    /^pass tenant pod default\/tenant-probe: timeout/,
                );
            } finally {
                await provider.stop();
            }
        });
    });
});
