import * as assert from "node:assert/strict";
import {
    assertPassed,
    CheckResult,
    compactResults,
    formatResults,
    verifyPlan,
} from "../../components/verify/checks";
import {
    checkInputs,
    checkSignature,
    operatorReadyzProvider,
} from "../../components/verify/resources";
import type { VerifySettings } from "../../components/config/schema";
import type { JujuTarget } from "../../components/juju/units";
import type { Plan } from "../../components/plan/plan";
import { groupResults } from "../../tools/verify";
import { api, allowSet } from "../support/verify-fixtures";

describe("reporting", () => {
    const results: CheckResult[] = [
        {
            check: "conductor",
            target: "magnum/0",
            source: "10.12.4.154",
            outcome: "connected",
            passed: true,
            ms: 12,
            detail: "admitted by conductor 10.12.4.154/32",
        },
        {
            check: "tenant",
            target: "image busybox",
            outcome: "refused",
            passed: false,
            ms: 30,
            detail: "isolation failure",
        },
    ];

    it("prints a table and compact lines", () => {
        const table = formatResults(results).split("\n");
        assert.equal(table.length, 3);
        assert.match(table[0], /^CHECK\s+TARGET\s+SOURCE\s+OUTCOME\s+MS\s+RESULT\s+DETAIL$/);
        assert.match(
            table[2],
            /^tenant\s+image busybox\s+-\s+refused\s+30\s+FAIL\s+isolation failure$/,
        );
        assert.deepEqual(compactResults(results), [
            "pass conductor magnum/0 from 10.12.4.154: connected (12 ms)",
            "FAIL tenant image busybox: refused (30 ms)",
        ]);
    });

    it("throws the table when anything failed", () => {
        assert.throws(() => assertPassed("checks", results), /checks: 1 of 2 checks failed\nCHECK/);
        assert.doesNotThrow(() => assertPassed("checks", results.slice(0, 1)));
    });
});

describe("verify plan", () => {
    const verify: VerifySettings = {
        mode: "onChange",
        conductors: { enabled: true, timeoutSeconds: 5 },
        operator: { kubeconfig: "~/.kube/mgmt.yaml", timeoutSeconds: 10 },
        custom: [],
    };
    const juju: JujuTarget = {
        model: "openstack",
        application: "magnum",
        timeoutSeconds: 30,
        concurrency: 16,
        env: { OS_PASSWORD: "secret" },
    };

    it("runs the conductor check on the units, without the Juju environment", () => {
        const plan = verifyPlan(verify, {
            api,
            allowSet,
            conductors: { juju, units: ["magnum/0"] },
        });
        assert.deepEqual(plan.conductors?.units, ["magnum/0"]);
        assert.equal(plan.conductors?.timeoutSeconds, 5);
        assert.ok(!JSON.stringify(plan).includes("secret"));
    });

    it("leaves out what is not configured or disabled", () => {
        const plan = verifyPlan(
            { ...verify, conductors: { enabled: false, timeoutSeconds: 5 } },
            { api, allowSet, conductors: { juju, units: ["magnum/0"] } },
        );
        assert.equal(plan.conductors, undefined);
        assert.equal(plan.tenant, undefined);
        assert.equal(plan.operator?.kubeconfig, "~/.kube/mgmt.yaml");
    });
});

describe("check providers: when they run", () => {
    const inputs = {
        mode: "onChange" as const,
        api,
        allowSet,
        retired: ["r-1", "r-2"],
        settings: { kubeconfig: "/k", timeoutSeconds: 10 },
    };
    const diff = (olds: object, news: object) =>
        operatorReadyzProvider.diff!("id", olds, news) as Promise<{ changes: boolean }>;

    it("does not run again when nothing it depends on changed, in any order", async () => {
        const reordered = { ...inputs, allowSet: [...allowSet].reverse(), retired: ["r-2", "r-1"] };
        assert.equal((await diff({ ...inputs, results: [] }, reordered)).changes, false);
    });

    it("runs again when the allow-set, the retire set or its settings change", async () => {
        const olds = { ...inputs, results: [] };
        assert.equal((await diff(olds, { ...inputs, allowSet: allowSet.slice(1) })).changes, true);
        assert.equal((await diff(olds, { ...inputs, retired: ["r-1"] })).changes, true);
        assert.equal(
            (await diff(olds, { ...inputs, settings: { kubeconfig: "/k", timeoutSeconds: 11 } }))
                .changes,
            true,
        );
    });

    it("runs on every update with mode always", async () => {
        assert.equal(
            (await diff({ ...inputs, results: [] }, { ...inputs, mode: "always" })).changes,
            true,
        );
    });

    it("signs the allow-set by what admits traffic, not by provenance", () => {
        const renamed = allowSet.map((e) => ({ ...e, provenance: ["elsewhere"] }));
        assert.equal(checkSignature({ ...inputs, allowSet: renamed }), checkSignature(inputs));
    });

    it("rejects inputs that are not what the program declares", () => {
        assert.throws(() => checkInputs({ ...inputs, mode: "never" }), /check inputs.*mode/s);
    });
});

describe("npm run verify: the group's own rows", () => {
    it("fails allow entries the group lacks and wide rules it still holds", () => {
        const plan = {
            groupId: "sg-1",
            allowSet,
            adoptions: new Map(allowSet.slice(1).map((e, i) => [e, { id: `rule-${i}` }])),
            retireTargets: [{ id: "wide-1", admits: "0.0.0.0/0 on 6443/tcp" }],
            // The wide rule is the only one beyond the allow-set, and it is a retire target.
            exposure: { beforeResponsible: [] },
        } as unknown as Plan;
        const rows = groupResults(plan);
        assert.deepEqual(
            rows.map((r) => [r.target, r.outcome, r.passed]),
            [
                ["conductor tcp/6443 10.12.4.154/32", "missing", false],
                ["wide-1", "wide", false],
            ],
        );
        assert.match(rows[0].detail, /not in group sg-1; expected it there: run pulumi up/);
    });

    it("adds nothing when the group holds exactly the allow-set", () => {
        const plan = {
            groupId: "sg-1",
            allowSet,
            adoptions: new Map(allowSet.map((e, i) => [e, { id: `rule-${i}` }])),
            retireTargets: [],
            exposure: { beforeResponsible: [] },
        } as unknown as Plan;
        assert.deepEqual(groupResults(plan), []);
    });
});
