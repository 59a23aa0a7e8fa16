// The operator check against real sockets: an HTTPS server on loopback that requires client
// certificates (made here with the openssl CLI), bearer tokens and exec plugins, and the dynamic
// provider serialized and run in a plain node process. The probes in a network namespace are in
// checks-netns.test.ts.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { checkOperatorReadyz } from "../../components/verify/checks";
import { operatorReadyzProvider } from "../../components/verify/resources";
import { ProviderProcess, serializeProvider } from "../../tools/rehearsal/provider-host";
import {
    TOKEN,
    makeCertificates,
    Behaviour,
    readyzHandler,
    listen,
    kubeconfig,
} from "../support/readyz-server";

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
        assert.match(
            failed.detail,
            /the exec credential plugin .*plugin\.sh failed: login expired/,
        );
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
        const absent = { "client-certificate": path.join(dir, "absent.crt"), token: TOKEN };
        const unreadable = await check(kubeconfig(dir, "nocert", mtlsUrl, pems["ca.crt"], absent));
        assert.match(unreadable.detail, /: the user's certificates or token failed: ENOENT/);
        assert.ok(!unreadable.detail.includes(TOKEN));
    });

    it("runs as a dynamic provider in a plain node process, failing with a table", async function () {
        // Serializing and starting the provider takes tens of seconds on a loaded machine; the
        // check's own timeouts (5 s) are what the test is about.
        this.timeout(120000);
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
