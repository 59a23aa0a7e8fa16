// The workflows' helper scripts exit as the command line does: 2 when they could not run (bad
// usage, a stack file or a stack name they cannot use, git failing), never 1 (a finding).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

function tool(script: string, args: string[], cwd = ROOT) {
    return spawnSync(
        path.join(ROOT, "node_modules", ".bin", "ts-node"),
        ["--transpile-only", path.join(ROOT, "tools", script), ...args],
        { cwd, encoding: "utf8" },
    );
}

describe("policy:config and changed-stacks exit 2 when they could not run", function () {
    this.timeout(60_000);

    it("policy:config: a stack that does not exist, and one whose config does not validate", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
        try {
            const bad = path.join(dir, "Pulumi.bad.yaml");
            fs.writeFileSync(bad, "config:\n  capi-mgmt-ingress:minPrefixLength: wide\n");
            for (const [stack, expected] of [
                ["nosuch", /no stack "nosuch"/],
                [bad, /minPrefixLength/],
            ] as const) {
                const r = tool("policy-config.ts", ["--stack", stack]);
                assert.equal(r.status, 2, r.stderr);
                assert.match(r.stderr, expected);
                assert.equal(r.stdout, "");
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("changed-stacks: a ref git does not know, and an unknown option", () => {
        const r = tool("changed-stacks.ts", ["--base", "no-such-ref-at-all"]);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        const u = tool("changed-stacks.ts", ["--base", "HEAD", "--bogus"]);
        assert.equal(u.status, 2, u.stderr);
        assert.match(u.stderr, /--bogus/);
    });
});
