// acceptedExposure cannot open the API to a whole address family: not by naming the managed group
// as a whole, and not by naming rules that together admit every IPv4 (or IPv6) address.
import * as assert from "node:assert/strict";
import { planIngress } from "../../components/plan/plan";
import type { NeutronRule } from "../../components/model/rules";
import { groupResults } from "../../tools/verify";
import { previewRefusals } from "../../components/review/verdict";
import { twoGroupInputs } from "../support/exposure";
import { portRule } from "../support/rules";

const MANAGED = { id: "managed", name: "nc-sg" };
const OTHER = { id: "other", name: "lb-extra" };

type Accepted = { group?: string; rule?: string; reason: string };

function inputs(
    accepted: Accepted[],
    extra: NeutronRule[],
    securityGroup: object = { id: MANAGED.id },
) {
    return twoGroupInputs({
        managed: MANAGED,
        other: OTHER,
        securityGroup,
        accepted,
        // A retire target: gone after the plan.
        managedExtra: [
            portRule("wide-api", MANAGED.id, 6443, "0.0.0.0/0"),
            ...extra.filter((r) => r.security_group_id === MANAGED.id),
        ],
        otherRules: extra.filter((r) => r.security_group_id === OTHER.id),
    });
}

const plan = (accepted: Accepted[], extra: NeutronRule[]) => {
    const { config, found } = inputs(accepted, extra);
    return planIngress(config, found);
};

// tcp 6000-7000 from anywhere: not a retire target (not an exact single-port rule).
const range = portRule("range", MANAGED.id, 6000, "0.0.0.0/0", { port_range_max: 7000 });

describe("exposure: acceptance never admits a whole family", () => {
    // The stack names the group by id or name; the other spelling is known only live (the
    // spelling the stack uses: config-checks).
    it("refuses acceptedExposure naming the managed group as a whole by its live name or id", () => {
        const reason = "the old operator said so";
        const byName = plan([{ group: MANAGED.name, reason }], []).exposure.refusal ?? "";
        const entries = [
            { group: MANAGED.id, reason },
            { group: MANAGED.id, reason },
        ];
        const { config, found } = inputs(entries, [], { name: MANAGED.name });
        const byId = planIngress(config, found).exposure.refusal ?? "";
        const message = (groups: string) =>
            `exposure: acceptedExposure names the managed group nc-sg (managed) as a whole ` +
            `(group ${groups}), so nothing is declared: its rules are what this program manages, ` +
            'so accept a rule in it by id instead: acceptedExposure: [{ rule: <rule id>, reason: "..." }]';
        assert.equal(byName, message('"nc-sg"'));
        assert.equal(byId, message('"managed", "managed"'));
    });

    it("accepts nothing through a managed-group entry, and says both refusals", () => {
        const bastion = portRule("bastion", MANAGED.id, 22, "192.0.2.0/28");
        const p = plan([{ group: MANAGED.name, reason: "the old operator said so" }], [bastion]);
        const r = p.exposure.afterResponsible.find((x) => x.ruleId === "bastion");
        assert.ok(r);
        assert.equal(r.accepted, undefined);
        assert.equal(r.wide, undefined);
        const lines = (p.exposure.refusal ?? "").split("\n");
        assert.match(lines[0], /^exposure: acceptedExposure names the managed group/);
        assert.equal(
            lines[1],
            "exposure: after this update the API's port would still admit sources outside the " +
                "allow-set, so nothing is declared (no rule created, none deleted):",
        );
        assert.ok(lines.some((l) => /^ {2}- rule bastion in .*\(reaches 22\/tcp IPv4\)$/.test(l)));
    });

    it("refuses a rule that, accepted by id, leaves every IPv4 address on 6443, naming it", () => {
        const p = plan([{ rule: "range", reason: "the old operator said so" }], [range]);
        const refusal = p.exposure.refusal ?? "";
        assert.match(refusal, /every address of a family on 6443\/tcp IPv4/);
        assert.match(refusal, /rule range in group nc-sg \(managed\)/);
        assert.match(
            refusal,
            /^ {2}- rule range in group nc-sg \(managed\): .*\(reaches 6443\/tcp IPv4\); an acceptedExposure entry names it and does not apply, its reason: the old operator said so\n {6}ways out: remove it by hand .*\n {6}not: retire: .*\n {6}not: accept: with the others it admits every address of the family on 6443\/tcp IPv4, which no acceptedExposure entry can accept \(never wide\)$/m,
        );
        const r = p.exposure.afterResponsible.find((x) => x.ruleId === "range");
        assert.deepEqual(r?.wide, ["6443/tcp IPv4"]);
        assert.equal(r?.accepted, undefined);
    });

    it("refuses accepted rules of another group whose union is every IPv6 address", () => {
        const halves = [
            portRule("h1", OTHER.id, 22, "::/1", { ethertype: "IPv6", port_range_max: 6443 }),
            portRule("h2", OTHER.id, 22, "8000::/1", { ethertype: "IPv6", port_range_max: 6443 }),
        ];
        const p = plan(
            [
                { rule: "h1", reason: "the lab firewall filters it" },
                { group: OTHER.name, reason: "the lab firewall filters it" },
            ],
            halves,
        );
        assert.match(p.exposure.refusal ?? "", /6443\/tcp IPv6/);
        assert.equal(
            (p.exposure.refusal ?? "").split("\n")[0],
            "exposure: after this update the API's port would admit every address of a family on " +
                "22/tcp IPv6, 6443/tcp IPv6, which nothing may accept (never wide), so nothing is " +
                "declared (no rule created, none deleted):",
        );
        assert.match(
            p.exposure.refusal ?? "",
            /rule h1 in group lb-extra .*(\n {6}.*)*\n {6}not: accept: .*family on 22\/tcp IPv6, 6443\/tcp IPv6, which no/,
        );
        assert.match(p.exposure.refusal ?? "", /rule h2 in group lb-extra/);
    });

    it("still accepts a narrow rule of another group, and a managed rule by id", () => {
        const narrow = [
            portRule("lab", OTHER.id, 6443, "198.51.100.0/24"),
            portRule("bastion", MANAGED.id, 22, "192.0.2.0/28"),
        ];
        const p = plan(
            [
                { group: OTHER.name, reason: "the lab firewall filters it" },
                { group: MANAGED.name, rule: "bastion", reason: "the old bastion range" },
            ],
            narrow,
        );
        assert.equal(p.exposure.refusal, undefined);
        assert.deepEqual(p.exposure.afterResponsible.map((r) => r.accepted !== undefined).sort(), [
            true,
            true,
        ]);
    });

    it("fails the review verdict and verify on an accepted wide rule", () => {
        const accepted = [{ rule: "range", reason: "the old operator said so" }];
        const { config, found } = inputs(accepted, [range]);
        const p = planIngress(config, found);
        const reasons = previewRefusals(config, p);
        assert.ok(reasons.some((r) => /every address of a family on 6443\/tcp IPv4/.test(r)));
        const rows = groupResults(p).filter((r) => r.outcome === "exposed");
        assert.ok(rows.some((r) => /rule range/.test(r.detail)));
    });
});
