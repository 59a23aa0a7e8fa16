// The audit's text and counts: every rule with its direction, and each rule counted once however
// many facts make it a finding (a wide rule is a retire target and exposure at once).
import * as assert from "node:assert/strict";
import { AuditReport, auditFindings, auditFinds, formatAudit } from "../../tools/audit";
import { paint } from "../../tools/cli/output";

const WIDE = "4d1c6f0e-wide";
const EGRESS = "9a2b7c11-egress";
const DRIFT = "77aa0b3c-drift";
const OTHER_GROUP_RULE = "c0ffee00-other";

function report(): AuditReport {
    const rules = [
        {
            id: WIDE,
            class: "retire",
            direction: "ingress",
            ethertype: "IPv4",
            ports: "tcp/6443",
            remote: "0.0.0.0/0",
            reason: "admits every IPv4 address on a protected port",
        },
        {
            id: EGRESS,
            class: "unrelated",
            direction: "egress",
            ethertype: "IPv4",
            ports: "any",
            remote: "(any)",
            reason: "egress",
        },
        {
            id: DRIFT,
            class: "drift",
            direction: "ingress",
            ethertype: "IPv4",
            ports: "tcp/22",
            remote: "198.51.100.0/24",
            reason: "not in the allow-set",
        },
    ];
    const exposingRow = (rule: string, group: string) => ({
        group,
        rule,
        admits: "0.0.0.0/0",
        why: "remote_ip_prefix",
        reaches: ["6443/tcp IPv4"],
    });
    const findings = auditFindings(rules, [WIDE, OTHER_GROUP_RULE]);
    return {
        stack: "test",
        group: "capi-mgmt-sg (g1)",
        rules,
        missing: [],
        exposure: {
            groups: [
                { id: "g1", name: "capi-mgmt-sg" },
                { id: "g2", name: "default" },
            ],
            portSecurity: true,
            ports: [],
            beyondAllowSet: [
                exposingRow(WIDE, "capi-mgmt-sg (g1)"),
                exposingRow(OTHER_GROUP_RULE, "default (g2)"),
            ],
            unreadable: [],
            unresolved: [],
        },
        findings,
        failing: findings.length,
    };
}

describe("audit report", () => {
    it("counts a wide rule once, with both facts", () => {
        const findings = auditFindings(
            [
                { id: WIDE, class: "retire" },
                { id: DRIFT, class: "drift" },
                { id: EGRESS, class: "unrelated" },
            ],
            [WIDE, OTHER_GROUP_RULE, WIDE],
        );
        assert.deepEqual(findings, [
            { rule: WIDE, facts: ["retire target", "exposes beyond the allow-set"] },
            { rule: DRIFT, facts: ["drift"] },
            { rule: OTHER_GROUP_RULE, facts: ["exposes beyond the allow-set"] },
        ]);
    });

    it("drift that acceptedExposure names by id is no finding, as the program goes ahead with it", () => {
        const rules = [
            { id: DRIFT, class: "drift" },
            { id: "other-drift", class: "drift" },
        ];
        assert.deepEqual(auditFindings(rules, [], [DRIFT]), [
            { rule: "other-drift", facts: ["drift"] },
        ]);
    });

    it("names every group read on the API's port, not only those whose rules expose", () => {
        const text = formatAudit(report(), paint(false));
        assert.match(
            text,
            /effective exposure of the API's port \(groups read: capi-mgmt-sg \(g1\), default \(g2\)\):/,
        );
    });

    it("the rules table shows each rule's direction", () => {
        const text = formatAudit(report(), paint(false));
        const lines = text.split("\n");
        const header = lines.find((l) => l.startsWith("ID"));
        assert.ok(header, text);
        assert.match(header, /\bDIRECTION\b/);
        const column = header.indexOf("DIRECTION");
        const row = (id: string) => lines.find((l) => l.startsWith(id)) ?? "";
        assert.equal(row(EGRESS).slice(column).split(/\s+/)[0], "egress");
        assert.equal(row(WIDE).slice(column).split(/\s+/)[0], "ingress");
    });

    it("the summary counts rules, not facts, and the exposure line says it is also a retire target", () => {
        const text = formatAudit(report(), paint(false));
        assert.match(
            text,
            /^3 rule\(s\) to act on, each counted once: 1 drift, 1 retire target\(s\), 2 exposing/m,
        );
        assert.match(text, new RegExp(`EXPOSED: rule ${WIDE} in .*; also a retire target$`, "m"));
        assert.match(
            text,
            new RegExp(`EXPOSED: rule ${OTHER_GROUP_RULE} in default \\(g2\\) .*\\)$`, "m"),
        );
    });

    it("allow entries with no rule are a finding: the verdict says who is locked out, exit 1", () => {
        const missing = [
            { role: "conductor", port: 6443, source: "10.12.4.154/32", admittedBy: [] },
            { role: "operator", port: 22, source: "10.12.4.1/32", admittedBy: [] },
        ];
        const tight = { ...report(), rules: [], findings: [], failing: 0 };
        assert.equal(auditFinds(tight), false);
        assert.match(formatAudit(tight, paint(false)), /^tight: .*no allow entry missing$/m);
        const locked = { ...tight, missing };
        assert.equal(auditFinds(locked), true);
        const text = formatAudit(locked, paint(false));
        assert.doesNotMatch(text, /tight:/);
        assert.match(
            text,
            /^2 allow entries have no rule on the group \(conductor, operator\): those sources are not admitted/m,
        );
    });
});
