// `rehearse --scenario <name> --json` against the local OpenStack: the refusing scenarios end
// refused with no rule deleted or created, the accepted one runs; the probes agree with the model.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
import { listStandIns } from "../../tools/rehearsal/topology";
import type { DifferentialResult } from "../../tools/rehearsal/differential";
import type { RehearsalVerdict } from "../../tools/rehearsal/verdict";

const ROOT = path.resolve(__dirname, "..", "..");

function rehearse(scenario: string): {
    status: number | null;
    verdict: RehearsalVerdict;
    log: string;
} {
    const run = spawnSync(
        process.execPath,
        ["tools/cli/capi-mgmt-ingress.js", "rehearse", "--scenario", scenario, "--json"],
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: withoutPulumi() } },
    );
    assert.ok(run.stdout.trim().startsWith("{"), run.stderr.slice(-4000));
    return {
        status: run.status,
        verdict: JSON.parse(run.stdout) as RehearsalVerdict,
        log: run.stderr,
    };
}

function rows(results: DifferentialResult[]): [string, number, string][] {
    return results.map((d) => [d.against, d.port, d.ethertype]);
}

function counts(d: DifferentialResult): object {
    return { row: `${d.against} ${d.port} ${d.ethertype}`, inside: d.inside, outside: d.outside };
}

function withoutPulumi(): string {
    return (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => !/pulumi/i.test(dir))
        .join(path.delimiter);
}

describe("npm run rehearse -- --scenario (engine-less)", function () {
    this.timeout(300000);

    before(async function () {
        await cloudOrSkip(this);
    });

    for (const name of ["second-group", "protocol-zero", "port-range"]) {
        it(`${name}: refuses before anything is deleted, naming the rule; probes agree`, () => {
            const { status, verdict, log } = rehearse(name);
            const s = verdict.scenario!;
            assert.equal(status, 0, log.slice(-4000));
            assert.equal(s.name, name);
            assert.match(s.refusal ?? "", /^exposure: after this update/);
            assert.ok(s.refusalNamesRule, s.refusal);
            assert.deepEqual([s.deleted, s.created], [[], []]);
            // "before" admits every address of both families on both ports (0.0.0.0/0, ::/0):
            // no documentation address lies outside it.
            assert.deepEqual(rows(s.differential!), [
                ["before", 6443, "IPv4"],
                ["before", 6443, "IPv6"],
                ["before", 22, "IPv4"],
                ["before", 22, "IPv6"],
            ]);
            for (const d of s.differential!) {
                assert.ok(d.inside > 0 && d.outside === 0, JSON.stringify(counts(d)));
            }
            assert.doesNotMatch(log, /^create capi-mgmt-/m);
            // The plan's "after" rules enforced in place of the mirror, per port and family.
            const planned = s.planned!;
            assert.deepEqual(rows(planned), [
                ["after", 6443, "IPv4"],
                ["after", 6443, "IPv6"],
                ["after", 22, "IPv4"],
                ["after", 22, "IPv6"],
            ]);
            for (const d of [...s.differential!, ...planned]) {
                assert.equal(
                    d.agreements,
                    d.total,
                    JSON.stringify(d.samples.filter((p) => !p.agrees)),
                );
                // Every row has inside probes: on 22 the operator's stand-in and its IPv6 /128.
                assert.ok(d.inside > 0, JSON.stringify(counts(d)));
            }
            const outside = planned.map((d) => d.outside > 0);
            // IPv6 "after" is the allow-set's alone: outside probes on both ports. IPv4: protocol
            // 0 from 0.0.0.0/0 stays on every port; the others keep 6443 open and leave 22 tight.
            assert.deepEqual(
                outside,
                name === "protocol-zero" ? [false, true, false, true] : [false, true, true, true],
            );
            assert.deepEqual(s.problems, []);
            // Pinned for the probes, then the mirror of the live rules restored.
            const applied = log.split("\n").filter((line) => line.includes("firewall: applied"));
            assert.ok(applied.some((line) => line.endsWith("(pinned, not the live rules)")));
            assert.ok(!applied[applied.length - 1].includes("pinned"), applied.join("\n"));
        });
    }

    it("accepted: runs the update, keeps the accepted group's rule, shows the residual exposure; probes agree inside and outside", () => {
        const { status, verdict, log } = rehearse("accepted");
        const s = verdict.scenario!;
        assert.equal(status, 0, log.slice(-4000));
        assert.equal(s.refusal, undefined);
        assert.ok(verdict.tight && verdict.verified, verdict.problems.join("; "));
        assert.equal(s.deleted.length, 4, "the managed group's wide rules, IPv4 and IPv6");
        assert.ok(s.created.length > 0);
        const api = s.residual.find((r) => r.port === 6443 && r.ethertype === "IPv4")!;
        assert.equal(api.beyondAllowSet, "1 prefix: 198.51.100.128/25");
        assert.match(
            log,
            /^accepted: rule \S+ in group capi-scenario-sg: .*198\.51\.100\.128\/25/m,
        );
        assert.match(
            log,
            /^scenario accepted: the update ran; still admitted beyond the allow-set, as accepted: .*6443\/tcp IPv4: 1 prefix: 198\.51\.100\.128\/25/m,
        );
        const v6 = s.residual.find((r) => r.port === 6443 && r.ethertype === "IPv6")!;
        assert.equal(v6.beyondAllowSet, "1 prefix: 2001:db8:ba5::/48");
        assert.deepEqual(rows(s.differential!), [
            ["after", 6443, "IPv4"],
            ["after", 6443, "IPv6"],
            ["after", 22, "IPv4"],
            ["after", 22, "IPv6"],
        ]);
        for (const row of s.differential!) {
            assert.ok(row.inside > 0 && row.outside > 0, JSON.stringify(counts(row)));
            assert.equal(row.agreements, row.total, JSON.stringify(row.samples));
        }
        const d = s.differential![0];
        const outcome = (source: string) => d.samples.find((p) => p.source === source)?.outcome;
        assert.equal(outcome("198.51.100.127"), "timeout");
        assert.equal(outcome("198.51.100.128"), "connected");
    });

    it("port-range interrupted by Ctrl-C to the process group: says so, no verdict, exit 130", async () => {
        const child = spawn(
            process.execPath,
            ["tools/cli/capi-mgmt-ingress.js", "rehearse", "--scenario", "port-range"],
            { cwd: ROOT, env: { ...process.env, PATH: withoutPulumi() }, detached: true },
        );
        let stdout = "";
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        let sent = false;
        child.stdout.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            if (!sent && stdout.includes("== apply: the program's update")) {
                sent = true;
                process.kill(-child.pid!, "SIGINT");
            }
        });
        const status = await new Promise<number | null>((resolve) => child.on("exit", resolve));
        assert.ok(sent, `never reached the apply: ${stdout.slice(-4000)}`);
        assert.equal(status, 130, stderr.slice(-4000));
        // The stand-ins died with the signal: probes now would be false disagreements.
        assert.doesNotMatch(
            stdout,
            /== verdict|FAILED|== differential|exposure of the API's port now/,
        );
        assert.match(stdout, /== interrupted \(SIGINT\)/);
        assert.match(stderr, /^rehearse: interrupted \(SIGINT\)/m);
        const left = (await listStandIns()).filter(
            (name) => name.includes(`-${child.pid}-`) || name.endsWith(`${child.pid}op`),
        );
        assert.deepEqual(left, []);
    });

    it("protocol-zero with --json interrupted by SIGINT to the process: stops, exit 130", async () => {
        const child = spawn(
            process.execPath,
            ["tools/cli/capi-mgmt-ingress.js", "rehearse", "--scenario", "protocol-zero", "--json"],
            { cwd: ROOT, env: { ...process.env, PATH: withoutPulumi() } },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        let sent = false;
        child.stderr.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
            if (!sent && stderr.includes("== apply: the program's update")) {
                sent = true;
                child.kill("SIGINT");
            }
        });
        const status = await new Promise<number | null>((resolve) => child.on("exit", resolve));
        assert.ok(sent, `never reached the apply: ${stderr.slice(-4000)}`);
        assert.equal(status, 130, stderr.slice(-4000));
        const doc = JSON.parse(stdout) as { error: { kind: string } };
        assert.equal(doc.error.kind, "interrupted");
        // Not run to the end: no refusal judged, no probes, no verdict.
        assert.doesNotMatch(stderr, /the update refused|== verdict|== differential/);
    });
});
