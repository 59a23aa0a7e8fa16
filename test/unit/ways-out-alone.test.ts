// A refusal comes before anything is applied: a rule that alone admits an allow-set source now
// must not be offered for removal by hand without saying so, or the advice opens a window.
import * as assert from "node:assert/strict";
import type { AllowEntry } from "../../components/model/allowset";
import { computeExposure } from "../../components/model/exposure";
import type { NeutronRule } from "../../components/model/rules";
import { parseStackConfig } from "../../components/config/schema";
import { Discovered, planIngress } from "../../components/plan/plan";
import { aloneAdmitted } from "../../components/plan/ways-out";
import { renderReview } from "../../components/review/markdown";
import { previewRefusals } from "../../components/review/verdict";
import { missingEntries } from "../../tools/audit";
import { foundExposure } from "../support/exposure";
import { allowEntry, portRule } from "../support/rules";

const MANAGED = { id: "managed", name: "nc-sg" };
const OTHER = { id: "other", name: "lb-extra" };

/** What is lost with `wanted`, as `<cidr> <port> <part|whole>[ with <ids>]` per rule id. */
function alone(
    rules: NeutronRule[],
    allowSet: AllowEntry[],
    wanted: string[],
    remotes: Record<string, string[] | null> = {},
): Record<string, string[]> {
    const groups = new Map([MANAGED, OTHER].map((g) => [g.id, g]));
    const before = computeExposure({
        rules: rules.map((rule) => ({ group: groups.get(rule.security_group_id)!, rule })),
        remotes: { groups: new Map(Object.entries(remotes)), addressGroups: new Map() },
        protectedPorts: [6443, 22],
        portSecurity: true,
    });
    const byRule = aloneAdmitted(
        before,
        allowSet,
        wanted.map((ruleId) => ({
            groupId: rules.find((r) => r.id === ruleId)!.security_group_id,
            ruleId,
        })),
        new Map(rules.map((r) => [`${r.security_group_id}|${r.id}`, r.ethertype])),
    );
    return Object.fromEntries(
        [...byRule].map(([key, entries]) => [
            key.split("|")[1],
            entries.map(
                (a) =>
                    `${a.entry.remoteIpPrefix} ${a.entry.port} ${a.part ? "part" : "whole"}` +
                    (a.with.length > 0 ? ` with ${a.with.join(",")}` : ""),
            ),
        ]),
    );
}

const conductor = allowEntry("conductor", 6443, "10.12.4.154/32");
const operator = allowEntry("operator", 6443, "10.12.4.0/24");
const wide = portRule("wide", OTHER.id, 6443, "0.0.0.0/0");

describe("ways out: what a rule alone admits of the allow-set now", () => {
    it("a wide rule alone admitting a conductor's /32", () => {
        assert.deepEqual(alone([wide], [conductor], ["wide"]), {
            wide: ["10.12.4.154/32 6443 whole"],
        });
    });

    it("nothing when another rule admits it too, in either group", () => {
        for (const group of [MANAGED.id, OTHER.id]) {
            const c = portRule("c", group, 6443, "10.12.4.154/32");
            assert.deepEqual(alone([wide, c], [conductor], ["wide"]), {});
        }
        // Two rules each covering half of the operator's /24 cover it together.
        const low = portRule("low", MANAGED.id, 6443, "10.12.4.0/25");
        const high = portRule("high", MANAGED.id, 6443, "10.12.4.128/25");
        assert.deepEqual(alone([wide, low, high], [operator], ["wide"]), {});
    });

    it("part of a CIDR another rule covers only in part: that part would be lost", () => {
        const low = portRule("low", MANAGED.id, 6443, "10.12.4.0/25");
        assert.deepEqual(alone([wide, low], [operator], ["wide"]), {
            wide: ["10.12.4.0/24 6443 part"],
        });
        // A narrower rule alone admitting a part is lost with it in part.
        const half = portRule("half", OTHER.id, 6443, "10.12.4.128/25");
        assert.deepEqual(alone([half], [operator], ["half"]), {
            half: ["10.12.4.0/24 6443 part"],
        });
    });

    it("only the entry's own port and family count", () => {
        const on22 = portRule("on22", MANAGED.id, 22, "10.12.4.154/32");
        const v6 = portRule("v6", MANAGED.id, 6443, "::/0", { ethertype: "IPv6" });
        assert.deepEqual(alone([wide, on22, v6], [conductor], ["wide", "on22", "v6"]), {
            wide: ["10.12.4.154/32 6443 whole"],
        });
        const v6Entry = allowEntry("operator", 22, "2001:db8::/64");
        const v6On22 = portRule("v6-22", OTHER.id, 22, "::/0", { ethertype: "IPv6" });
        assert.deepEqual(alone([wide, v6On22], [conductor, v6Entry], ["wide", "v6-22"]), {
            wide: ["10.12.4.154/32 6443 whole"],
            "v6-22": ["2001:db8::/64 22 whole"],
        });
    });

    it("names only the rules asked for, every entry each alone admits, in allow-set order", () => {
        const operator22 = allowEntry("operator", 22, "10.12.4.1/32");
        const hairpin22 = allowEntry("hairpin", 22, "10.12.9.0/24");
        const ssh = portRule("ssh", MANAGED.id, 22, "0.0.0.0/0");
        // wide alone admits the conductor too, but is not asked for.
        assert.deepEqual(alone([wide, ssh], [hairpin22, conductor, operator22], ["ssh"]), {
            ssh: ["10.12.9.0/24 22 whole", "10.12.4.1/32 22 whole"],
        });
    });

    it("every address a rule admits counts, through each member of its remote group", () => {
        const viaGroup = portRule("via", MANAGED.id, 6443, null, { remote_group_id: "peers" });
        const halves = { peers: ["10.12.4.0/25", "10.12.4.128/25"] };
        assert.deepEqual(alone([viaGroup], [operator], ["via"], halves), {
            via: ["10.12.4.0/24 6443 whole"],
        });
    });

    it("a rule whose remote cannot be resolved, or read, does not count as admitting it", () => {
        const viaGroup = portRule("via", MANAGED.id, 6443, null, { remote_group_id: "peers" });
        assert.deepEqual(alone([wide, viaGroup], [conductor], ["wide"], { peers: null }), {
            wide: ["10.12.4.154/32 6443 whole"],
        });
        assert.deepEqual(
            alone([wide, viaGroup], [conductor], ["wide"], { peers: ["10.12.4.154"] }),
            {},
        );
        const odd = portRule("odd", MANAGED.id, 6443, "10.12.4.154/32", {
            unreadable: 'protocol "tcpp"',
        });
        assert.deepEqual(alone([wide, odd], [conductor], ["wide"]), {
            wide: ["10.12.4.154/32 6443 whole"],
        });
    });
});

const SENTINEL = "s3cr3t-sentinel-alone";

/** A stack whose conductor and operator the managed group does not admit yet, beside `rules`. */
function refused(rules: NeutronRule[], conductors = ["10.12.4.154"], extra = {}) {
    const config = parseStackConfig({
        securityGroup: { id: MANAGED.id },
        api: { address: "10.12.7.222" },
        conductors: { juju: { model: "openstack" } },
        verify: { mode: "never", conductors: { enabled: false } },
        operator: { cidrs: ["10.12.4.1/32"], reason: `operator NAT, password=${SENTINEL}` },
        ...extra,
    });
    const managed = rules.filter((r) => r.security_group_id === MANAGED.id);
    const found: Discovered = {
        group: MANAGED,
        api: { address: "10.12.7.222", port: 6443, provenance: "config" },
        apiPorts: [],
        conductors: conductors.map((source, i) => ({
            source,
            provenance: `juju magnum/${i} (machine ${i}): ip -o route get 10.12.7.222 → prefsrc ${source}`,
        })),
        hairpin: [
            { source: "10.12.9.0/24", provenance: `subnet pw password=${SENTINEL} (s1) cidr` },
        ],
        rules: managed,
        exposure: foundExposure([MANAGED, OTHER], rules),
        warnings: [],
    };
    const plan = planIngress(config, found);
    const refusal = plan.exposure.refusal ?? "";
    return { config, plan, refusal };
}

/** The refusal's "ways out" line for `ruleId`. */
function waysLine(refusal: string, ruleId: string): string {
    const lines = refusal.split("\n");
    const at = lines.findIndex((l) => l.startsWith(`  - rule ${ruleId} `));
    assert.ok(at >= 0, `no line for rule ${ruleId} in:\n${refusal}`);
    assert.match(lines[at + 1], /^ {6}ways out: /);
    return lines[at + 1];
}

describe("ways out: what is lost with several rules the refusal asks to remove", () => {
    const wide2 = portRule("wide2", OTHER.id, 6443, "10.0.0.0/8");

    it("a source two of them admit, and no other rule, is lost with both: each names the other", () => {
        assert.deepEqual(alone([wide, wide2], [conductor], ["wide", "wide2"]), {
            wide: ["10.12.4.154/32 6443 whole with wide2"],
            wide2: ["10.12.4.154/32 6443 whole with wide"],
        });
        // A rule the refusal does not ask to remove keeps it.
        assert.deepEqual(alone([wide, wide2], [conductor], ["wide"]), {});
    });

    it("names as others only the rules admitting some of what is lost", () => {
        const low = portRule("low", MANAGED.id, 6443, "10.12.4.0/25");
        const high = portRule("high", OTHER.id, 6443, "10.12.4.128/25");
        assert.deepEqual(alone([wide, low, high], [operator], ["wide", "low", "high"]), {
            wide: ["10.12.4.0/24 6443 whole with low,high"],
            low: ["10.12.4.0/24 6443 part with wide"],
            high: ["10.12.4.0/24 6443 part with wide"],
        });
        // Inside what a kept rule admits, a rule asked for loses nothing and is nobody's other.
        const inLow = portRule("in-low", OTHER.id, 6443, "10.12.4.0/26");
        assert.deepEqual(alone([wide, low, inLow], [operator], ["wide", "in-low"]), {
            wide: ["10.12.4.0/24 6443 part"],
        });
        // Lost in two pieces around a kept middle: high admits one of them, and is named.
        const mid = portRule("mid", OTHER.id, 6443, "10.12.4.64/26");
        assert.deepEqual(alone([wide, mid, high], [operator], ["wide", "high"]), {
            wide: ["10.12.4.0/24 6443 part with high"],
            high: ["10.12.4.0/24 6443 part with wide"],
        });
        // Kept, low covers its half: only the other half is lost, with wide and high.
        assert.deepEqual(alone([wide, low, high], [operator], ["wide", "high"]), {
            wide: ["10.12.4.0/24 6443 part with high"],
            high: ["10.12.4.0/24 6443 part with wide"],
        });
    });

    it("an unreadable rule asked for is warned with the others, and keeps nothing", () => {
        const odd = portRule("odd", OTHER.id, 6443, "10.12.4.154/32", {
            unreadable: 'protocol "tcpp"',
        });
        assert.deepEqual(alone([wide, odd], [conductor], ["wide", "odd"]), {
            wide: ["10.12.4.154/32 6443 whole with odd"],
            odd: ["10.12.4.154/32 6443 whole with wide"],
        });
    });
});

describe("ways out: removal by hand warns of what the rule alone admits now", () => {
    it("names each source with its role and provenance, and says when it may go", () => {
        const { refusal } = refused([wide]);
        const line = waysLine(refusal, "wide");
        assert.equal(
            line,
            "      ways out: remove it by hand (openstack security group rule delete wide), but " +
                "only once another rule admits what it alone admits of the allow-set now (the " +
                "allow-set's rules, created by `pulumi up` or by hand and then adopted): " +
                "10.12.4.154/32 on 6443 (conductor juju magnum/0 (machine 0)), " +
                "10.12.4.1/32 on 6443 (operator config operator.cidrs[0]), " +
                "10.12.9.0/24 on 6443 (hairpin subnet pw password=**** (s1) cidr)" +
                "; deleted before, these lose access",
        );
        assert.ok(!line.includes("NAT"), "the stack's reason is left out");
    });

    it("keeps the plain advice when every source has another rule", () => {
        const rules = [
            wide,
            portRule("c", MANAGED.id, 6443, "10.12.4.154/32"),
            portRule("o", MANAGED.id, 6443, "10.12.4.1/32"),
            portRule("h", MANAGED.id, 6443, "10.12.9.0/24"),
        ];
        assert.equal(
            waysLine(refused(rules).refusal, "wide"),
            "      ways out: remove it by hand (openstack security group rule delete wide)",
        );
    });

    it("names at most 10 sources and counts the rest", () => {
        const twelve = Array.from({ length: 12 }, (_, i) => `10.12.4.${10 + i}`);
        const line = waysLine(refused([wide], twelve).refusal, "wide");
        assert.match(
            line,
            /10\.12\.4\.19\/32 on 6443 \(conductor juju magnum\/9 \(machine 9\)\) and 4 more; /,
        );
        assert.doesNotMatch(line, /10\.12\.4\.20\//);
        // Ten: all named (with the operator and hairpin, 12 entries; 8 conductors are 10).
        const eight = twelve.slice(0, 8);
        assert.match(
            waysLine(refused([wide], eight).refusal, "wide"),
            /\(hairpin subnet [^)]*\(s1\) cidr\); deleted before/,
        );
    });

    it("names part of a CIDR, and every provenance of a merged source", () => {
        const rules = [wide, portRule("h", MANAGED.id, 6443, "10.12.9.128/25")];
        const line = waysLine(refused(rules, ["10.12.4.154", "10.12.4.154"]).refusal, "wide");
        assert.match(
            line,
            /: 10\.12\.4\.154\/32 on 6443 \(conductor juju magnum\/0 \(machine 0\); juju magnum\/1 \(machine 1\)\), 10\.12\.4\.1\/32 on 6443 \(operator [^)]*\), part of 10\.12\.9\.0\/24 on 6443 \(hairpin /,
        );
    });

    it("the review's ways out and verdict say the same, masked", () => {
        const { config, plan } = refused([wide]);
        const [exposure] = previewRefusals(config, plan);
        const warned =
            /remove it by hand \(openstack security group rule delete wide\), but only once another rule admits [^;]*; deleted before, these lose access/;
        assert.match(exposure, warned);
        const md = renderReview({
            stack: "test",
            config,
            live: { plan, group: MANAGED.name, api: "10.12.7.222:6443", warnings: [] },
        });
        assert.match(md.match(/^- rule wide: .*$/m)?.[0] ?? "", warned);
        for (const text of [exposure, md]) {
            assert.match(text, /10\.12\.9\.0\/24 on 6443 \(hairpin subnet pw password=\*\*\*\* /);
            assert.ok(!text.includes(SENTINEL));
        }
    });

    it("agrees with the audit: each source it names, the audit finds admitted by it alone", () => {
        const rules = [wide, portRule("h", MANAGED.id, 6443, "10.12.9.0/24")];
        const { plan, refusal } = refused(rules);
        const line = waysLine(refusal, "wide");
        const missing = missingEntries(
            plan.allowSet.filter((e) => !plan.adoptions.has(e)),
            plan.exposure.before,
        );
        const byWideAlone = missing
            .filter((m) => m.admittedBy.join() === "rule wide in lb-extra (other)")
            .map((m) => `${m.source} on ${m.port} (${m.role} `);
        assert.deepEqual(byWideAlone, [
            "10.12.4.154/32 on 6443 (conductor ",
            "10.12.4.1/32 on 6443 (operator ",
        ]);
        for (const named of byWideAlone) assert.ok(line.includes(named), named);
        assert.doesNotMatch(line, /10\.12\.9\.0/);
    });
});

describe("ways out: removal by hand of rules that together alone admit a source", () => {
    const wide16 = portRule("wide16", OTHER.id, 6443, "10.12.0.0/16");
    const wide8 = portRule("wide8", OTHER.id, 6443, "10.0.0.0/8");
    const shared = (other: string) =>
        "but only once another rule admits these allow-set sources (the allow-set's rules, " +
        "created by `pulumi up` or by hand and then adopted); admitted now only by this rule " +
        `and 1 other rule(s) this refusal asks you to remove (${other}): 10.12.4.154/32 on 6443 ` +
        "(conductor juju magnum/0 (machine 0)), 10.12.4.1/32 on 6443 (operator ";

    it("warns on each of two rules, naming the other, and how to keep one instead", () => {
        const { refusal } = refused([wide16, wide8]);
        for (const [rule, other] of [
            ["wide16", "wide8"],
            ["wide8", "wide16"],
        ]) {
            const line = waysLine(refusal, rule);
            assert.ok(line.includes(shared(other)), line);
            assert.match(
                line,
                /\(hairpin subnet [^)]*\(s1\) cidr\); deleted together before, these lose access \(keeping one of the other rules named instead, accepted or retired through `retire`, keeps what it admits: `pulumi up` retires a rule only after the allow-set's rules exist\); or accept/,
            );
        }
    });

    it("says which sources it alone admits and which it shares", () => {
        const ssh = portRule("ssh", OTHER.id, 22, "0.0.0.0/0");
        const line = waysLine(refused([wide16, wide8, ssh]).refusal, "wide16");
        assert.match(line, /\(wide8\): 10\.12\.4\.154\/32 on 6443 /);
        assert.doesNotMatch(line, /on 22/);
        const apart = portRule("apart", OTHER.id, 6443, "10.12.4.0/24");
        const mixed = waysLine(
            refused([wide16, apart], ["10.12.4.154", "10.12.5.7"]).refusal,
            "wide16",
        );
        // The hairpin /24 is lost with wide16 alone; conductor and operator with apart too.
        assert.match(
            mixed,
            /; admitted now only by this rule and 1 other rule\(s\) this refusal asks you to remove \(apart\): 10\.12\.4\.154\/32 on 6443 [^;]*; admitted now by this rule alone: 10\.12\.5\.7\/32 on 6443 \([^)]*\)\), 10\.12\.9\.0\/24 on 6443 \(hairpin [^;]*; deleted together/,
        );
        // Ten named at most, over every clause; two others are named apart.
        const twelve = Array.from({ length: 12 }, (_, i) => `10.12.4.${10 + i}`);
        const capped = waysLine(refused([wide16, apart, wide8], twelve).refusal, "wide16");
        assert.match(capped, /remove \(wide8, apart\): 10\.12\.4\.10\/32 on 6443 /);
        assert.match(
            capped,
            /\(conductor juju magnum\/9 \(machine 9\)\) and 4 more; deleted together/,
        );
    });

    it("an accepted rule stays, so the other is removed without a warning", () => {
        const accepted = { acceptedExposure: [{ rule: "wide8", reason: "peering, reviewed" }] };
        const { refusal } = refused([wide16, wide8], undefined, accepted);
        assert.equal(
            waysLine(refusal, "wide16"),
            "      ways out: remove it by hand (openstack security group rule delete wide16); or " +
                'accept it: acceptedExposure: [{ rule: wide16, reason: "..." }], or its whole ' +
                'group: [{ group: "lb-extra", reason: "..." }]',
        );
        assert.ok(!refusal.includes("rule wide8 "), refusal);
    });

    it("a retire target stays until the allow-set's rules exist: the other goes without a warning", () => {
        const managed8 = portRule("managed8", MANAGED.id, 6443, "10.0.0.0/8");
        const asked = waysLine(refused([wide16, managed8]).refusal, "wide16");
        assert.match(asked, /this refusal asks you to remove \(managed8\)/);
        const retire = { retire: [{ remote: "10.0.0.0/8", ports: [6443] }] };
        const { refusal } = refused([wide16, managed8], undefined, retire);
        assert.match(
            waysLine(refusal, "wide16"),
            /^ {6}ways out: remove it by hand \(openstack security group rule delete wide16\); or accept/,
        );
        assert.ok(!refusal.includes("rule managed8 "), refusal);
    });
});
