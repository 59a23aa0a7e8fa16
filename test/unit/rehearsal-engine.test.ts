// The rehearsal's Automation API path, up to the CLI: a fake `pulumi` first on PATH records what
// the Automation API asks of it, and stops it at the first real command.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { engineSettings, previewAndUp, prepareEngineProject } from "../../tools/rehearsal/engine";

const ROOT = path.resolve(__dirname, "../..");

const FAKE_PULUMI = `#!/usr/bin/env bash
printf '%s|%s|%s\\n' "$*" "$PULUMI_BACKEND_URL" "\${PULUMI_CONFIG_PASSPHRASE:+set}" >>"$FAKE_PULUMI_LOG"
if [[ "$1" == "version" ]]; then echo "v3.248.0"; exit 0; fi
echo "fake pulumi: stopping at $1" >&2
exit 1
`;

describe("rehearsal through the engine (up to the CLI call)", () => {
    let dir: string;
    let savedPath: string | undefined;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-engine-"));
        savedPath = process.env.PATH;
    });

    afterEach(() => {
        process.env.PATH = savedPath;
        delete process.env.FAKE_PULUMI_LOG;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function settings() {
        return engineSettings({
            root: ROOT,
            stateDir: path.join(dir, "state"),
            stack: "rehearsal",
            values: {
                cloud: "rehearsal",
                api: { address: "192.0.2.97", port: 6443 },
                operator: { cidrs: ["203.0.113.1/32"], reason: "the rehearsal operator" },
            },
            env: { OS_CLOUD: "rehearsal" },
        });
    }

    it("namespaces the config, passes objects as JSON text and makes a fresh passphrase", () => {
        const a = settings();
        assert.deepEqual(a.config, {
            "capi-mgmt-ingress:cloud": { value: "rehearsal" },
            "capi-mgmt-ingress:api": { value: '{"address":"192.0.2.97","port":6443}' },
            "capi-mgmt-ingress:operator": {
                value: '{"cidrs":["203.0.113.1/32"],"reason":"the rehearsal operator"}',
            },
        });
        assert.equal(a.envVars.PULUMI_BACKEND_URL, `file://${path.join(dir, "state", "state")}`);
        assert.equal(a.envVars.OS_CLOUD, "rehearsal");
        assert.ok(a.envVars.PULUMI_CONFIG_PASSPHRASE.length >= 32);
        assert.notEqual(
            a.envVars.PULUMI_CONFIG_PASSPHRASE,
            settings().envVars.PULUMI_CONFIG_PASSPHRASE,
        );
        assert.deepEqual(a.policyPacks, [path.join(ROOT, "policy")]);
    });

    it("writes a project whose main is this program, leaving the stack files alone", () => {
        const stacks = path.join(ROOT, "stacks");
        const before = fs
            .readdirSync(stacks)
            .map((f) => fs.readFileSync(path.join(stacks, f), "utf8"));
        const s = settings();
        prepareEngineProject(s);
        const project = parse(fs.readFileSync(path.join(s.workDir, "Pulumi.yaml"), "utf8"));
        assert.equal(path.resolve(s.workDir, project.main), ROOT);
        assert.equal(project.name, "capi-mgmt-ingress");
        assert.ok(fs.existsSync(path.join(path.resolve(s.workDir, project.main), "index.ts")));
        assert.deepEqual(
            fs.readdirSync(stacks).map((f) => fs.readFileSync(path.join(stacks, f), "utf8")),
            before,
        );
    });

    it("hands the CLI the stack, the file backend and the passphrase", async () => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "pulumi"), FAKE_PULUMI, { mode: 0o755 });
        const log = path.join(dir, "pulumi.log");
        process.env.FAKE_PULUMI_LOG = log;
        process.env.PATH = `${bin}:${savedPath}`;
        const s = settings();
        await assert.rejects(
            previewAndUp(s, () => undefined),
            /fake pulumi: stopping at/,
        );
        const calls = fs.readFileSync(log, "utf8").trim().split("\n");
        assert.equal(calls[0].split("|")[0], "version");
        const stackCall = calls.find((c) => c.includes("rehearsal") && c.startsWith("stack"));
        assert.ok(stackCall, `no stack command in ${calls.join("; ")}`);
        const [, backend, passphrase] = stackCall.split("|");
        assert.equal(backend, s.envVars.PULUMI_BACKEND_URL);
        assert.equal(passphrase, "set");
    });
});
