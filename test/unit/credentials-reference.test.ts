// The differential test: every scenario resolved by the project and by openstacksdk's config
// loader (tools/reference/resolve.py, one python process for all), in its own directories and
// environment. No identity field may differ; where the project refuses, the reason is a row of
// docs/credentials.md. Skipped only outside CI when the reference is not installed.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AuthSettings, resolveAuth } from "../../components/openstack/credentials";
import { REFUSALS } from "../support/credential-refusals";
import {
    APP_SENTINEL,
    Scenario,
    SCENARIOS as RESOLVING,
    SENTINEL,
} from "../support/credential-scenarios";

const SCENARIOS = [...RESOLVING, ...REFUSALS];

const PYTHON = "/usr/bin/python3";
const RESOLVER = path.join(__dirname, "../../tools/reference/resolve.py");

interface Identity {
    authUrl: string | null;
    method: string | null;
    username: string | null;
    userId: string | null;
    userDomainName: string | null;
    userDomainId: string | null;
    projectName: string | null;
    projectId: string | null;
    projectDomainName: string | null;
    projectDomainId: string | null;
    applicationCredentialId: string | null;
    applicationCredentialName: string | null;
    regionName: string | null;
    interface: string | null;
    verify: boolean | string;
}

type Answer =
    | { id: string; ok: true; identity: Identity & Record<string, unknown> }
    | { id: string; ok: false; error: string };

function referenceInstalled(): boolean {
    try {
        execFileSync(PYTHON, ["-c", "import openstack.config.loader"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** The project's identity in the reference's terms. */
function projectIdentity(s: AuthSettings): Identity {
    return {
        authUrl: s.authUrl,
        method: s.method === "password" ? "password" : "v3applicationcredential",
        username: s.username ?? null,
        userId: s.userId ?? null,
        userDomainName: s.userDomainName ?? null,
        userDomainId: s.userDomainId ?? null,
        projectName: s.projectName ?? null,
        projectId: s.projectId ?? null,
        projectDomainName: s.projectDomainName ?? null,
        projectDomainId: s.projectDomainId ?? null,
        applicationCredentialId: s.applicationCredentialId ?? null,
        applicationCredentialName: s.applicationCredentialName ?? null,
        regionName: s.regionName ?? null,
        interface: s.interface,
        verify: s.insecure ? false : (s.cacert ?? true),
    };
}

function referenceIdentity(answer: Identity & Record<string, unknown>): Identity {
    const { method, interface: iface, ...rest } = answer;
    const picked = Object.fromEntries(
        Object.keys(projectIdentity({} as AuthSettings)).map((k) => [
            k,
            (rest as Record<string, unknown>)[k] ?? null,
        ]),
    ) as unknown as Identity;
    return {
        ...picked,
        method: method === "v3password" ? "password" : method,
        interface: typeof iface === "string" ? iface.replace(/URL$/, "") : iface,
        verify: answer.verify,
    };
}

function layOut(root: string, scenario: Scenario): { env: NodeJS.ProcessEnv; cwd: string } {
    for (const dir of ["home", "cwd", "sys"]) {
        fs.mkdirSync(path.join(root, dir), { recursive: true });
    }
    for (const [file, text] of Object.entries(scenario.files ?? {})) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
    }
    const env: NodeJS.ProcessEnv = {
        HOME: path.join(root, "home"),
        XDG_CONFIG_DIRS: path.join(root, "sys"),
    };
    for (const [key, value] of Object.entries(scenario.env ?? {})) {
        env[key] = value.replace("<root>", root);
    }
    return { env, cwd: path.join(root, "cwd") };
}

describe("credentials: the same identity as openstacksdk's loader", function () {
    this.timeout(60000);
    const installed = referenceInstalled();
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "credentials-reference-"));
    const laid = SCENARIOS.map((s, i) => ({
        scenario: s,
        ...layOut(path.join(base, String(i)), s),
    }));
    let answers: Map<string, Answer>;

    before(function () {
        if (!installed) {
            if (process.env.CI === "true") {
                throw new Error(
                    `openstacksdk is not importable by ${PYTHON}; CI installs python3-openstacksdk (scripts/install-debian-packages.sh)`,
                );
            }
            this.skip();
        }
        const input = laid.map((l, i) => ({
            id: String(i),
            cwd: l.cwd,
            env: l.env,
            cloud: l.scenario.cloud,
        }));
        const output = execFileSync(PYTHON, [RESOLVER], { input: JSON.stringify(input), env: {} });
        answers = new Map((JSON.parse(output.toString()) as Answer[]).map((a) => [a.id, a]));
    });
    after(() => fs.rmSync(base, { recursive: true, force: true }));

    it("covers at least 50 scenarios", () => {
        assert.ok(SCENARIOS.length >= 50, `${SCENARIOS.length} scenarios`);
    });

    laid.forEach(({ scenario, env, cwd }, i) => {
        it(scenario.name, () => {
            const reference = answers.get(String(i));
            assert.ok(reference, "the reference gave no answer");
            let ours: Identity | undefined;
            let refusal: Error | undefined;
            try {
                ours = projectIdentity(resolveAuth({ env, cwd, cloud: scenario.cloud }).settings);
            } catch (err) {
                refusal = err as Error;
            }
            if (refusal) {
                assert.ok(!refusal.message.includes("s3cr3t-sentinel-"), "a secret in the message");
                assert.ok(
                    scenario.refuse,
                    `the project refused (${refusal.message}); the reference: ${JSON.stringify(reference)}`,
                );
                assert.match(refusal.message, scenario.refuse.message);
                return;
            }
            assert.equal(scenario.refuse, undefined, "expected the project to refuse");
            assert.ok(
                reference.ok,
                `the reference refused (${!reference.ok && reference.error}); the project resolved`,
            );
            assert.deepEqual(ours, referenceIdentity(reference.identity));
        });
    });

    it("lists every refusal in docs/credentials.md", () => {
        const doc = fs.readFileSync(path.join(__dirname, "../../docs/credentials.md"), "utf8");
        for (const s of SCENARIOS.filter((x) => x.refuse)) {
            assert.match(
                doc,
                new RegExp(
                    `^\\| ${s.refuse!.row.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+\\|`,
                    "m",
                ),
                s.name,
            );
        }
        assert.ok(!doc.includes(SENTINEL) && !doc.includes(APP_SENTINEL));
    });
});
