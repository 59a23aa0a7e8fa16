// verify's group rows judge the effective exposure: another group's rule that admits a source
// outside the allow-set fails verification unless accepted.
import * as assert from "node:assert/strict";
import { parseStackConfig } from "../../components/config/schema";
import { Discovered, planIngress } from "../../components/plan/plan";
import type { NeutronRule } from "../../components/model/rules";
import { groupResults } from "../../tools/verify";
import { foundExposure } from "../support/exposure";
import { portRule } from "../support/rules";

const MANAGED = { id: "managed", name: "capi-mgmt-sg" };
const OTHER = { id: "other", name: "lb-extra" };

const tcp = (id: string, group: string, port: number, prefix: string): NeutronRule =>
    portRule(id, group, port, prefix);

function plan(accepted: { rule: string; reason: string }[] = [], prefix = "0.0.0.0/0") {
    const config = parseStackConfig({
        securityGroup: { name: "capi-mgmt-sg" },
        api: { address: "10.12.7.222" },
        conductors: { static: { addresses: ["10.12.4.154"], reason: "measured on the unit" } },
        verify: { mode: "never", conductors: { enabled: false } },
        operator: { cidrs: ["10.12.4.1/32"], reason: "operator NAT" },
        acceptedExposure: accepted,
    });
    const managed = [
        tcp("c", MANAGED.id, 6443, "10.12.4.154/32"),
        tcp("o1", MANAGED.id, 6443, "10.12.4.1/32"),
        tcp("o2", MANAGED.id, 22, "10.12.4.1/32"),
    ];
    const other = [tcp("world", OTHER.id, 6443, prefix)];
    const found: Discovered = {
        group: MANAGED,
        api: { address: "10.12.7.222", port: 6443, provenance: "config" },
        apiPorts: [
            {
                id: "p",
                via: "fixed-ip",
                portSecurityEnabled: true,
                securityGroupIds: [MANAGED.id, OTHER.id],
            },
        ],
        conductors: [{ source: "10.12.4.154", provenance: "config" }],
        hairpin: [],
        rules: managed,
        exposure: foundExposure([MANAGED, OTHER], [...managed, ...other]),
        warnings: [],
    };
    return planIngress(config, found);
}

describe("verify: effective exposure", () => {
    it("fails on another group's rule that admits the world to 6443, naming it", () => {
        const rows = groupResults(plan()).filter((r) => r.outcome === "exposed");
        assert.equal(rows.length, 1);
        assert.equal(rows[0].passed, false);
        assert.equal(rows[0].target, "world");
        assert.match(rows[0].detail, /rule world in group lb-extra \(other\)/);
    });

    it("passes a narrower one once accepted with a reason, never the world", () => {
        const accepted = [{ rule: "world", reason: "behind the lab firewall" }];
        assert.deepEqual(groupResults(plan(accepted, "0.0.0.0/1")), []);
        const rows = groupResults(plan(accepted)).filter((r) => r.outcome === "exposed");
        assert.equal(rows.length, 1);
        assert.match(rows[0].detail, /rule world in group lb-extra/);
    });
});
