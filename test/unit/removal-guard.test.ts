import * as assert from "node:assert/strict";
import { AllowEntry } from "../../components/model/allowset";
import { NeutronRule } from "../../components/model/rules";
import {
    droppedEntries,
    guardRemoval,
    removalRefusal,
    RemovalSide,
    strandedByUpdate,
} from "../../components/apply/removal-guard";
import { readbackGateProvider } from "../../components/apply/gate";
import { wideRuleRetirementProvider } from "../../components/apply/retirement";
import { allowEntry as entry, numberedRules } from "../support/rules";

const G = "group-1";

const C11 = entry("conductor", 6443, "10.30.0.11/32");
const C12 = entry("conductor", 6443, "10.30.0.12/32");
const OP22 = entry("operator", 22, "198.51.100.7/32");
const OP = entry("operator", 6443, "198.51.100.7/32");
const HAIRPIN = entry("hairpin", 6443, "10.20.0.0/24");
const OLD: AllowEntry[] = [C11, C12, OP22, OP, HAIRPIN];

const side = (entries: AllowEntry[], groupId = G): RemovalSide => ({ cloud: "", groupId, entries });
const without = (...gone: AllowEntry[]) => side(OLD.filter((e) => !gone.includes(e)));

const rule = numberedRules(G);
const ruleFor = (e: AllowEntry, fields: Partial<NeutronRule> = {}) =>
    rule({
        port_range_min: e.port,
        port_range_max: e.port,
        remote_ip_prefix: e.remoteIpPrefix,
        ...fields,
    });

/** The group as the gate lists it in an update: the old rules still there, the new ones created. */
const TIGHT = OLD.map((e) => ruleFor(e, { protocol: "6", description: "made by hand" }));
const prefixes = (entries: AllowEntry[]) => entries.map((e) => e.remoteIpPrefix);
const stranded = (news: RemovalSide, extra: Partial<NeutronRule>[] = []) =>
    prefixes(strandedByUpdate([...TIGHT, ...extra.map(rule)], side(OLD), news));

describe("removal guard: which entries an update drops", () => {
    it("an entry is dropped when no new entry has its Neutron key", () => {
        assert.deepEqual(droppedEntries(side(OLD), side([...OLD].reverse())), []);
        assert.deepEqual(droppedEntries(side(OLD), without(C12)), [C12]);
        const wider = { ...OP, remoteIpPrefix: "198.51.100.0/24" };
        assert.deepEqual(droppedEntries(side(OLD), side([C11, C12, OP22, wider, HAIRPIN])), [OP]);
        assert.deepEqual(
            droppedEntries(side(OLD), side([C11, C12, OP22, { ...OP, port: 6444 }, HAIRPIN])),
            [OP],
        );
    });

    it("a role or provenance change keeps the rule; a changed group drops every entry", () => {
        const relabelled = OLD.map((e) => ({ ...e, role: "operator" as const, provenance: ["x"] }));
        assert.deepEqual(droppedEntries(side(OLD), side(relabelled)), []);
        assert.deepEqual(droppedEntries(side(OLD), side(OLD, "group-2")), OLD);
    });
});

describe("removal guard: which dropped sources an update would strand", () => {
    it("a dropped conductor that only its own rule admits is stranded", () => {
        assert.deepEqual(stranded(without(C12)), ["10.30.0.12/32"]);
        assert.deepEqual(stranded(without(C11, C12)), ["10.30.0.11/32", "10.30.0.12/32"]);
    });

    it("a dropped source that another rule admits on its port is not", () => {
        assert.deepEqual(stranded(without(C12), [{ remote_ip_prefix: "10.30.0.0/24" }]), []);
        assert.deepEqual(stranded(without(C12), [{}]), []);
        assert.deepEqual(
            stranded(without(C12), [{ port_range_min: 1, port_range_max: 65535 }]),
            [],
        );
    });

    it("counts only rules that admit the dropped source over TCP on its port, in its group", () => {
        const others: Partial<NeutronRule>[] = [
            { remote_ip_prefix: "10.30.0.0/24", port_range_min: 22, port_range_max: 22 },
            { remote_ip_prefix: "10.30.0.0/24", direction: "egress" },
            { remote_ip_prefix: "10.30.0.0/24", protocol: "udp" },
            { remote_ip_prefix: "10.30.0.0/24", security_group_id: "other" },
            { remote_ip_prefix: "10.30.0.11/32" },
            { ethertype: "IPv6", remote_ip_prefix: "::/0" },
            { remote_ip_prefix: null, remote_group_id: "g2" },
        ];
        for (const extra of others) {
            assert.deepEqual(
                stranded(without(C12), [extra]),
                ["10.30.0.12/32"],
                JSON.stringify(extra),
            );
        }
    });

    it("checks a dropped SSH entry on SSH's port, not the API's", () => {
        assert.deepEqual(stranded(without(OP22)), ["198.51.100.7/32"]);
        assert.deepEqual(stranded(without(OP22), [{ remote_ip_prefix: "198.51.100.0/24" }]), [
            "198.51.100.7/32",
        ]);
        const ssh = { port_range_min: 22, port_range_max: 22, remote_ip_prefix: "198.51.100.0/24" };
        assert.deepEqual(stranded(without(OP22), [ssh]), []);
    });

    it("a rule of another dropped entry goes too, so it admits nothing", () => {
        // A hairpin /16 admits the conductor while it stays, not when the update deletes it too.
        const wideHairpin = entry("hairpin", 6443, "10.30.0.0/16");
        const olds = side([...OLD, wideHairpin]);
        const rules = [...TIGHT, ruleFor(wideHairpin)];
        const news = (...gone: AllowEntry[]) => side(olds.entries.filter((e) => !gone.includes(e)));
        assert.deepEqual(prefixes(strandedByUpdate(rules, olds, news(C12))), []);
        assert.deepEqual(prefixes(strandedByUpdate(rules, olds, news(C12, HAIRPIN))), [
            "10.20.0.0/24",
        ]);
        assert.deepEqual(prefixes(strandedByUpdate(rules, olds, news(C12, wideHairpin))), [
            "10.30.0.12/32",
            "10.30.0.0/16",
        ]);
    });

    it("an entry replaced by a wider operator prefix is admitted by its replacement's rule", () => {
        const wider = [OP22, OP].map((e) => ({ ...e, remoteIpPrefix: "198.51.100.0/24" }));
        const news = side([C11, C12, ...wider, HAIRPIN]);
        const rules = [...TIGHT, ...wider.map((e) => ruleFor(e))];
        assert.deepEqual(strandedByUpdate(rules, side(OLD), news), []);
        // Without the replacement's rules (not created), both operator entries are stranded.
        assert.deepEqual(prefixes(strandedByUpdate(TIGHT, side(OLD), news)), [
            "198.51.100.7/32",
            "198.51.100.7/32",
        ]);
    });

    it("a wide rule the same update retires admits nothing", () => {
        const wide = rule({});
        const rules = [...TIGHT, wide];
        assert.deepEqual(strandedByUpdate(rules, side(OLD), without(C12)), []);
        assert.deepEqual(prefixes(strandedByUpdate(rules, side(OLD), without(C12), [wide.id])), [
            "10.30.0.12/32",
        ]);
        assert.deepEqual(strandedByUpdate(rules, side(OLD), without(C12), ["other"]), []);
        const message = removalRefusal(rules, side(OLD), without(C12), [wide.id])!;
        assert.match(
            message,
            new RegExp(`rules for them and the wide rules it retires \\(${wide.id}\\) are deleted`),
        );
    });

    it("a changed group checks the old group, where the stack's rules are deleted", () => {
        assert.deepEqual(stranded(side(OLD, "group-2")), prefixes(OLD));
        const anywhere = { port_range_min: null, port_range_max: null };
        assert.deepEqual(stranded(side(OLD, "group-2"), [anywhere]), []);
        assert.deepEqual(
            stranded(side(OLD, "group-2"), [{ ...anywhere, security_group_id: "group-2" }]),
            prefixes(OLD),
        );
    });
});

describe("removal guard: the refusal and the live decision", () => {
    it("names each stranded entry, the group, what was expected and the way out", () => {
        const message = removalRefusal(TIGHT, side(OLD), without(C12, OP22))!;
        assert.ok(
            message.startsWith(
                "Refusing to remove the rules of 2 allow-set entries this update no longer declares: " +
                    "once this stack's rules for them are deleted, no rule of security group group-1 " +
                    "(GET /v2.0/security-group-rules, 5 rules listed) admits their sources on their ports:\n" +
                    "  conductor  6443/tcp  10.30.0.12/32\n  operator   22/tcp  198.51.100.7/32\n" +
                    "Expected another rule of the group",
            ),
            message,
        );
        assert.match(message, /Nothing was deleted/);
        assert.match(message, /pulumi config set allowDestroy true.*pulumi up/s);
        assert.match(
            removalRefusal(TIGHT, side(OLD), side(OLD, "g2"))!,
            /5 allow-set entries .* \(the update moves to group g2\)/,
        );
        assert.match(removalRefusal(TIGHT, side(OLD), without(C12))!, /of 1 allow-set entry this/);
        assert.equal(removalRefusal(TIGHT, side(OLD), side(OLD)), undefined);
    });

    it("lists the old group only when an entry is dropped; allowDestroy skips it", async () => {
        const asked: string[] = [];
        const listing = (rules: NeutronRule[]) => async (groupId: string) => {
            asked.push(groupId);
            return rules;
        };
        await guardRemoval(side(OLD), side(OLD), listing(TIGHT));
        assert.deepEqual(asked, []);
        await assert.rejects(
            guardRemoval(side(OLD), without(C12), listing(TIGHT)),
            /10\.30\.0\.12\/32/,
        );
        await guardRemoval(side(OLD), without(C12), listing([...TIGHT, rule({})]));
        await assert.rejects(
            guardRemoval(side(OLD), side(OLD, "g2"), listing(TIGHT)),
            /group group-1/,
        );
        assert.deepEqual(asked, [G, G, G]);
        await guardRemoval(side(OLD), { ...without(C12), allowDestroy: true }, listing(TIGHT));
        await guardRemoval(side(OLD), { ...side([]), allowDestroy: true }, listing(TIGHT));
        assert.deepEqual(asked, [G, G, G], "allowDestroy lists nothing");
        await guardRemoval(side(OLD), { ...side([]), allowDestroy: true }, listing(TIGHT), ["x"]);
        assert.deepEqual(asked, [G, G, G]);
        const wide = rule({});
        await guardRemoval(side(OLD), without(C12), listing([...TIGHT, wide]), ["other"]);
        await assert.rejects(
            guardRemoval(side(OLD), without(C12), listing([...TIGHT, wide]), [wide.id]),
            /wide rules it retires/,
        );
        await assert.rejects(
            guardRemoval(side(OLD), { ...without(C12), allowDestroy: false }, listing(TIGHT)),
            /Refusing to remove/,
        );
    });

    it("fails closed: a failed listing or a recorded state without allow-set refuses", async () => {
        await assert.rejects(
            guardRemoval(side(OLD), without(C12), async () => {
                throw new Error("GET /v2.0/security-group-rules: expected 200, got 503");
            }),
            /^Error: Refusing to remove dropped allow-set entries: the rules of security group group-1 could not be listed \(GET \/v2.0\/security-group-rules\) .* got 503$/,
        );
        const never = async (): Promise<NeutronRule[]> => assert.fail("must not list");
        for (const olds of [{ groupId: G }, { entries: OLD }, { groupId: 7, entries: OLD }]) {
            await assert.rejects(
                guardRemoval(olds as never, without(C12), never),
                /^Error: Refusing the update: the read-back gate's recorded state holds no group id and allow-set/,
            );
        }
        await guardRemoval(
            { groupId: G, entries: OLD } as never,
            { ...without(C12), allowDestroy: true },
            never,
        );
    });
});

describe("read-back gate: the diff runs the update that guards a removal", () => {
    const state = {
        ...side(OLD),
        ruleIds: ["a", "b"],
        allowDestroy: false,
        rules: [],
        missing: [],
    };
    const diff = (news: object) => readbackGateProvider.diff!("id", state, { ...state, ...news });

    it("reports a change when an entry is dropped or replaced, none when nothing changed", async () => {
        assert.deepEqual(await diff({}), { changes: false });
        assert.deepEqual(await diff({ entries: [...OLD].reverse() }), { changes: false });
        assert.deepEqual(await diff({ entries: without(C12).entries }), { changes: true });
        assert.deepEqual(await diff({ entries: without(C12).entries, ruleIds: ["a"] }), {
            changes: true,
        });
        const wider = { ...OP, remoteIpPrefix: "198.51.100.0/24" };
        assert.deepEqual(await diff({ entries: [C11, C12, OP22, wider, HAIRPIN] }), {
            changes: true,
        });
        assert.deepEqual(await diff({ allowDestroy: true }), { changes: true });
    });
});

describe("retirement: the diff re-runs the removal guard while an entry is being dropped", () => {
    const state = {
        ...side(OLD),
        targets: [],
        allowDestroy: false,
        readbackRuleCount: 5,
        retired: [],
    };
    const diff = (news: object) =>
        wideRuleRetirementProvider.diff!("id", state, { ...state, ...news });

    it("reports a change when an entry is dropped, even with no target", async () => {
        assert.deepEqual(await diff({}), { changes: false });
        assert.deepEqual(await diff({ entries: [...OLD].reverse() }), { changes: false });
        assert.deepEqual(
            await diff({ entries: [...OLD, entry("conductor", 6443, "10.30.0.14/32")] }),
            {
                changes: false,
            },
        );
        assert.deepEqual(await diff({ entries: without(C12).entries }), { changes: true });
        assert.deepEqual(await diff({ entries: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }), {
            changes: true,
        });
    });
});
