// `npm run rehearse` end to end in its engine-less mode, against the local OpenStack.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
import { listStandIns } from "../../tools/rehearsal/topology";

const ROOT = path.resolve(__dirname, "..", "..");

describe("npm run rehearse (engine-less)", function () {
    this.timeout(300000);

    before(async function () {
        await cloudOrSkip(this);
    });

    it("ends tight and verified, with the wide rules gone and every check passed", () => {
        const run = spawnSync(process.execPath, ["tools/cli/capi-mgmt-ingress.js", "rehearse"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, PATH: withoutPulumi() },
        });
        const output = `${run.stdout}\n${run.stderr}`;
        assert.equal(run.status, 0, output.slice(-4000));
        assert.match(output, /== engine-less: the Pulumi CLI is not installed/);
        // The operator's flow: the review prints the digest, the approval writes it, the update.
        const steps = ["== review: ", "== approval: ", "== apply: "].map((h) => output.indexOf(h));
        assert.ok(
            steps.every((i, n) => i >= 0 && (n === 0 || i > steps[n - 1])),
            output,
        );
        const review = output.slice(steps[0], steps[1]);
        const digest = /Retirement digest: `(sha256:[0-9a-f]{64})` \(not approved: /.exec(review);
        assert.ok(digest, review);
        assert.ok(output.slice(steps[1], steps[2]).includes(`digest: ${digest[1]}`));
        // The program's own update: its rules, then its gate, retirement and checks, in that order.
        const apply = output.slice(output.indexOf("== apply: the program's update"));
        const order = [/^create capi-mgmt-/m, /^ReadbackGate capi-mgmt-readback: /m];
        order.push(/^WideRuleRetirement capi-mgmt-retirement: retired \[.*deleted.*deleted\]/m);
        order.push(/^TenantIsolation capi-mgmt-tenant-isolation: pass /m);
        const at = order.map((re) => apply.search(re));
        assert.ok(
            at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1])),
            apply,
        );
        assert.match(
            output,
            /tenant probe to 192\.0\.2\.222:6443: connected \(expected: connected\)/,
        );
        for (const unit of [0, 1, 2]) {
            assert.match(
                output,
                new RegExp(
                    `conductor +magnum/${unit} +203\\.0\\.113\\.1${unit + 1} +connected .* pass`,
                ),
            );
        }
        assert.match(output, /operator .*200 ok/);
        assert.match(output, /tenant +pod default\/beta-probe .* timeout .* pass/);
        const table = output.slice(output.indexOf("before and after"));
        assert.match(table, /tcp 6443 +0\.0\.0\.0\/0 +yes +-/);
        assert.match(table, /tcp 22 +0\.0\.0\.0\/0 +yes +-/);
        assert.match(output, /tight: all 7 allow entries present, no wide rule or drift/);
    });

    it("a crash inside the apply removes the namespaces and exits 2 with a JSON error", async () => {
        const crash = path.join(ROOT, "test/fixtures/rehearsal-crash.js");
        const run = spawnSync(
            process.execPath,
            ["tools/cli/capi-mgmt-ingress.js", "rehearse", "--json"],
            {
                cwd: ROOT,
                encoding: "utf8",
                env: {
                    ...process.env,
                    PATH: withoutPulumi(),
                    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${crash}`,
                },
            },
        );
        assert.match(run.stderr, /^create capi-mgmt-/m, "the crash comes inside the apply");
        assert.equal(run.status, 2, run.stderr.slice(-4000));
        const doc = JSON.parse(run.stdout) as { error: { command: string; message: string } };
        assert.equal(doc.error.command, "rehearse");
        assert.match(doc.error.message, /crashed: crash injected inside the apply/);
        const left = (await listStandIns()).filter(
            (name) => name.includes(`-${run.pid}-`) || name.endsWith(`${run.pid}op`),
        );
        assert.deepEqual(left, []);
    });

    it("two interrupts inside the apply: the stand-ins are removed, exit 130 with the JSON", async () => {
        const child = spawn(
            process.execPath,
            ["tools/cli/capi-mgmt-ingress.js", "rehearse", "--json"],
            { cwd: ROOT, env: { ...process.env, PATH: withoutPulumi() } },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        let sent = false;
        child.stderr.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
            if (!sent && /^create capi-mgmt-/m.test(stderr)) {
                sent = true;
                // The second comes while the first's removal runs: it must not cut it short.
                child.kill("SIGINT");
                setTimeout(() => child.kill("SIGINT"), 200);
            }
        });
        const status = await new Promise<number | null>((resolve) => child.on("exit", resolve));
        assert.ok(sent, `never reached the apply: ${stderr.slice(-4000)}`);
        assert.equal(status, 130, stderr.slice(-4000));
        const doc = JSON.parse(stdout) as { error: { kind: string; command: string } };
        assert.deepEqual([doc.error.kind, doc.error.command], ["interrupted", "rehearse"]);
        assert.match(stderr, /SIGINT: still removing the stand-ins/);
        // It stops at the signal: the run does not go on to its checks and verdict.
        assert.doesNotMatch(stderr, /== verify|== verdict|^tight: |^NOT tight/m);
        const left = (await listStandIns()).filter(
            (name) => name.includes(`-${child.pid}-`) || name.endsWith(`${child.pid}op`),
        );
        assert.deepEqual(left, []);
    });

    it("Ctrl-C to the process group inside the apply: nothing written after it, stand-ins removed, exit 130", async () => {
        // As a terminal sends it: to every process of the group, the stand-ins' children too.
        const child = spawn(
            process.execPath,
            ["tools/cli/capi-mgmt-ingress.js", "rehearse", "--json"],
            { cwd: ROOT, env: { ...process.env, PATH: withoutPulumi() }, detached: true },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        let sent = -1;
        child.stderr.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
            if (sent < 0 && /^create capi-mgmt-/m.test(stderr)) {
                sent = stderr.length;
                process.kill(-child.pid!, "SIGINT");
                // The second comes while the first's removal runs: it must not cut it short.
                setTimeout(() => process.kill(-child.pid!, "SIGINT"), 500);
            }
        });
        const status = await new Promise<number | null>((resolve) => child.on("exit", resolve));
        assert.ok(sent >= 0, `never reached the apply: ${stderr.slice(-4000)}`);
        assert.equal(status, 130, stderr.slice(-4000));
        const doc = JSON.parse(stdout) as { error: { kind: string; command: string } };
        assert.deepEqual([doc.error.kind, doc.error.command], ["interrupted", "rehearse"]);
        const after = stderr.slice(stderr.indexOf("SIGINT: removing the stand-ins"));
        // Nothing starts after the signal: what it logs is only the writes already in flight.
        const inFlight = /^stopped: (\d+) write\(s\) in flight complete, none starts$/m.exec(after);
        assert.ok(inFlight, after);
        const written = after.match(
            /^(create |ReadbackGate|WideRuleRetirement|TenantIsolation|command )/gm,
        );
        assert.ok((written?.length ?? 0) <= Number(inFlight[1]), after);
        assert.doesNotMatch(stderr, /promises were still active/);
        const left = (await listStandIns()).filter(
            (name) => name.includes(`-${child.pid}-`) || name.endsWith(`${child.pid}op`),
        );
        assert.deepEqual(left, []);
    });
});

/** The engine-less path is the one under test, even where a Pulumi CLI is installed. */
function withoutPulumi(): string {
    return (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => !fs.existsSync(path.join(dir, "pulumi")))
        .join(path.delimiter);
}
