// The review never runs a check, so a check's secret env value (`{ secure: ... }` under
// verify.custom[].env, which only pulumi can decrypt) is never needed: the review shows it masked
// and goes on, where verify, which runs the check, still asks for the variable.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runReview } from "../../tools/review";
import { silentProgress } from "../../tools/cli/output";
import {
    loadStackConfig,
    parseStackFileText,
    SECRET_NOT_SHOWN,
} from "../../components/config/stackfile";

const CIPHERTEXT = "AAABAKsecretciphertext0000";

const text = stringify({
    config: {
        "capi-mgmt-ingress:cloud": "production",
        "capi-mgmt-ingress:securityGroup": { name: "capi-mgmt-sg" },
        "capi-mgmt-ingress:api": { address: "10.12.7.222" },
        "capi-mgmt-ingress:conductors": {
            static: { addresses: ["10.12.4.154"], reason: "conductors outside Juju" },
        },
        "capi-mgmt-ingress:operator": {
            cidrs: ["10.12.4.1/32"],
            reason: "operator behind the VR0 masquerade",
        },
        "capi-mgmt-ingress:verify": {
            conductors: { enabled: false },
            custom: [
                {
                    name: "api-auth",
                    command: "curl -H @token https://10.12.7.222",
                    env: { REVIEW_TEST_TOKEN: { secure: CIPHERTEXT } },
                },
            ],
        },
    },
});

/** The line of the text (from 1) where `word` first appears. */
const lineOf = (word: string) => text.slice(0, text.indexOf(word)).split("\n").length;

describe("review: a check's secret env value", () => {
    let file: string;
    before(() => {
        delete process.env.REVIEW_TEST_TOKEN;
        file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "review-s4-")), "Pulumi.s4.yaml");
        fs.writeFileSync(file, text);
    });
    after(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));

    it("a static review goes on without the value and never shows it", async () => {
        const report = await runReview({ stack: file, live: false }, silentProgress);
        assert.match(report.markdown, /\| verify\.custom\[api-auth\]\.env \| \(not shown\) \|/);
        assert.ok(!report.markdown.includes(CIPHERTEXT));
        assert.ok(!JSON.stringify(report.stacks).includes(CIPHERTEXT));
    });

    it("reads as the masked marker for the review, and still needs the variable elsewhere", () => {
        const raw = parseStackFileText(text, "s4.yaml", "masked") as {
            verify: { custom: { env: Record<string, string> }[] };
        };
        assert.equal(raw.verify.custom[0].env.REVIEW_TEST_TOKEN, SECRET_NOT_SHOWN);
        assert.throws(
            () => loadStackConfig(file),
            (err: Error) =>
                err.message.startsWith(
                    "verify.custom[0].env.REVIEW_TEST_TOKEN is a Pulumi secret at " +
                        `${file}:${lineOf("secure:")}:`,
                ) &&
                err.message.split(file).length === 2 &&
                /export REVIEW_TEST_TOKEN to run this check/.test(err.message),
        );
    });
});
