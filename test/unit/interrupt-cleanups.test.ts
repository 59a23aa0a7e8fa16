// The cleanups owed on an interrupt (components/process/run.ts) and the tenant check's: owed while
// its short-lived pod may exist, run within their budget, forgotten once its own finally has run.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import {
    giveUpCleanups,
    onInterrupt,
    owedCleanups,
    runCleanups,
    stopRunningGroups,
} from "../../components/process/run";
import { checkTenantIsolation, TenantCheck } from "../../components/verify/tenant";
import { Io, reportInterrupted } from "../../tools/cli/main";

const FAKE_KUBECTL = path.resolve(__dirname, "..", "fixtures", "fake-kubectl", "kubectl");
const API = { address: "10.20.0.60", port: 6443 };

describe("cleanups owed on an interrupt", function () {
    this.timeout(20000);
    let dir: string;
    let saved: NodeJS.ProcessEnv;
    let check: TenantCheck;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cleanups-"));
        fs.writeFileSync(path.join(dir, "kubeconfig"), "apiVersion: v1\n");
        check = {
            kubeconfig: path.join(dir, "kubeconfig"),
            namespace: "tenant-a",
            image: "busybox",
            kubectl: FAKE_KUBECTL,
            timeoutSeconds: 5,
        };
        saved = { ...process.env };
        process.env.FAKE_KUBECTL_STATE = dir;
    });
    afterEach(() => {
        process.env = saved;
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const calls = () => fs.readFileSync(path.join(dir, "log"), "utf8").trim().split("\n");

    it("owes a cleanup until it is forgotten; runs the owed ones at once", async () => {
        const ran: string[] = [];
        const forgetA = onInterrupt("a", async () => ran.push("a"));
        const forgetB = onInterrupt("b", async () => {
            throw new Error("exited 1");
        });
        const owed = owedCleanups();
        assert.equal(owed.length, 2);
        forgetA();
        forgetB();
        assert.deepEqual(owedCleanups(), []);
        assert.deepEqual(await runCleanups(owed), ["b (exited 1)"], "a failed cleanup is named");
        assert.deepEqual(ran, ["a"], "a taken cleanup runs although forgotten since");
    });

    it("gives up on a cleanup past its budget", async () => {
        const forget = onInterrupt("pod x", () => new Promise(() => undefined));
        assert.deepEqual(await runCleanups(owedCleanups(), 100), ["pod x (not done within 0.1 s)"]);
        forget();
    });

    it("the tenant check owes the deletion of the pod it runs while kubectl runs", async () => {
        process.env.FAKE_KUBECTL_HANG = "run";
        const result = checkTenantIsolation(check, API);
        while (!fs.existsSync(path.join(dir, "hanging-run"))) {
            await delay(20);
        }
        // What the command line's signal path does (tools/cli/main.ts interrupt).
        const owed = owedCleanups();
        assert.equal(owed.length, 1);
        await stopRunningGroups(200);
        assert.deepEqual(await runCleanups(owed), []);
        const pod = /run (capi-ingress-probe-[0-9a-f]{8}) /.exec(calls()[0])![1];
        assert.deepEqual(
            calls().filter((c) => c.includes(" delete ")),
            [
                `--kubeconfig ${check.kubeconfig} --namespace tenant-a delete pod ${pod} ` +
                    `--ignore-not-found --wait=false`,
            ],
            "one deletion, shared with the check's own finally",
        );
        assert.deepEqual(fs.readdirSync(path.join(dir, "pods")), []);
        assert.equal((await result).passed, false);
        assert.deepEqual(owedCleanups(), [], "forgotten once its finally has run");
    });

    it("a deletion the interrupt stopped is started again by the cleanup", async () => {
        process.env.FAKE_KUBECTL_FAIL = "attach";
        process.env.FAKE_KUBECTL_HANG = "delete";
        const result = checkTenantIsolation(check, API);
        while (!fs.existsSync(path.join(dir, "hanging-delete"))) {
            await delay(20);
        }
        const owed = owedCleanups();
        await stopRunningGroups(200);
        delete process.env.FAKE_KUBECTL_HANG;
        assert.deepEqual(await runCleanups(owed), []);
        assert.equal(calls().filter((c) => c.includes(" delete pod ")).length, 2);
        assert.deepEqual(fs.readdirSync(path.join(dir, "pods")), []);
        await result;
        assert.deepEqual(owedCleanups(), []);
    });

    it("names the tenant pod a cleanup could not delete, for the operator to remove", async () => {
        process.env.FAKE_KUBECTL_HANG = "run delete";
        const result = checkTenantIsolation(check, API);
        while (!fs.existsSync(path.join(dir, "hanging-run"))) {
            await delay(20);
        }
        const owed = owedCleanups();
        await stopRunningGroups(200);
        const pod = /run (capi-ingress-probe-[0-9a-f]{8}) /.exec(calls()[0])![1];
        assert.deepEqual(await runCleanups(owed, 300), [
            `tenant pod tenant-a/${pod} (not done within 0.3 s)`,
        ]);
        // Given up, its stopped delete is not started again: that one would outlive the command.
        giveUpCleanups(owed);
        await stopRunningGroups(0);
        await result;
        await delay(300);
        assert.equal(calls().filter((c) => c.includes(" delete pod ")).length, 1);
        assert.deepEqual(await stopRunningGroups(0), [], "nothing was started again");
    });

    it("says what the interrupt could not undo, on stderr and in the --json document", () => {
        const said: string[] = [];
        const io = {
            stdout: (text: string) => said.push(`out ${text}`),
            stderr: (text: string) => said.push(`err ${text}`),
        } as unknown as Io;
        const left = ["tenant pod tenant-a/capi-ingress-probe-0a1b2c3d (not done within 30 s)"];
        assert.equal(reportInterrupted(["verify", "--stack", "x"], io, "SIGINT", left), 130);
        assert.deepEqual(said, [
            "err verify: interrupted (SIGINT); not undone, remove by hand: tenant pod " +
                "tenant-a/capi-ingress-probe-0a1b2c3d (not done within 30 s)\n",
        ]);
        said.length = 0;
        reportInterrupted(["verify", "--json"], io, "SIGTERM", left);
        assert.match(
            said[0],
            /^out \{"error":\{"kind":"interrupted".*not undone, remove by hand: tenant pod tenant-a\//,
        );
        said.length = 0;
        reportInterrupted(["verify"], io, "SIGINT");
        assert.deepEqual(said, ["err verify: interrupted (SIGINT)\n"]);
    });

    it("a normal run owes nothing after it, and execs into a named pod owe nothing", async () => {
        process.env.FAKE_KUBECTL_FAIL = "attach";
        const failed = await checkTenantIsolation(check, API);
        assert.equal(failed.outcome, "error");
        assert.deepEqual(fs.readdirSync(path.join(dir, "pods")), [], "its finally deleted it");
        assert.deepEqual(owedCleanups(), []);
        const exec = checkTenantIsolation({ ...check, image: undefined, pod: "missing" }, API);
        assert.deepEqual(owedCleanups(), []);
        assert.equal((await exec).passed, false);
    });
});
