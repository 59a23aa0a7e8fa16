// The retirement digest and its approval: the pure functions, then the program under Pulumi's
// mock runtime with its own lookups (no invoke), as the preview and `up` evaluate it.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { installMocks, outputValue, registered, reset } from "../../tools/mock/runtime";
import type { NeutronRule } from "../../components/model/rules";
import type { OpenStackLookups } from "../../components/discover/discovery";
import { portRule } from "../support/rules";

// No invoke is made here: the lookups below answer discovery.
installMocks();

let program: typeof import("../../components/program");
let approval: typeof import("../../components/plan/approval");
let parseStackConfig: typeof import("../../components/config/schema").parseStackConfig;

const GROUP = "6c1f0c2e-0000-4000-8000-0000000000aa";
const RETIREMENT = "pulumi-nodejs:dynamic/retirement:WideRuleRetirement";
const RULE = "openstack:networking/secGroupRule:SecGroupRule";

const rule = (id: string, port: number, prefix: string | null): NeutronRule =>
    portRule(id, GROUP, port, prefix, { description: "" });

function target(r: NeutronRule) {
    return {
        id: r.id,
        shape: {
            direction: r.direction,
            ethertype: r.ethertype,
            protocol: r.protocol,
            portRangeMin: r.port_range_min,
            portRangeMax: r.port_range_max,
            remoteIpPrefix: r.remote_ip_prefix,
            remoteGroupId: r.remote_group_id,
        },
        admits: `${r.remote_ip_prefix} on tcp ${r.port_range_min}`,
    };
}

const WIDE = [rule("b-wide-22", 22, "0.0.0.0/0"), rule("a-wide-6443", 6443, "0.0.0.0/0")];

function lookups(rules: () => NeutronRule[]): OpenStackLookups {
    return {
        securityGroup: async () => ({ id: GROUP, name: "capi-mgmt-sg" }),
        subnet: async (ref) => {
            throw new Error(`no subnet lookup expected (${ref})`);
        },
        routerGatewayIps: async (ref) => {
            throw new Error(`no router lookup expected (${ref})`);
        },
        apiPorts: async () => [
            {
                id: "port-api",
                via: "fixed-ip",
                portSecurityEnabled: true,
                securityGroupIds: [GROUP],
            },
        ],
        rulesOfGroups: async () => rules(),
        groupNames: async (ids) => new Map(ids.map((id) => [id, "capi-mgmt-sg"])),
        remoteGroupAddresses: async (id) => {
            throw new Error(`no remote group expected (${id})`);
        },
        addressGroupAddresses: async (id) => {
            throw new Error(`no address group expected (${id})`);
        },
    };
}

function config(approvedRetirement?: unknown) {
    return parseStackConfig({
        securityGroup: { name: "capi-mgmt-sg" },
        api: { address: "10.12.7.222" },
        conductors: { static: { addresses: ["10.12.4.154"], reason: "conductors outside Juju" } },
        operator: { cidrs: ["10.12.4.1/32"], reason: "operator behind the VR0 masquerade" },
        verify: { mode: "never" },
        ...(approvedRetirement === undefined ? {} : { approvedRetirement }),
    });
}

/** The program's outputs, resolved (so every resource has registered). */
async function evaluate(approved: unknown, rules: NeutronRule[]) {
    reset();
    const outputs = await program.runProgram(
        "capi-mgmt",
        config(approved),
        lookups(() => rules),
    );
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
        resolved[key] = await outputValue(value);
    }
    return resolved;
}

describe("retirement approval", function () {
    this.timeout(180_000);

    before(async () => {
        program = await import("../../components/program");
        approval = await import("../../components/plan/approval");
        ({ parseStackConfig } = await import("../../components/config/schema"));
    });

    describe("digest", () => {
        it("is sha256 over the documented bytes, targets sorted by id", () => {
            const text = approval.digestText(GROUP, WIDE.map(target));
            assert.equal(
                text,
                "capi-mgmt-ingress retirement v1\n" +
                    `group ${GROUP}\n` +
                    "target a-wide-6443 ingress IPv4 tcp 6443 6443 0.0.0.0/0 -\n" +
                    "target b-wide-22 ingress IPv4 tcp 22 22 0.0.0.0/0 -\n",
            );
            // What an operator reproduces by hand.
            const shell = spawnSync("sha256sum", { input: text, encoding: "utf8" });
            assert.equal(
                approval.retirementDigest(GROUP, WIDE.map(target)),
                `sha256:${shell.stdout.split(" ")[0]}`,
            );
            assert.equal(
                approval.retirementDigest(GROUP, [...WIDE].reverse().map(target)),
                approval.retirementDigest(GROUP, WIDE.map(target)),
            );
        });

        it("changes with the group, any target's id and every field of its shape", () => {
            const base = approval.retirementDigest(GROUP, WIDE.map(target));
            const variants: NeutronRule[] = [
                { ...WIDE[1], id: "c-wide-6443" },
                { ...WIDE[1], protocol: "6" },
                { ...WIDE[1], port_range_min: 6442 },
                { ...WIDE[1], port_range_max: 6444 },
                { ...WIDE[1], remote_ip_prefix: null },
                { ...WIDE[1], remote_group_id: GROUP },
                { ...WIDE[1], ethertype: "IPv6" },
                { ...WIDE[1], direction: "egress" },
            ];
            const seen = new Set([base]);
            for (const v of variants) {
                const digest = approval.retirementDigest(GROUP, [WIDE[0], v].map(target));
                assert.ok(!seen.has(digest), JSON.stringify(v));
                seen.add(digest);
            }
            assert.notEqual(approval.retirementDigest("other-group", WIDE.map(target)), base);
            assert.notEqual(approval.retirementDigest(GROUP, [target(WIDE[0])]), base);
        });

        it("refuses a field with white space instead of escaping it", () => {
            assert.throws(
                () => approval.digestText(GROUP, [target({ ...WIDE[0], id: "a b" })]),
                /rule id "a b" holds white space/,
            );
        });
    });

    describe("judgeApproval", () => {
        const targets = WIDE.map(target);
        const digest = () => approval.retirementDigest(GROUP, targets);

        it("approves only the digest of the targets measured now", () => {
            assert.deepEqual(approval.judgeApproval(GROUP, targets, { digest: digest() }), {
                status: "approved",
                digest: digest(),
            });
        });

        it("refuses without an approval, listing the targets and the digest to approve", () => {
            const verdict = approval.judgeApproval(GROUP, targets, undefined);
            assert.equal(verdict.status, "refused");
            const { message } = verdict as { message: string };
            assert.match(message, /no approvedRetirement in the stack; nothing is deleted/);
            assert.match(message, /b-wide-22: 0\.0\.0\.0\/0 on tcp 22/);
            assert.match(message, /a-wide-6443: 0\.0\.0\.0\/0 on tcp 6443/);
            assert.ok(message.includes(`digest: ${digest()}`));
            assert.ok(message.includes("targets: [a-wide-6443, b-wide-22]"));
        });

        it("lists the targets that differ from the approved ones", () => {
            const other = approval.retirementDigest(GROUP, [targets[0]]);
            const verdict = approval.judgeApproval(GROUP, targets, {
                digest: other,
                targets: ["b-wide-22", "gone-rule"],
            });
            const { message } = verdict as { message: string };
            assert.equal(verdict.status, "refused");
            assert.ok(message.includes(`not the approved ${other}`));
            assert.match(message, /\+ a-wide-6443: .* \(measured now, not approved\)/);
            assert.match(message, /- gone-rule \(approved, not a retire target now\)/);
            assert.ok(!/\+ b-wide-22/.test(message));
        });

        it("says a shape changed when the approved ids are the same", () => {
            const verdict = approval.judgeApproval(GROUP, targets, {
                digest: `sha256:${"0".repeat(64)}`,
                targets: ["a-wide-6443", "b-wide-22"],
            });
            assert.match((verdict as { message: string }).message, /same rule ids as approved/);
        });

        it("refuses the right digest when its targets list is not exactly the measured ids", () => {
            const judge = (listed: string[]) =>
                approval.judgeApproval(GROUP, targets, { digest: digest(), targets: listed });
            const one = judge(["a-wide-6443"]);
            assert.equal(one.status, "refused");
            const oneMessage = (one as { message: string }).message;
            assert.match(oneMessage, /targets does not list exactly the 2 retire target/);
            assert.match(oneMessage, /\+ b-wide-22: 0\.0\.0\.0\/0 on tcp 22 \(measured, missing/);
            assert.ok(!/\+ a-wide-6443/.test(oneMessage));
            assert.deepEqual(oneMessage.split("\n").slice(0, 6), [
                `Refusing to retire: approvedRetirement.targets does not list exactly the 2 retire ` +
                    `target(s) measured now in group ${GROUP} (the digest matches); nothing is ` +
                    `deleted until the list names what is deleted.`,
                "Retire targets measured now:",
                "  - b-wide-22: 0.0.0.0/0 on tcp 22",
                "  - a-wide-6443: 0.0.0.0/0 on tcp 6443",
                "approvedRetirement.targets differs from the retire targets measured now:",
                "  + b-wide-22: 0.0.0.0/0 on tcp 22 (measured, missing from targets)",
            ]);
            const stray = judge(["a-wide-6443", "b-wide-22", "not-a-rule-id"]);
            assert.equal(stray.status, "refused");
            assert.match(
                (stray as { message: string }).message,
                /- not-a-rule-id \(in targets, not a retire target measured now\)/,
            );
            assert.equal(judge([]).status, "refused");
            assert.equal(judge(["b-wide-22", "a-wide-6443", "b-wide-22"]).status, "approved");
        });

        it("has nothing to approve without targets, and reports a spent approval", () => {
            assert.deepEqual(approval.judgeApproval(GROUP, [], undefined), {
                status: "nothing-to-retire",
            });
            const spent = approval.judgeApproval(GROUP, [], { digest: digest() });
            assert.equal(spent.status, "nothing-to-retire");
            assert.match((spent as { note: string }).note, /is spent: .* nothing is deleted/);
        });
    });

    describe("the program", () => {
        const rules = () => [...WIDE];
        const approvedNow = () => ({
            digest: approval.retirementDigest(GROUP, WIDE.map(target)),
            targets: WIDE.map((r) => r.id),
        });

        it("declares nothing without an approval, and says why", async () => {
            await assert.rejects(evaluate(undefined, rules()), (err: Error) => {
                assert.match(err.message, /no approvedRetirement in the stack/);
                assert.ok(err.message.includes(approvedNow().digest));
                return true;
            });
            assert.deepEqual(
                registered.filter((r) => r.type === RETIREMENT || r.type === RULE),
                [],
            );
        });

        it("declares nothing with the digest of other targets", async () => {
            const other = {
                digest: approval.retirementDigest(GROUP, [target(WIDE[0])]),
                targets: [WIDE[0].id],
            };
            await assert.rejects(evaluate(other, rules()), /\+ a-wide-6443: .*not approved/);
            assert.equal(registered.filter((r) => r.type === RETIREMENT).length, 0);
        });

        it("declares nothing with the right digest and a targets list naming one rule", async () => {
            const partial = { digest: approvedNow().digest, targets: [WIDE[1].id] };
            await assert.rejects(
                evaluate(partial, rules()),
                /\+ b-wide-22: .*missing from targets/,
            );
            assert.deepEqual(
                registered.filter((r) => r.type === RETIREMENT || r.type === RULE),
                [],
            );
        });

        it("retires the approved targets with the right digest", async () => {
            const outputs = await evaluate(approvedNow(), rules());
            const [retirement] = registered.filter((r) => r.type === RETIREMENT);
            assert.deepEqual(
                (retirement.inputs.targets as { id: string }[]).map((t) => t.id),
                ["b-wide-22", "a-wide-6443"],
            );
            assert.equal(outputs.retirementDigest, approvedNow().digest);
        });

        it("stops the deletion when a rule is added between review and up", async () => {
            const reviewed = approvedNow();
            const added = rule("c-wide-6443-v6", 6443, "0.0.0.0/0");
            await assert.rejects(
                evaluate(reviewed, [...rules(), added]),
                /\+ c-wide-6443-v6: 0\.0\.0\.0\/0 on tcp 6443 \(measured now, not approved\)/,
            );
            assert.equal(registered.filter((r) => r.type === RETIREMENT).length, 0);
        });

        it("declares an empty retirement once the targets are gone, the approval spent", async () => {
            const outputs = await evaluate(approvedNow(), []);
            const [retirement] = registered.filter((r) => r.type === RETIREMENT);
            assert.deepEqual(retirement.inputs.targets, []);
            assert.equal(outputs.retirementDigest, null);
        });

        it("refuses an approval that is not a digest, naming the key", () => {
            const hex = approvedNow().digest.slice("sha256:".length);
            // Compared byte for byte, so never normalized: upper case or white space is refused.
            for (const value of [
                "sha1:abc",
                `sha256:${hex.toUpperCase()}`,
                ` sha256:${hex}`,
                `sha256:${hex}\n`,
                { digest: `SHA256:${hex}`, targets: [] },
            ]) {
                assert.throws(
                    () => config(value),
                    /capi-mgmt-ingress:approvedRetirement\S*: .*sha256:<64 lower-case hex digits>/,
                    JSON.stringify(value),
                );
            }
        });
    });
});
