// An allow entry with no rule is a finding either way; the audit says whether its source is
// really locked out or still admitted by another rule (a wide one, before the first `up`), from
// the effective exposure it computed.
import * as assert from "node:assert/strict";
import { computeExposure } from "../../components/model/exposure";
import { AuditReport, auditFinds, formatAudit, missingEntries } from "../../tools/audit";
import { paint } from "../../tools/cli/output";
import { allowEntry, portRule } from "../support/rules";

const GROUP = { id: "g1", name: "capi-mgmt-sg" };

function before(rules = [portRule("wide-api", GROUP.id, 6443, "0.0.0.0/0")]) {
    return computeExposure({
        rules: rules.map((rule) => ({ group: GROUP, rule })),
        remotes: { groups: new Map(), addressGroups: new Map() },
        protectedPorts: [6443, 22],
        portSecurity: true,
    });
}

const report = (missing: AuditReport["missing"]): AuditReport => ({
    stack: "test",
    group: "capi-mgmt-sg (g1)",
    rules: [],
    missing,
    exposure: {
        groups: [GROUP],
        portSecurity: true,
        ports: [],
        beyondAllowSet: [],
        unreadable: [],
        unresolved: [],
    },
    findings: [],
    failing: 0,
});

describe("audit: allow entries with no rule", () => {
    const conductor = allowEntry("conductor", 6443, "10.12.4.154/32");
    const operator = allowEntry("operator", 22, "10.12.4.1/32");
    const hairpin = allowEntry("hairpin", 6443, "10.0.0.0/8");

    it("names the rule still admitting a source, and none for a source it does not reach", () => {
        const missing = missingEntries([conductor, operator], before());
        assert.deepEqual(missing, [
            {
                role: "conductor",
                port: 6443,
                source: "10.12.4.154/32",
                admittedBy: ["rule wide-api in capi-mgmt-sg (g1)"],
            },
            { role: "operator", port: 22, source: "10.12.4.1/32", admittedBy: [] },
        ]);
    });

    it("a source admitted only in part is locked out (in part)", () => {
        const half = [portRule("half", GROUP.id, 6443, "10.0.0.0/9")];
        assert.deepEqual(missingEntries([hairpin], before(half))[0].admittedBy, []);
        const whole = [portRule("whole", GROUP.id, 6443, "10.0.0.0/8")];
        assert.deepEqual(missingEntries([hairpin], before(whole))[0].admittedBy, [
            "rule whole in capi-mgmt-sg (g1)",
        ]);
    });

    it("says which sources are still admitted and which are locked out; a finding either way", () => {
        const mixed = report(missingEntries([conductor, operator], before()));
        assert.equal(auditFinds(mixed), true);
        assert.match(
            formatAudit(mixed, paint(false)),
            /^2 allow entries have no rule on the group \(conductor, operator\): 1 \(conductor\) still admitted by other rules \(rule wide-api in capi-mgmt-sg \(g1\)\), not locked out; `up` creates their rules before any rule is retired; 1 \(operator\) not admitted, locked out until `up` creates their rules$/m,
        );
        const open = report(missingEntries([conductor], before()));
        assert.equal(auditFinds(open), true);
        const text = formatAudit(open, paint(false));
        assert.doesNotMatch(text, /locked out until/);
        assert.match(text, /: those sources are still admitted by other rules \(rule wide-api /);
        assert.match(text, /nobody: locked out|rule wide-api in capi-mgmt-sg \(g1\)/);
    });
});
