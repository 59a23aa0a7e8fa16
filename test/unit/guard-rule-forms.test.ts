// The destroy and removal guards count a rule as still admitting a source only in a form every
// firewall driver enforces so: a conductor whose only other rule is protocol "0" (no TCP on OVN),
// "TCP" (no ACL on OVN) or one port bound alone is stranded, and the guards say so.
import * as assert from "node:assert/strict";
import { AllowEntry } from "../../components/model/allowset";
import { NeutronRule } from "../../components/model/rules";
import {
    certainlyAdmits,
    destroyRefusal,
    guardDestroy,
    strandedByDestroy,
} from "../../components/apply/destroy-guard";
import { guardRemoval, removalRefusal } from "../../components/apply/removal-guard";
import { allowEntry as entry, numberedRules } from "../support/rules";

const G = "group-1";
const C11 = entry("conductor", 6443, "10.30.0.11/32");
const C12 = entry("conductor", 6443, "10.30.0.12/32");
const OP = entry("operator", 6443, "198.51.100.7/32");
const ENTRIES: AllowEntry[] = [C11, C12, OP];
const rule = numberedRules(G);
/** The tight rules, as the stack made them. */
const TIGHT: NeutronRule[] = ENTRIES.map((e) =>
    rule({ port_range_min: e.port, port_range_max: e.port, remote_ip_prefix: e.remoteIpPrefix }),
);
/** Another rule from conductor 10.30.0.11's /32, in the form `fields` give. */
const fromC11 = (fields: Partial<NeutronRule>) =>
    rule({ remote_ip_prefix: "10.30.0.11/32", ...fields });

const NOT_CERTAIN: [string, Partial<NeutronRule>][] = [
    ["protocol 0", { protocol: "0", port_range_min: null, port_range_max: null }],
    ["hopopt", { protocol: "hopopt", port_range_min: null, port_range_max: null }],
    ["any", { protocol: "any", port_range_min: null, port_range_max: null }],
    ["TCP 6000-7000", { protocol: "TCP", port_range_min: 6000, port_range_max: 7000 }],
    ["TCP, no ports", { protocol: "TCP", port_range_min: null, port_range_max: null }],
    ["006", { protocol: "006", port_range_min: 6000, port_range_max: 7000 }],
    ["tcp, min alone", { port_range_max: null }],
    ["tcp, max alone", { port_range_min: null }],
    ["every protocol, with ports", { protocol: null }],
    ["prefix with blanks", { remote_ip_prefix: " 10.30.0.0/24", port_range_max: 6450 }],
    ["IPv4-mapped prefix", { remote_ip_prefix: "::ffff:10.30.0.11/128", port_range_max: 6450 }],
    ["unreadable", { protocol: null, port_range_min: null, port_range_max: null, unreadable: "x" }],
];
const CERTAIN: [string, Partial<NeutronRule>][] = [
    ["every protocol, no ports", { protocol: null, port_range_min: null, port_range_max: null }],
    ["tcp, no ports", { port_range_min: null, port_range_max: null }],
    ["6, 6000-7000", { protocol: "6", port_range_min: 6000, port_range_max: 7000 }],
    ["tcp 6443 from the /24, stored with host bits", { remote_ip_prefix: "10.30.0.9/24" }],
    [
        "tcp 6443 from the /24 given as normalized_cidr",
        { remote_ip_prefix: " 10.30.0.9/24", normalized_cidr: "10.30.0.0/24" },
    ],
];

describe("destroy guard: only forms every driver enforces keep a source admitted", () => {
    for (const [what, fields] of NOT_CERTAIN) {
        it(`${what}: refuses, naming the conductor`, async () => {
            const rules = [...TIGHT, fromC11(fields)];
            assert.ok(!certainlyAdmits(rules[3], C11));
            assert.deepEqual(strandedByDestroy(rules, G, ENTRIES), ENTRIES);
            const state = { cloud: "", groupId: G, entries: ENTRIES };
            assert.match(
                destroyRefusal(state, rules)!,
                /\n {2}conductor {2}6443\/tcp {2}10\.30\.0\.11\/32\n/,
            );
            await assert.rejects(
                guardDestroy(state, async () => rules),
                /would lock Magnum out:\n {2}conductor {2}6443\/tcp {2}10\.30\.0\.11\/32\n/,
            );
        });
    }

    for (const [what, fields] of CERTAIN) {
        it(`${what}: keeps the conductor admitted`, () => {
            const rules = [...TIGHT, fromC11(fields)];
            assert.ok(certainlyAdmits(rules[3], C11));
            const stranded = strandedByDestroy(rules, G, ENTRIES);
            assert.ok(!stranded.includes(C11) && stranded.includes(OP), what);
            const refusal = destroyRefusal({ cloud: "", groupId: G, entries: ENTRIES }, rules)!;
            assert.doesNotMatch(refusal, /10\.30\.0\.11/);
        });
    }

    it("a rule of every protocol and port from anywhere lets the whole destroy through", async () => {
        const rules = [
            ...TIGHT,
            rule({ protocol: null, port_range_min: null, port_range_max: null }),
        ];
        await guardDestroy({ cloud: "", groupId: G, entries: ENTRIES }, async () => rules);
        const zero = [
            ...TIGHT,
            rule({ protocol: "0", port_range_min: null, port_range_max: null }),
        ];
        await assert.rejects(
            guardDestroy({ cloud: "", groupId: G, entries: ENTRIES }, async () => zero),
            /Refusing to destroy/,
        );
    });
});

describe("removal guard: only forms every driver enforces keep a dropped source admitted", () => {
    const olds = { cloud: "", groupId: G, entries: ENTRIES };
    const news = { cloud: "", groupId: G, entries: [C12, OP] };

    for (const [what, fields] of NOT_CERTAIN) {
        it(`${what}: refuses dropping the conductor, naming it`, async () => {
            const rules = [...TIGHT, fromC11(fields)];
            assert.match(
                removalRefusal(rules, olds, news)!,
                /^Refusing to remove the rules of 1 allow-set entry .*:\n {2}conductor {2}6443\/tcp {2}10\.30\.0\.11\/32\n/s,
            );
            await assert.rejects(
                guardRemoval(olds, news, async () => rules),
                /\n {2}conductor {2}6443\/tcp {2}10\.30\.0\.11\/32\n/,
            );
        });
    }

    for (const [what, fields] of CERTAIN) {
        it(`${what}: lets the conductor's entry go`, async () => {
            const rules = [...TIGHT, fromC11(fields)];
            assert.equal(removalRefusal(rules, olds, news), undefined);
            await guardRemoval(olds, news, async () => rules);
        });
    }
});
