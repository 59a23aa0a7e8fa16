import * as assert from "node:assert/strict";
import { AllowEntry } from "../../components/model/allowset";
import { NeutronRule } from "../../components/model/rules";
import {
    certainlyAdmits,
    destroyRefusal,
    guardDestroy,
    strandedByDestroy,
} from "../../components/apply/destroy-guard";
import { allowEntry as entry, numberedRules } from "../support/rules";

const G = "group-1";

/** Three conductors, the operator's /32 on 22 and 6443, the cluster's /24 on 6443: written out,
 * not derived, so that mutation testing sees each module's code run inside a test. */
const ENTRIES: AllowEntry[] = [
    entry("conductor", 6443, "10.30.0.11/32"),
    entry("conductor", 6443, "10.30.0.12/32"),
    entry("conductor", 6443, "10.30.0.13/32"),
    entry("operator", 22, "198.51.100.7/32"),
    entry("operator", 6443, "198.51.100.7/32"),
    entry("hairpin", 6443, "10.20.0.0/24"),
];
const ON_API = ENTRIES.filter((e) => e.port === 6443).map((e) => e.remoteIpPrefix);

const rule = numberedRules(G);

/** The tight rules as they are after an adoption by hand (another description, "6" for tcp). */
const TIGHT: NeutronRule[] = ENTRIES.map((e) =>
    rule({
        protocol: "6",
        port_range_min: e.port,
        port_range_max: e.port,
        remote_ip_prefix: e.remoteIpPrefix,
        description: "made by hand",
    }),
);

const stranded = (extra: Partial<NeutronRule>[]) =>
    strandedByDestroy([...TIGHT, ...extra.map(rule)], G, ENTRIES).map((e) => e.remoteIpPrefix);

describe("destroy guard: which allow-set sources a destroy would strand", () => {
    it("with only the tight rules left, every source on the API's port is stranded", () => {
        assert.deepEqual(stranded([]), ON_API);
        assert.equal(ON_API.length, 5, "three conductors, the operator, the hairpin");
    });

    it("a surviving wide rule on the API's port strands nothing", () => {
        assert.deepEqual(stranded([{}]), []);
        assert.deepEqual(stranded([{ remote_ip_prefix: null }]), [], "no prefix is any address");
        assert.deepEqual(
            stranded([{ protocol: null, port_range_min: null, port_range_max: null }]),
            [],
        );
        assert.deepEqual(stranded([{ port_range_min: 6000, port_range_max: 7000 }]), []);
    });

    it("counts only rules that admit the source over TCP on the API's port", () => {
        assert.deepEqual(stranded([{ port_range_min: 22, port_range_max: 22 }]), ON_API);
        assert.deepEqual(stranded([{ port_range_min: 6444, port_range_max: 7000 }]), ON_API);
        assert.deepEqual(stranded([{ direction: "egress" }]), ON_API);
        assert.deepEqual(stranded([{ protocol: "udp" }]), ON_API);
        // Forms Neutron refuses, read otherwise by some driver: not certain, so they do not count.
        assert.deepEqual(stranded([{ protocol: null, port_range_min: null }]), ON_API);
        assert.deepEqual(
            stranded([{ protocol: "0", port_range_min: null, port_range_max: null }]),
            ON_API,
        );
        assert.deepEqual(stranded([{ ethertype: "IPv6", remote_ip_prefix: "::/0" }]), ON_API);
        assert.deepEqual(stranded([{ remote_ip_prefix: null, remote_group_id: "g2" }]), ON_API);
        assert.deepEqual(stranded([{ remote_address_group_id: "ag" }]), ON_API);
        assert.deepEqual(stranded([{ security_group_id: "other" }]), ON_API);
    });

    it("a narrower surviving rule admits only the sources it contains", () => {
        assert.deepEqual(stranded([{ remote_ip_prefix: "10.30.0.0/24" }]), [
            "198.51.100.7/32",
            "10.20.0.0/24",
        ]);
        assert.deepEqual(stranded([{ remote_ip_prefix: "10.20.0.0/25" }]), ON_API);
        assert.deepEqual(stranded([{ remote_ip_prefix: "10.0.0.0/8" }]), ["198.51.100.7/32"]);
    });

    it("treats every rule keyed like an allow entry as going, whatever its description", () => {
        // The stack's own rules (created or adopted) are the ones a destroy deletes.
        const own = TIGHT.map((r) => ({ ...r, description: "capi-mgmt-ingress: conductor" }));
        assert.deepEqual(
            strandedByDestroy(own, G, ENTRIES).map((e) => e.remoteIpPrefix),
            ON_API,
        );
    });

    it("certainlyAdmits() needs the whole source inside the rule's prefix", () => {
        const conductor = ENTRIES[0];
        assert.ok(certainlyAdmits(rule({ remote_ip_prefix: "10.30.0.11/32" }), conductor));
        assert.ok(!certainlyAdmits(rule({ remote_ip_prefix: "10.30.0.12/32" }), conductor));
    });

    it("the refusal names the group, each stranded source and how to destroy anyway", () => {
        const message = destroyRefusal({ cloud: "", groupId: G, entries: ENTRIES }, TIGHT)!;
        assert.match(message, /Refusing to destroy: .* security group group-1 .* 6 rules listed/);
        assert.match(message, /would lock Magnum out/);
        assert.match(message, /conductor\s+6443\/tcp\s+10\.30\.0\.13\/32/);
        assert.match(message, /hairpin\s+6443\/tcp\s+10\.20\.0\.0\/24/);
        assert.doesNotMatch(message, /22\/tcp/);
        assert.match(message, /pulumi config set allowDestroy true.*pulumi up.*pulumi destroy/s);
        assert.equal(
            destroyRefusal({ cloud: "", groupId: G, entries: ENTRIES }, [...TIGHT, rule({})]),
            undefined,
        );
    });

    it("a surviving IPv6 rule never admits an IPv4 source, even written as a mapped prefix", () => {
        assert.deepEqual(
            stranded([{ ethertype: "IPv6", remote_ip_prefix: "::ffff:0.0.0.0/96" }]),
            ON_API,
        );
    });

    it("lays the refusal out as a table, one stranded source a line", () => {
        const message = destroyRefusal({ cloud: "", groupId: G, entries: ENTRIES }, TIGHT)!;
        assert.ok(
            message.includes(
                ":\n  conductor  6443/tcp  10.30.0.11/32\n  conductor  6443/tcp  10.30.0.12/32\n" +
                    "  conductor  6443/tcp  10.30.0.13/32\n  operator   6443/tcp  198.51.100.7/32\n" +
                    "  hairpin    6443/tcp  10.20.0.0/24\nAdd a rule that admits them first, or to destroy anyway set",
            ),
            message,
        );
    });

    it("decides from the live listing: refuses, allows, fails closed", async () => {
        const state = { cloud: "", groupId: G, entries: ENTRIES };
        const asked: string[] = [];
        const listing = (rules: NeutronRule[]) => async (groupId: string) => {
            asked.push(groupId);
            return rules;
        };
        await assert.rejects(guardDestroy(state, listing(TIGHT)), /would lock Magnum out/);
        await guardDestroy(state, listing([...TIGHT, rule({})]));
        assert.deepEqual(asked, [G, G]);
        await assert.rejects(
            guardDestroy(state, async () => {
                throw new Error("GET /v2.0/security-group-rules: expected 200, got 503");
            }),
            /^Error: Refusing to destroy: the rules of security group group-1 could not be listed \(GET \/v2.0\/security-group-rules\) to check that no allow-set source is left without an admitting rule: GET .* got 503$/,
        );
        await guardDestroy({ ...state, allowDestroy: true }, listing(TIGHT));
        assert.deepEqual(asked, [G, G], "allowDestroy lists nothing");
        await guardDestroy({ ...state, allowDestroy: false }, listing([...TIGHT, rule({})]));
    });

    it("refuses a recorded state without group id or allow-set", async () => {
        const never = async (): Promise<NeutronRule[]> => assert.fail("must not list");
        const message =
            /^Error: Refusing to destroy: the recorded state holds no group id and allow-set to check against the live group; set `pulumi config set allowDestroy true`, run `pulumi up`, then `pulumi destroy`.$/;
        await assert.rejects(
            guardDestroy({ cloud: "", groupId: undefined, entries: [] } as never, never),
            message,
        );
        await assert.rejects(
            guardDestroy({ cloud: "", groupId: G, entries: undefined } as never, never),
            message,
        );
        await assert.rejects(
            guardDestroy({ cloud: "", groupId: 7, entries: [] } as never, never),
            message,
        );
    });
});
