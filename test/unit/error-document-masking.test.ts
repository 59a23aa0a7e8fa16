// The error document (tools/cli/output.ts errorDocument, reportError; tools/cli/main.ts
// reportInterrupted) masked as a whole: a credential in any text it carries, the command, the
// message or a problem, of every kind, is printed neither in the JSON nor in the text form.
import * as assert from "node:assert/strict";
import { ConfigError } from "../../components/config/schema";
import type { Io } from "../../tools/cli/main";
import { reportInterrupted } from "../../tools/cli/main";
import { errorDocument, reportError, UsageError } from "../../tools/cli/output";

const SENTINEL = "S9errdoc";
const SAID = `password=${SENTINEL}`;

function named(name: string, message: string): Error {
    const err = new Error(message);
    err.name = name;
    return err;
}

/** [what was thrown, its kind]: each with SENTINEL in every text the document takes from it. */
const THROWN: [string, unknown, string][] = [
    ["a plain Error", new Error(`GET /v3 failed: ${SAID}`), "run"],
    ["a thrown string", `exit 1: ${SAID}`, "run"],
    ["a usage error", new UsageError(`unknown option '--token ${SENTINEL}'`), "usage"],
    ["an environment error", named("EnvironmentError", `OS_CLOUD: ${SAID}`), "config"],
    ["an interruption", named("Interrupted", `interrupted; left ${SAID}`), "interrupted"],
    [
        "a config error (its problems, its message of its own)",
        new ConfigError([`a: ${SAID}`, `the token was ${SENTINEL}`], `cannot read: ${SAID}`),
        "config",
    ],
    ["a config error (its message made of its problems)", new ConfigError([SAID]), "config"],
];

/** What reportError prints for `err` (as the document with `json`, else as text), and its code. */
function printed(command: string, err: unknown, json: boolean): [string, number] {
    const said: string[] = [];
    const io = { stdout: (t: string) => said.push(t), stderr: (t: string) => said.push(t) };
    const code = reportError(command, err, json, "x --help", io);
    return [said.join(""), code];
}

describe("the error document, masked as a whole", () => {
    for (const [what, err, kind] of THROWN) {
        it(`${what}: kind ${kind}, no credential in the document, the JSON or the text`, () => {
            const doc = errorDocument(`audit ${SAID}`, err);
            assert.equal(doc.error.kind, kind);
            assert.ok(!JSON.stringify(doc).includes(SENTINEL), JSON.stringify(doc));
            // The text around the credential still reads.
            assert.match(doc.error.command, /^audit password=\*{4}$/);
            assert.match(doc.error.message, /\*{4}/);
            for (const json of [true, false]) {
                const [out, code] = printed(`audit ${SAID}`, err, json);
                assert.equal(code, kind === "interrupted" ? 130 : 2);
                assert.ok(!out.includes(SENTINEL), out);
                assert.match(out, /audit password=\*{4}/);
            }
        });
    }

    it("masks each of a config error's problems, keeping the tool's words", () => {
        const err = new ConfigError([
            `a: ${SAID}`,
            "openstack:password is a credential in plain text",
        ]);
        const { problems, message } = errorDocument("review", err).error;
        assert.deepEqual(problems, [
            "a: password=****",
            "openstack:password is a credential in plain text",
        ]);
        assert.ok(message.includes("a: password=****"), message);
    });

    it("an interrupted command's document and line: what is left to remove by hand, masked", () => {
        const said: string[] = [];
        const io = { stdout: (t: string) => said.push(t), stderr: (t: string) => said.push(t) };
        const left = [`tenant pod x (its log said token ${SENTINEL})`];
        for (const argv of [["verify", "--json"], ["verify"]]) {
            said.length = 0;
            assert.equal(reportInterrupted(argv, io as unknown as Io, "SIGINT", left), 130);
            assert.ok(!said.join("").includes(SENTINEL), said.join(""));
            assert.match(
                said.join(""),
                /not undone, remove by hand: tenant pod x \(its log said token \*{4}/,
            );
        }
    });
});
