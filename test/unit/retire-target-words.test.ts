// A retire target is worded by its remote prefix as stored and what that admits: an IPv4-mapped
// IPv6 prefix is not shown as the IPv4 prefix it covers, nor as stored alone.
import * as assert from "node:assert/strict";
import { planIngress } from "../../components/plan/plan";
import { storedPrefixWords } from "../../components/plan/rule-words";
import { foundExposure, staticConductorConfig, staticConductorFound } from "../support/exposure";
import { portRule } from "../support/rules";

const GROUP = { id: "managed", name: "capi-mgmt-sg" };

describe("retire targets: the remote prefix as stored, with what it admits", () => {
    it("an IPv4-mapped IPv6 rule of every IPv4 address, from the default selectors", () => {
        const rules = [
            portRule("c", GROUP.id, 6443, "10.12.4.154/32"),
            portRule("o1", GROUP.id, 6443, "10.12.4.1/32"),
            portRule("o2", GROUP.id, 22, "10.12.4.1/32"),
            portRule("mapped", GROUP.id, 6443, "::ffff:0.0.0.0/96", { ethertype: "IPv6" }),
            portRule("world", GROUP.id, 22, "0.0.0.0/0"),
        ];
        const config = staticConductorConfig({ name: GROUP.name }, []);
        const plan = planIngress(
            config,
            staticConductorFound(GROUP, rules, foundExposure([GROUP], rules)),
        );
        assert.deepEqual(
            plan.retireTargets.map((t) => [t.id, t.admits]),
            [
                ["mapped", "::ffff:0.0.0.0/96 (every IPv4 address, IPv4-mapped) on tcp 6443"],
                ["world", "0.0.0.0/0 on tcp 22"],
            ],
        );
    });

    it("words each form of stored prefix", () => {
        const cases: [string | null, string][] = [
            ["::ffff:0.0.0.0/96", "::ffff:0.0.0.0/96 (every IPv4 address, IPv4-mapped)"],
            ["::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104 (10.0.0.0/8, IPv4-mapped)"],
            ["::ffff:10.1.2.3/104", "::ffff:10.1.2.3/104 (10.0.0.0/8, IPv4-mapped)"],
            ["198.51.100.9/24", "198.51.100.9/24 (198.51.100.0/24)"],
            ["0.0.0.0/0", "0.0.0.0/0"],
            ["::/0", "::/0"],
            [null, "any address"],
            ["not-a-prefix", "not-a-prefix"],
        ];
        for (const [stored, words] of cases) {
            assert.equal(storedPrefixWords(stored), words, String(stored));
        }
    });
});
