// The rehearsal's provider host: a provider process that starts while another provider is being
// written must still load the driver whole (a truncated driver.js runs as an empty script and
// exits 0, which failed a rehearsal's tenant check in CI).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { ProviderProcess, writeProvider } from "../../tools/rehearsal/provider-host";

describe("rehearsal provider host", () => {
    const files: string[] = [];
    after(() => files.forEach((file) => fs.rmSync(file, { force: true })));

    it("starts every provider while the next ones are written", async function () {
        this.timeout(60000);
        const starts: Promise<ProviderProcess>[] = [];
        for (let i = 0; i < 20; i++) {
            const text = `exports.handler = () => ({ answer: () => ${i} });`;
            const file = writeProvider(`host-test-${i}`, text);
            files.push(file);
            starts.push(ProviderProcess.start(file, process.env));
            // Rewrite while that process starts, as the apply does for the next resource.
            const until = Date.now() + 40;
            while (Date.now() < until) {
                writeProvider(`host-test-${i}`, text);
                await new Promise((resolve) => setImmediate(resolve));
            }
        }
        const settled = await Promise.allSettled(starts);
        const answers: unknown[] = [];
        const failures: string[] = [];
        for (const s of settled) {
            if (s.status === "rejected") {
                failures.push(String(s.reason));
                continue;
            }
            answers.push(await s.value.ok("answer"));
            await s.value.stop();
        }
        assert.deepEqual(failures, []);
        assert.deepEqual(answers, [...Array(20).keys()]);
    });
});
