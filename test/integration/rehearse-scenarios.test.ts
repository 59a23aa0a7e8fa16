// `rehearse --scenario <name> --json` against the local OpenStack: the refusing scenarios end
// refused with no rule deleted or created, the accepted one runs; the probes agree with the model.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
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
            // "before" admits every address: no documentation address lies outside it.
            assert.equal(s.differential!.against, "before");
            assert.ok(s.differential!.inside > 0);
            assert.equal(s.differential!.agreements, s.differential!.total);
            assert.doesNotMatch(log, /^create capi-mgmt-/m);
            // The plan's "after" rules enforced in place of the mirror, per protected port.
            const planned = s.planned!;
            assert.deepEqual(
                planned.map((d) => [d.against, d.port]),
                [
                    ["after", 6443],
                    ["after", 22],
                ],
            );
            for (const d of planned) {
                assert.equal(
                    d.agreements,
                    d.total,
                    JSON.stringify(d.samples.filter((p) => !p.agrees)),
                );
            }
            const counts = planned.map((d) => [d.inside, d.outside]);
            if (name === "protocol-zero") {
                // Protocol 0 from 0.0.0.0/0 stays: every IPv4 source on every port, and the API
                // stand-in is reachable over IPv4 only, so no probe source lies outside "after".
                assert.ok(counts.every(([inside, outside]) => inside > 0 && outside === 0));
            } else {
                // The offending rule keeps 6443 open to every address; 22 is left to the
                // operator, whose address a probe never reuses: outside probes only there.
                assert.ok(counts[0][0] > 0 && counts[0][1] === 0, JSON.stringify(counts));
                assert.ok(counts[1][0] === 0 && counts[1][1] > 0, JSON.stringify(counts));
            }
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
        assert.equal(s.deleted.length, 2, "the managed group's two wide rules");
        assert.ok(s.created.length > 0);
        const api = s.residual.find((r) => r.port === 6443 && r.ethertype === "IPv4")!;
        assert.equal(api.beyondAllowSet, "1 prefix: 198.51.100.128/25");
        assert.match(
            log,
            /^accepted: rule \S+ in group capi-scenario-sg: .*198\.51\.100\.128\/25/m,
        );
        const d = s.differential!;
        assert.equal(d.against, "after");
        assert.ok(d.inside > 0 && d.outside > 0, JSON.stringify(d));
        assert.equal(d.agreements, d.total, JSON.stringify(d.samples.filter((p) => !p.agrees)));
        const outcome = (source: string) => d.samples.find((p) => p.source === source)?.outcome;
        assert.equal(outcome("198.51.100.127"), "timeout");
        assert.equal(outcome("198.51.100.128"), "connected");
    });
});
