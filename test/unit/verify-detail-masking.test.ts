// Credentials in what a check meets (kubectl's streams, a kubeconfig's server URL, a /readyz
// answer, a custom check's expectation) are masked in every result the check layer returns, so
// no marker reaches the table, the --json document or a failed update's error (invariant 5).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import {
    CheckResult,
    checkCustom,
    checkOperatorReadyz,
    checkTenantIsolation,
    formatResults,
    runChecks,
} from "../../components/verify/checks";
import { CUSTOM_CHECK_RUNNER, customCheckSpec } from "../../components/verify/custom";
import { parseCustomVerdict } from "../../components/verify/probe-output";
import { probePath } from "../../components/verify/result";
import { operatorReadyzProvider } from "../../components/verify/resources";
import { api } from "../support/verify-fixtures";

/** The text table and the --json document both: neither may hold a marker. */
function assertMasked(results: CheckResult[]): void {
    for (const shown of [formatResults(results), JSON.stringify(results)]) {
        assert.doesNotMatch(shown, /S7LEAK/, shown);
    }
}

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-masking-"))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("verify: check details are masked", function () {
    this.timeout(20000);

    it("tenant: kubectl's stderr and stdout, quoted in the detail", async () => {
        const kubectl = path.join(dir, "kubectl");
        fs.writeFileSync(
            kubectl,
            "#!/bin/sh\n" +
                "echo 'passwordfile=S7LEAK4'\n" +
                "echo 'error: Unauthorized password: S7LEAK1 token S7LEAK2 Authorization: Bearer S7LEAK3' >&2\n" +
                "exit 1\n",
            { mode: 0o755 },
        );
        const tenant = {
            kubeconfig: path.join(dir, "none"),
            namespace: "default",
            pod: "tenant-probe",
            kubectl,
            timeoutSeconds: 1,
        };
        const single = await checkTenantIsolation(tenant, api);
        assert.equal(single.outcome, "error");
        // The streams are still quoted, their credentials masked.
        assert.match(single.detail, /Unauthorized password: \*{4} token \*{4}/);
        assert.match(single.detail, /passwordfile=\*{4}/);
        const all = await runChecks({ api, allowSet: [], tenant, custom: [] });
        assert.equal(all.length, 1);
        assertMasked([single, ...all]);
    });

    describe("operator: the kubeconfig's server URL and the /readyz answer", () => {
        let server: http.Server;
        let requested: string[];
        let kubeconfig: string;
        before(async () => {
            requested = [];
            server = http.createServer((req, res) => {
                requested.push(req.url ?? "");
                res.writeHead(500).end("[+]ping ok\n[-]etcd failed: password: S7LEAK1rz1\n");
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            const port = (server.address() as AddressInfo).port;
            kubeconfig = path.join(dir, "kubeconfig");
            fs.writeFileSync(
                kubeconfig,
                stringify({
                    apiVersion: "v1",
                    kind: "Config",
                    clusters: [
                        {
                            name: "mgmt",
                            cluster: {
                                server: `http://admin:S7LEAKui@127.0.0.1:${port}/?token=S7LEAKq9`,
                                // The client library takes plain http only so.
                                "insecure-skip-tls-verify": true,
                            },
                        },
                    ],
                    users: [{ name: "operator", user: {} }],
                    contexts: [{ name: "mgmt", context: { cluster: "mgmt", user: "operator" } }],
                    "current-context": "mgmt",
                }),
            );
        });
        after(() => server.close());

        it("requests /readyz with the query kept, and masks both in the detail", async () => {
            const operator = { kubeconfig, timeoutSeconds: 5 };
            const single = await checkOperatorReadyz(operator);
            assert.equal(single.outcome, "not-ready");
            assert.deepEqual(requested, ["/readyz?token=S7LEAKq9"]);
            assert.match(single.detail, /etcd failed: password: \*{4}/);
            const all = await runChecks({ api, allowSet: [], operator, custom: [] });
            assertMasked([single, ...all]);
        });

        it("a failed update's error (the dynamic resource) is masked too", async () => {
            const props = {
                mode: "always",
                api,
                allowSet: [],
                retired: [],
                settings: { kubeconfig, timeoutSeconds: 5 },
            };
            await assert.rejects(operatorReadyzProvider.create!(props), (err: Error) => {
                assert.match(err.message, /operator readyz: 1 of 1 checks failed/);
                assert.doesNotMatch(err.message, /S7LEAK/);
                return true;
            });
        });
    });

    describe("custom: the expectation quoted in the detail", () => {
        const expect = { stdoutMatches: "password: S7LEAK1rx token S7LEAK4rx" };

        it("npm run verify's runner", async () => {
            const check = { name: "leak", command: "echo nope", expect, timeoutSeconds: 5 };
            const single = await checkCustom(check);
            assert.equal(single.passed, false);
            assert.match(single.detail, /expected stdout to match expect\.stdoutMatches/);
            const all = await runChecks({ api, allowSet: [], custom: [check] });
            assertMasked([single, ...all]);
        });

        it("the runner's own streams, which a failed local.Command quotes in its error", () => {
            const check = { name: "leak", command: "echo nope", expect, timeoutSeconds: 5 };
            const run = spawnSync(process.execPath, [probePath(CUSTOM_CHECK_RUNNER)], {
                env: { ...process.env, CAPI_CHECK_SPEC: customCheckSpec(check) },
                encoding: "utf8",
            });
            assert.equal(run.status, 1);
            assert.match(run.stderr, /custom check leak failed/);
            assert.doesNotMatch(run.stdout + run.stderr, /S7LEAK/);
        });

        it("the update's verdict line (local.Command)", () => {
            const line = JSON.stringify({
                customCheck: "leak",
                passed: false,
                exitCode: 0,
                ms: 3,
                detail: `expected stdout to match /${expect.stdoutMatches}/; it did not`,
            });
            const verdict = parseCustomVerdict(`${line}\n`);
            assert.doesNotMatch(verdict.detail, /S7LEAK/);
            assert.throws(
                () => parseCustomVerdict(`${line.slice(0, -1)}\n`),
                (err: Error) => !/S7LEAK/.test(err.message),
            );
        });
    });
});
