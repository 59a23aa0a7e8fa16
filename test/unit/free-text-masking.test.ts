// The stack's free text (acceptedExposure and operator reasons) reaches stack outputs, which are
// state, the preview's error and the audit: each masks what looks like a credential in it.
import * as assert from "node:assert/strict";
import { exampleConfig, fake, rulingCloud, run, wide } from "../support/program";
import { registered } from "../../tools/mock/runtime";
import { parseStackConfig } from "../../components/config/schema";
import { Discovered, planIngress } from "../../components/plan/plan";
import { auditExposure, formatAudit } from "../../tools/audit";
import { groupResults } from "../../tools/verify";
import { paint } from "../../tools/cli/output";
import { foundExposure } from "../support/exposure";
import { portRule } from "../support/rules";

const SENTINEL = "s3cr3t-sentinel-free-text";

/** A "default" group on the API's port admitting `prefix` on every port (protocol "0"). */
function defaultGroupAdmits(prefix: string) {
    fake.cloud.rules.push({
        ...wide("other-zero", 0, prefix),
        security_group_id: "default",
        protocol: "0",
        port_range_min: null,
        port_range_max: null,
    });
}

describe("free text masked in outputs and the preview's error (mock runtime)", function () {
    this.timeout(180_000);

    beforeEach(() => {
        fake.cloud = rulingCloud();
    });

    it("stack outputs: the accepted rule's reason and the allow-set's provenance", async () => {
        defaultGroupAdmits("0.0.0.0/1");
        const config = exampleConfig({
            acceptedExposure: [{ group: "default", reason: `lab port, token=${SENTINEL}` }],
        });
        config.operator.reason = `operator NAT, password=${SENTINEL}`;
        const { outputs } = await run(config);
        const exposure = outputs.exposure as { accepted: { rule: string; accepted: string }[] };
        assert.deepEqual(exposure.accepted[0], {
            ...exposure.accepted[0],
            rule: "other-zero",
            accepted: "lab port, token=****",
        });
        const rows = outputs.allowSet as { role: string; provenance: string }[];
        assert.match(
            rows.find((r) => r.role === "operator")!.provenance,
            /: operator NAT, password=\*\*\*\*$/,
        );
        assert.ok(!JSON.stringify(outputs).includes(SENTINEL));
    });

    it("the preview's error: a voided acceptance's reason", async () => {
        defaultGroupAdmits("0.0.0.0/0");
        const config = exampleConfig({
            acceptedExposure: [{ group: "default", reason: `lab port, password=${SENTINEL}` }],
        });
        await assert.rejects(run(config), (err: Error) => {
            assert.match(err.message, /does not apply, its reason: lab port, password=\*\*\*\*\n/);
            assert.ok(!err.message.includes(SENTINEL));
            return true;
        });
        assert.equal(registered.length, 0, "nothing declared");
    });
});

describe("free text masked in the audit (text and --json) and verify", () => {
    it("an accepted rule's reason in exposure.beyondAllowSet; verify's missing entries", () => {
        const managed = { id: "managed", name: "nc-sg" };
        const other = { id: "other", name: "lb-extra" };
        const config = parseStackConfig({
            securityGroup: { id: managed.id },
            api: { address: "10.12.7.222" },
            conductors: { static: { addresses: ["10.12.4.154"], reason: "measured" } },
            verify: { mode: "never", conductors: { enabled: false } },
            operator: { cidrs: ["10.12.4.1/32"], reason: `operator NAT, secret ${SENTINEL}` },
            acceptedExposure: [
                {
                    rule: "peer",
                    reason: `peering, api_key: ${SENTINEL} bastion; {"token": "${SENTINEL}"} passwd=${SENTINEL}`,
                },
            ],
        });
        const rules = [portRule("peer", other.id, 6443, "198.51.100.0/24")];
        const found: Discovered = {
            group: managed,
            api: { address: "10.12.7.222", port: 6443, provenance: "config" },
            apiPorts: [],
            conductors: [{ source: "10.12.4.154", provenance: "config" }],
            hairpin: [],
            rules: [],
            exposure: foundExposure([managed, other], rules),
            warnings: [],
        };
        const plan = planIngress(config, found);
        const exposure = auditExposure(plan.exposure);
        assert.deepEqual(
            exposure.beyondAllowSet.map((r) => [r.rule, r.accepted]),
            [["peer", 'peering, api_key: **** bastion; {"token": ****} passwd=****']],
        );
        const report = { stack: "test", group: "nc-sg (managed)", rules: [], missing: [] };
        const text = formatAudit({ ...report, exposure, findings: [], failing: 0 }, paint(false));
        assert.match(
            text,
            /accepted: rule peer in lb-extra \(other\) .*: peering, api_key: \*\*\*\* bastion; \{"token": \*\*\*\*\} passwd=\*\*\*\*$/m,
        );
        assert.ok(!JSON.stringify(exposure).includes(SENTINEL));
        assert.ok(!text.includes(SENTINEL));
        const operator = groupResults(plan).find((r) => r.target.startsWith("operator "));
        assert.match(operator!.detail, /operator NAT, secret \*\*\*\*\)/);
        assert.ok(!JSON.stringify(groupResults(plan)).includes(SENTINEL));
    });

    it("the allow-set's errors: an operator source too wide, with its reason", () => {
        const config = parseStackConfig({
            securityGroup: { id: "managed" },
            api: { address: "10.12.7.222" },
            conductors: { static: { addresses: ["10.12.4.154"], reason: "measured" } },
            verify: { mode: "never", conductors: { enabled: false } },
            operator: { cidrs: ["10.0.0.0/8"], reason: `whole site, password=${SENTINEL}` },
        });
        const found: Discovered = {
            group: { id: "managed", name: "nc-sg" },
            api: { address: "10.12.7.222", port: 6443, provenance: "config" },
            apiPorts: [],
            conductors: [{ source: "10.12.4.154", provenance: "config" }],
            hairpin: [],
            rules: [],
            exposure: foundExposure([{ id: "managed", name: "nc-sg" }], []),
            warnings: [],
        };
        assert.throws(
            () => planIngress(config, found),
            (err: Error) =>
                /\(config operator\.cidrs\[0\]: whole site, password=\*\*\*\*\) is wider/.test(
                    err.message,
                ) && !err.message.includes(SENTINEL),
        );
    });
});
