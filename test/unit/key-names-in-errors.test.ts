// Key names in the refusals that do not come from a YAML parse error: an unknown key under a cloud's
// auth (clouds.yaml, secure.yaml, clouds.json), an unknown key of the stack config, and a clouds
// file's value holding `: `. A key is shown only when it reads as a name (yaml-keys.ts keyShown);
// a value typed where a key goes, or control characters, must never reach the message (safety
// invariant 5).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackFileText } from "../../components/config/stackfile";
import { resolveAuth } from "../../components/openstack/credentials";
import { configProblems, validConfig } from "../support/bad-configs";

const LEAK = "S8LEAK";

/** What `run` returns, failing if it emits a process warning that holds LEAK (stderr). */
function quietly<T>(run: () => T): T {
    const emit = process.emitWarning;
    const warned: string[] = [];
    process.emitWarning = (w: string | Error) => warned.push(String(w));
    try {
        return run();
    } finally {
        process.emitWarning = emit;
        assert.deepEqual(
            warned.filter((w) => w.includes(LEAK)),
            [],
        );
    }
}

/** The refusal of cloud prod given `files` (name to text) in a fresh directory. */
function refusal(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "key-names-"));
    for (const [name, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, name), text);
    }
    try {
        quietly(() => resolveAuth({ cloud: "prod", env: { HOME: dir }, cwd: dir }));
    } catch (err) {
        if (err instanceof assert.AssertionError) {
            throw err;
        }
        return (err as Error).message.replace(`${dir}${path.sep}`, "");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.fail("the clouds file was accepted");
}

/** The message holds none of the planted text and no control character. */
function assertClean(message: string): void {
    assert.equal(message.includes(LEAK), false, message);
    assert.equal(/[\u0000-\u001f\u007f]/.test(message), false, JSON.stringify(message));
}

const cloud = (auth: string[]) =>
    [
        "clouds:",
        "  prod:",
        "    auth_type: password",
        "    auth:",
        "      auth_url: http://127.0.0.1:5000/v3",
        "      username: u",
        ...auth.map((l) => `      ${l}`),
        "",
    ].join("\n");

describe("key names in refusals: shown only when they read as names", () => {
    it("clouds.yaml: unknown auth keys, planted as a name, spaced, quoted, flow and escaped", () => {
        const message = refusal({
            "clouds.yaml": cloud([
                "project_nam: x",
                `${LEAK}xK9fQ2pLm7: 1`,
                `${LEAK} spaced key: 1`,
                `"${LEAK} quoted": 1`,
                `? {${LEAK}flow: 1}`,
                ": 1",
                `"${LEAK}\\nNEWLINE\\e[31mESC": 1`,
            ]),
        });
        assertClean(message);
        assert.match(message, /sets auth\.project_nam, auth\.<key not shown>, /);
        assert.equal(message.split("auth.<key not shown>").length - 1, 5, message);
        assert.match(message, /which password auth does not read/);
    });

    it("secure.yaml: an unknown auth key merged in", () => {
        const message = refusal({
            "clouds.yaml": cloud(["password: p"]),
            "secure.yaml": ["clouds:", "  prod:", "    auth:", `      ${LEAK}9: x`, ""].join("\n"),
        });
        assertClean(message);
        assert.match(message, /sets auth\.<key not shown>, which password auth does not read/);
    });

    it("clouds.json: an unknown auth key with an escape sequence", () => {
        const auth = { auth_url: "http://127.0.0.1:5000/v3", project_nam: "x" };
        const json = {
            clouds: {
                prod: { auth_type: "password", auth: { ...auth, [`${LEAK}\u001b[31m`]: 1 } },
            },
        };
        const message = refusal({ "clouds.json": JSON.stringify(json) });
        assertClean(message);
        assert.match(message, /sets auth\.project_nam, auth\.<key not shown>, which/);
    });

    it("the stack config: unknown keys at the top and under operator", () => {
        const operator = { ...(validConfig().operator as object), [`hunter2xK9q${LEAK}`]: 1 };
        const problems = configProblems({
            [`hunter2${LEAK}`]: 1,
            [`${LEAK}\nNEWLINE`]: 2,
            confg: 3,
            operator,
        });
        for (const p of problems) {
            assertClean(p);
        }
        assert.deepEqual(problems, [
            "capi-mgmt-ingress:operator: unknown key <key not shown>; remove it",
            "capi-mgmt-ingress: unknown keys <key not shown>, <key not shown>, confg; remove them",
        ]);
    });

    it("a stack file: a mapping used as a key is not quoted on stderr", () => {
        // Read as the key "{ S8LEAKz: 1 }" of api (the schema then refuses it, as above).
        const text = `config:\n  capi-mgmt-ingress:api: {{${LEAK}z: 1}: 2}\n`;
        quietly(() => parseStackFileText(text, "stacks/Pulumi.t.yaml"));
    });

    it("the stack config: a key named like a credential but not as a name", () => {
        const [problem] = configProblems({ [`password${LEAK}x9`]: 1, password: 2 });
        assertClean(problem);
        assert.match(
            problem,
            /^capi-mgmt-ingress: unknown keys <key not shown>, password; remove them; <key not shown>, password are named like a credential/,
        );
    });
});

describe("a clouds file's value holding `: `: quote it", () => {
    const hint = "a value holding `: ` reads as a mapping inside a key's value: quote the value";

    it("clouds.yaml: says to quote the value, by place, never its text", () => {
        const message = refusal({ "clouds.yaml": cloud([`password: ${LEAK}: colon`]) });
        assertClean(message);
        assert.equal(
            message,
            `clouds.yaml: not valid YAML at line 7, column 17 (BLOCK_AS_IMPLICIT_KEY): ${hint}`,
        );
    });

    it("secure.yaml: the same, with a key written as a secret", () => {
        const secure = ["clouds:", "  prod:", "    auth:", `      ${LEAK}k9: a: b`, ""];
        const message = refusal({
            "clouds.yaml": cloud(["password: p"]),
            "secure.yaml": secure.join("\n"),
        });
        assertClean(message);
        assert.match(message, /^secure\.yaml: not valid YAML at line 4, column \d+ /);
        assert.ok(message.endsWith(`(BLOCK_AS_IMPLICIT_KEY): ${hint}`), message);
    });
});
