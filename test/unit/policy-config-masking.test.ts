// policy:config prints the operator's waiver reasons into the pack's config: credential-like text
// in them is masked there as in every other output (safety invariant 5).
import * as assert from "node:assert/strict";
import { loadStackConfig } from "../../components/config/stackfile";
import { policyConfigFor } from "../../tools/policy-config";

describe("policy:config masks the operator's free text", () => {
    it("a waiver reason holding a credential is printed masked, the rest kept", () => {
        const config = loadStackConfig("example");
        const waivers = [
            { cidr: "10.0.0.0/8", reason: "waiver token S7LEAK4waiv" },
            { cidr: "172.16.0.0/12", reason: "lab; password=S7LEAK5pass and more" },
        ];
        const out = JSON.stringify(policyConfigFor({ ...config, waivers }));
        for (const marker of ["S7LEAK4waiv", "S7LEAK5pass"]) {
            assert.equal(out.includes(marker), false, out);
        }
        const printed = policyConfigFor({ ...config, waivers })["wide-prefixes-carry-a-waiver"];
        assert.deepEqual(printed.waivers, [
            { cidr: "10.0.0.0/8", reason: "waiver token ****" },
            { cidr: "172.16.0.0/12", reason: "lab; password=**** and more" },
        ]);
    });
});
