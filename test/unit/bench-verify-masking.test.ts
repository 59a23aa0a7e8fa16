// `bench verify` prints the first failing result of each measurement: it runs the conductor check
// through runChecks, the checks' masked layer, so a secret in a unit's answer reaches its output
// masked (safety invariant 5).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { measure } from "../../tools/bench/verify";
import { conductorProbeCommand } from "../../components/verify/conductor";

const SECRET = "S8bench-planted";

/** A fake juju scenario: magnum/0 answers `stdout` (and `stderr`), magnum/1 connects. */
function scenario(root: string, stdout: string, stderr = ""): string {
    const dir = fs.mkdtempSync(path.join(root, "scenario-"));
    const kind = conductorProbeCommand({ address: "10.12.7.222", port: 6443 }, 1).split(/\s/)[0];
    fs.writeFileSync(path.join(dir, "version"), "3.4.2-genericlinux-amd64\n");
    const connected = { probe: "tcp", outcome: "connected", source: "10.12.4.11", ms: 3 };
    const answers = [
        [stdout, stderr],
        [`${JSON.stringify(connected)}\n`, ""],
    ];
    for (const [i, [out, err]] of answers.entries()) {
        const unit = path.join(dir, "units", `magnum-${i}`);
        fs.mkdirSync(unit, { recursive: true });
        fs.writeFileSync(path.join(unit, `${kind}.stdout`), out);
        fs.writeFileSync(path.join(unit, `${kind}.stderr`), err);
    }
    return dir;
}

describe("bench verify: what it prints of a failure is masked", function () {
    this.timeout(60000);
    let root: string;
    before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-verify-mask-"))));
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("a probe's error text", async () => {
        const line = { probe: "tcp", outcome: "error", ms: 2, error: `login token=${SECRET}` };
        const m = await measure(scenario(root, `${JSON.stringify(line)}\n`), 2, 0, 1);
        assert.equal(m.passed, 1);
        assert.match(m.firstFailure!, /^magnum\/0: error: .*got error \(login token=\*\*\*\*$/);
        assert.ok(!JSON.stringify(m).includes(SECRET));
    });

    it("a unit's stdout and stderr quoted by a probe line that is not JSON", async () => {
        const dir = scenario(root, `password: ${SECRET}\n`, `Authorization: Bearer ${SECRET}\n`);
        const m = await measure(dir, 2, 0, 1);
        assert.equal(m.passed, 1);
        assert.match(m.firstFailure!, /^magnum\/0: error: .*Bearer \*\*\*\*/);
        assert.ok(!JSON.stringify(m).includes(SECRET), m.firstFailure);
    });
});
