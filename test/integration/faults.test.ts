// The fault table: bad inputs across config, Juju, route, kubeconfig, clouds.yaml and Networking
// API answers, each run through the code that reads it. Every one must end with an error naming
// its key, unit, file or rule, and with nothing deleted. Prints the table as JSON (docs/faults.md).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../../components/config/schema";
import { JujuTarget } from "../../components/juju/units";
import { measureConductorSources, readApiEndpointFromUnits } from "../../components/juju/measure";
import { listRules } from "../../components/openstack/networking";
import { openSession } from "../../components/openstack/keystone";
import { resolveAuth } from "../../components/openstack/credentials";
import { retireRules } from "../../components/apply/retirement";
import { guardDestroy } from "../../components/apply/destroy-guard";
import { BAD_CONFIGS, validConfig } from "../support/bad-configs";
import { FakeAnswer, FakeOpenStack, startFakeOpenStack } from "../support/scripted-openstack";
import {
    StatusJson,
    rows,
    attempt,
    jujuTarget,
    ROUTES,
    SERVERS,
    CLOUDS,
    RULE,
    LISTS,
    shapeOf,
} from "../support/fault-table";

describe("fault table: every bad input ends with a named error and nothing deleted", function () {
    this.timeout(300000);
    let tmp: string;
    let fake: FakeOpenStack;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faults-"));
        fake = await startFakeOpenStack(process.env.LOCAL_CLOUD_HOST ?? "127.0.0.1");
    });

    after(async () => {
        await fake.close();
        fs.rmSync(tmp, { recursive: true, force: true });
        const summary = {
            kinds: rows.length,
            byArea: Object.fromEntries(
                [...new Set(rows.map((r) => r.area))].map((a) => [
                    a,
                    rows.filter((r) => r.area === a).length,
                ]),
            ),
            refusedAndNamed: rows.filter((r) => r.ended === "refused" && r.named).length,
            deleted: rows.reduce((n, r) => n + r.deleted, 0),
        };
        const table = rows.map(({ message, ...r }) => ({
            ...r,
            message: message.split("\n").slice(0, 2).join(" | ").slice(0, 240),
        }));
        const report = JSON.stringify({ suite: "faults", summary, rows: table }, null, 1);
        fs.mkdirSync(path.resolve(__dirname, "..", "..", ".cache"), { recursive: true });
        fs.writeFileSync(path.resolve(__dirname, "..", "..", ".cache", "faults.json"), report);
        console.log(report);
    });

    it("config", async () => {
        for (const [kind, change] of BAD_CONFIGS) {
            // The key the error is about; for the handshake it is not the key that was changed.
            const key = kind.includes("handshake")
                ? "verify.conductors.enabled"
                : Object.keys(change)[0];
            await attempt("config", kind, `capi-mgmt-ingress:${key}`, () =>
                parseStackConfig({ ...validConfig(), ...change }),
            );
        }
    });

    it("route (ip -j route get on magnum/1)", async () => {
        for (const [kind, stdout, rc] of ROUTES) {
            const files: Record<string, string> = { "ip.stdout": stdout };
            if (rc) {
                files["ip.rc"] = rc;
                files["ip.stderr"] = "RTNETLINK answers: Network is unreachable\n";
            }
            await attempt("route", kind, "magnum/1", () =>
                measureConductorSources(jujuTarget(tmp, files), "10.12.7.222"),
            );
        }
    });

    it("juju (status, tasks, a unit that hangs)", async () => {
        const measure = (t: JujuTarget) => () => measureConductorSources(t, "10.12.7.222");
        await attempt(
            "juju",
            "unit hangs (lost agent)",
            "magnum/1",
            measure(jujuTarget(tmp, { hang: "" })),
        );
        await attempt(
            "juju",
            "task not scheduled",
            "magnum/1",
            measure(jujuTarget(tmp, { unscheduled: "machine is down" })),
        );
        await attempt(
            "juju",
            "task failed",
            "magnum/1",
            measure(jujuTarget(tmp, { "task-failed": "exec failed" })),
        );
        const edits: [string, string, (s: StatusJson) => void][] = [
            ["application missing", "magnum", (s) => delete s.applications.magnum],
            ["no units", "magnum", (s) => (s.applications.magnum.units = {})],
            [
                "application status error",
                "magnum",
                (s) => (s.applications.magnum["status-error"] = "cannot read charm"),
            ],
            [
                "unit name of another application",
                "nova/0",
                (s) => (s.applications.magnum.units["nova/0"] = {}),
            ],
            [
                "unit name with a suffix",
                "magnum/1x",
                (s) => (s.applications.magnum.units["magnum/1x"] = {}),
            ],
        ];
        for (const [kind, names, edit] of edits) {
            await attempt("juju", kind, names, measure(jujuTarget(tmp, {}, edit)));
        }
        for (const [kind, stdout] of SERVERS) {
            await attempt("kubeconfig", kind, "magnum/1", () =>
                readApiEndpointFromUnits(
                    jujuTarget(tmp, { "sed.stdout": stdout }),
                    "/etc/magnum/kubeconfig",
                ),
            );
        }
    });

    it("clouds.yaml", async () => {
        for (const [kind, text, names] of CLOUDS) {
            const file = path.join(fs.mkdtempSync(path.join(tmp, "clouds-")), "clouds.yaml");
            fs.writeFileSync(file, text);
            await attempt("clouds.yaml", kind, names, () =>
                resolveAuth({
                    cloud: "lab",
                    env: { OS_CLIENT_CONFIG_FILE: file, HOME: tmp },
                    cwd: tmp,
                }),
            );
        }
    });

    it("API answers (a stand-in Keystone + Neutron)", async () => {
        const retry = { attempts: 1, timeoutMs: 5000 };
        const deleted = () => fake.deletes.splice(0).length;
        for (const [kind, answer] of LISTS) {
            fake.answer = (method, p) =>
                method === "GET" && p.startsWith("/v2.0/security-group-rules?")
                    ? answer
                    : undefined;
            await attempt(
                "api",
                `list: ${kind}`,
                "security-group-rules",
                async () => {
                    const s = await openSession({ env: fake.env, retry });
                    const rules = await listRules(s, "g1");
                    await retireRules(s, "g1", [], [{ id: "r1", shape: shapeOf(RULE) }]);
                    return rules;
                },
                deleted,
            );
        }
        const get = (body: unknown): FakeAnswer => ({
            status: 200,
            body: { security_group_rule: body },
        });
        const targets: [string, FakeAnswer, string][] = [
            [
                "target has another shape",
                get({ ...RULE, port_range_min: 22, port_range_max: 22 }),
                "r1: preview showed",
            ],
            [
                "target in another group",
                get({ ...RULE, security_group_id: "g2" }),
                "r1: preview showed it in group g1",
            ],
        ];
        for (const [kind, answer, names] of targets) {
            fake.answer = (method, p) =>
                method === "GET" && p.startsWith("/v2.0/security-group-rules/r1")
                    ? answer
                    : undefined;
            await attempt(
                "api",
                `retire: ${kind}`,
                names,
                async () => {
                    const s = await openSession({ env: fake.env, retry });
                    return retireRules(s, "g1", [], [{ id: "r1", shape: shapeOf(RULE) }]);
                },
                deleted,
            );
        }
        fake.answer = (method, p) =>
            method === "POST"
                ? { status: 503, body: { error: { message: "Service Unavailable" } } }
                : p.startsWith("/v2.0/security-group-rules/r1")
                  ? get(RULE)
                  : undefined;
        await attempt(
            "api",
            "keystone down (503) at preview",
            "/v3/auth/tokens",
            async () => {
                const s = await openSession({ env: fake.env, retry });
                return listRules(s, "g1");
            },
            deleted,
        );
        fake.answer = (method) =>
            method === "POST" ? { status: 201, body: { token: {} } } : undefined;
        await attempt(
            "api",
            "token answer without a token",
            "/v3/auth/tokens",
            async () => listRules(await openSession({ env: fake.env, retry }), "g1"),
            deleted,
        );
        await attempt("api", "keystone unreachable at preview", "127.0.0.1:9", async () =>
            listRules(
                await openSession({
                    env: { ...fake.env, OS_AUTH_URL: "http://127.0.0.1:9/v3" },
                    retry,
                }),
                "g1",
            ),
        );
        fake.answer = (method, p) =>
            method === "DELETE"
                ? { status: 409, body: { NeutronError: { type: "Conflict", message: "in use" } } }
                : p.startsWith("/v2.0/security-group-rules/r1")
                  ? get(RULE)
                  : undefined;
        let conflicts = 0;
        await attempt(
            "api",
            "409 on DELETE of a retire target",
            "r1",
            async () => {
                const s = await openSession({ env: fake.env, retry });
                return retireRules(s, "g1", [], [{ id: "r1", shape: shapeOf(RULE) }]);
            },
            () => ((conflicts = fake.deletes.splice(0).length), 0),
        );
        assert.equal(conflicts, 1, "one DELETE tried, answered 409: nothing deleted");
        fake.answer = (method, p) =>
            method === "GET" && p.startsWith("/v2.0/security-group-rules?")
                ? { status: 500, body: {} }
                : undefined;
        await attempt(
            "api",
            "destroy guard: neutron 500",
            "security group g1 could not be listed",
            async () =>
                guardDestroy({ cloud: "", groupId: "g1", entries: [] }, async (id) =>
                    listRules(await openSession({ env: fake.env, retry }), id),
                ),
        );
    });

    it("adds up: at least 60 kinds, each refused naming its subject, nothing deleted", () => {
        const bad = rows.filter((r) => r.ended !== "refused" || !r.named || r.deleted > 0);
        assert.ok(rows.length >= 60, `${rows.length} kinds`);
        assert.deepEqual(
            bad.map(
                (r) =>
                    `${r.area}/${r.kind}: ${r.ended}, names ${r.names}: ${r.named}, deleted ${r.deleted}: ${r.message.slice(0, 300)}`,
            ),
            [],
        );
    });
});
