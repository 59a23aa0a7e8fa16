// The CrossGuard pack as the engine runs it: started by the SDK's run-policy-pack host from
// policy/ (compiled with type checking), then sent the engine's Analyzer requests over loopback
// gRPC. One pack process serves the whole file; it is stopped in after(), also on failure.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { unknownValue } from "@pulumi/pulumi/runtime";
import {
    Analysis,
    Level,
    PolicyAnalyzer,
    PolicyPackProcess,
    Properties,
} from "../support/policy-analyzer";

const PACK_DIR = path.resolve(__dirname, "../../policy");
const RULE_TYPE = "openstack:networking/secGroupRule:SecGroupRule";
const RETIREMENT_TYPE = "pulumi-nodejs:dynamic/retirement:WideRuleRetirement";
const GROUP_ID = "6f1c2a0e-5b7d-4c1e-9a3f-0d2b8e4c7a11";

const ANY_SOURCE = "no-any-source-on-protected-ports";
const CONDUCTOR = "conductor-rules-are-host-routes";
const FLOOR = "wide-prefixes-carry-a-waiver";
const RETIREMENT = "retirement-deletes-shown";
const UNION = "no-rule-set-admits-a-whole-family";
const RULE_POLICIES = [ANY_SOURCE, CONDUCTOR, FLOOR];

/** A SecGroupRule's inputs as the program declares them: tcp/6443 ingress over IPv4. */
function rule(overrides: Properties): Properties {
    return {
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 6443,
        portRangeMax: 6443,
        securityGroupId: GROUP_ID,
        ...overrides,
    };
}

/** Which policies reported, at which level, sorted by policy name. */
function reported(analysis: Analysis): [string, Level][] {
    return analysis.diagnostics
        .map((d): [string, Level] => [d.policyName, d.enforcementLevel])
        .sort(([a], [b]) => a.localeCompare(b));
}

/** What the one diagnostic from `policyName` says after the policy's description. */
function violation(analysis: Analysis, policyName: string): string {
    const found = analysis.diagnostics.filter((d) => d.policyName === policyName);
    assert.equal(found.length, 1, `expected one diagnostic from ${policyName}`);
    const [{ description, message }] = found;
    assert.ok(
        message.startsWith(`${description}\n`),
        `expected "${message}" to start with the policy's description`,
    );
    return message.slice(description.length + 1);
}

describe("policy pack served by run-policy-pack over loopback gRPC", function () {
    this.timeout(60_000);
    let pack: PolicyPackProcess | undefined;
    let analyzer: PolicyAnalyzer;

    before(async function () {
        // Loading compiles the pack and the components it imports with type checking.
        this.timeout(120_000);
        pack = new PolicyPackProcess(PACK_DIR);
        analyzer = await pack.ready;
    });

    after(async function () {
        await pack?.stop();
    });

    it("lists its five policies, their levels and config keys", async function () {
        const info = await analyzer.info();
        assert.equal(info.name, "capi-mgmt-ingress");
        assert.deepEqual(info.policies, [
            { name: ANY_SOURCE, enforcementLevel: "mandatory", configKeys: ["protectedPorts"] },
            { name: CONDUCTOR, enforcementLevel: "mandatory", configKeys: [] },
            {
                name: FLOOR,
                enforcementLevel: "mandatory",
                configKeys: ["minPrefixLength", "minPrefixLengthIpv6", "protectedPorts", "waivers"],
            },
            { name: RETIREMENT, enforcementLevel: "advisory", configKeys: [] },
            { name: UNION, enforcementLevel: "mandatory", configKeys: ["protectedPorts"] },
        ]);
    });

    describe("with the default config", function () {
        before(async function () {
            await analyzer.configure({});
        });

        it("passes tight operator and conductor /32s, with the group id unknown (preview)", async function () {
            const operator = await analyzer.analyze(
                RULE_TYPE,
                "mgmt-operator-6443-10.12.4.1-32",
                rule({
                    remoteIpPrefix: "10.12.4.1/32",
                    description: "capi-mgmt-ingress: operator",
                    securityGroupId: unknownValue,
                }),
            );
            assert.deepEqual(operator, { diagnostics: [], notApplicable: [RETIREMENT] });
            const conductor = await analyzer.analyze(
                RULE_TYPE,
                "mgmt-conductor-22-10.12.4.7-32",
                rule({
                    portRangeMin: 22,
                    portRangeMax: 22,
                    remoteIpPrefix: "10.12.4.7/32",
                    description: "capi-mgmt-ingress: conductor",
                }),
            );
            assert.deepEqual(conductor.diagnostics, []);
        });

        it("refuses tcp 1-65535 from 0.0.0.0/0 as any-source and below the floor", async function () {
            const analysis = await analyzer.analyze(
                RULE_TYPE,
                "wide",
                rule({ portRangeMin: 1, portRangeMax: 65535, remoteIpPrefix: "0.0.0.0/0" }),
            );
            assert.deepEqual(reported(analysis), [
                [ANY_SOURCE, "mandatory"],
                [FLOOR, "mandatory"],
            ]);
            assert.equal(
                violation(analysis, ANY_SOURCE),
                "security group rule wide admits every address (0.0.0.0/0) to protected ports 6443/tcp, 22/tcp (tcp 1-65535); expected a narrower remoteIpPrefix: no waiver can allow this",
            );
            assert.equal(
                violation(analysis, FLOOR),
                "security group rule wide admits 0.0.0.0/0, wider than the /16 floor, to protected ports 6443/tcp, 22/tcp; an any-address source cannot be waived",
            );
        });

        it("refuses an any-protocol rule with no remote prefix (Neutron's any address)", async function () {
            const analysis = await analyzer.analyze(
                RULE_TYPE,
                "open",
                rule({ protocol: null, portRangeMin: null, portRangeMax: null }),
            );
            assert.deepEqual(reported(analysis), [
                [ANY_SOURCE, "mandatory"],
                [FLOOR, "mandatory"],
            ]);
            assert.match(
                violation(analysis, ANY_SOURCE),
                /^security group rule open admits every address \(no remoteIpPrefix, which Neutron reads as 0\.0\.0\.0\/0\) to protected ports 6443\/tcp, 22\/tcp /,
            );
        });

        it("refuses a conductor /24: a conductor rule must be a host route", async function () {
            const analysis = await analyzer.analyze(
                RULE_TYPE,
                "mgmt-conductor-6443-10.12.4.0-24",
                rule({
                    remoteIpPrefix: "10.12.4.0/24",
                    description: "capi-mgmt-ingress: conductor",
                }),
            );
            assert.deepEqual(reported(analysis), [[CONDUCTOR, "mandatory"]]);
            assert.equal(
                violation(analysis, CONDUCTOR),
                "security group rule mgmt-conductor-6443-10.12.4.0-24 is a conductor rule from 10.12.4.0/24; expected a /32 or /128 remoteIpPrefix (one per measured unit)",
            );
        });

        it("refuses a /8 without a waiver, naming the floor key and the waiver expected", async function () {
            const analysis = await analyzer.analyze(
                RULE_TYPE,
                "site",
                rule({ remoteIpPrefix: "10.0.0.0/8" }),
            );
            assert.deepEqual(reported(analysis), [[FLOOR, "mandatory"]]);
            assert.equal(
                violation(analysis, FLOOR),
                "security group rule site admits 10.0.0.0/8 to protected port 6443/tcp, wider than the /16 floor (minPrefixLength); expected a waiver {cidr: 10.0.0.0/8, reason} in this policy's waivers",
            );
        });

        it("reports an unknown remote prefix at preview as not checkable, for each rule policy", async function () {
            const analysis = await analyzer.analyze(
                RULE_TYPE,
                "later",
                rule({ remoteIpPrefix: unknownValue }),
            );
            assert.deepEqual(
                reported(analysis),
                RULE_POLICIES.map((name): [string, Level] => [name, "advisory"]).sort(),
            );
            for (const { policyName, message } of analysis.diagnostics) {
                assert.match(
                    message,
                    new RegExp(
                        `^can't run policy '${policyName}' .* during preview: .*remoteIpPrefix`,
                    ),
                );
            }
        });

        it("shows at preview which rules the retirement deletes", async function () {
            const shape = {
                direction: "ingress",
                ethertype: "IPv4",
                protocol: "tcp",
                portRangeMin: 22,
                portRangeMax: 22,
                remoteIpPrefix: "0.0.0.0/0",
                remoteGroupId: null,
            };
            const analysis = await analyzer.analyze(RETIREMENT_TYPE, "mgmt-retire-wide", {
                __provider: "exports.handler = ...",
                cloud: "",
                groupId: GROUP_ID,
                entries: [],
                allowDestroy: false,
                readbackRuleCount: 3,
                targets: [
                    { id: "r-ssh", shape },
                    {
                        id: "r-api",
                        shape: {
                            ...shape,
                            portRangeMin: 6443,
                            portRangeMax: 6443,
                            remoteIpPrefix: "10.12.4.0/24",
                        },
                    },
                ],
            });
            assert.deepEqual(reported(analysis), [[RETIREMENT, "advisory"]]);
            assert.deepEqual([...analysis.notApplicable].sort(), [...RULE_POLICIES].sort());
            assert.equal(
                violation(analysis, RETIREMENT),
                [
                    `will delete 2 rules from security group ${GROUP_ID}, by id, after re-reading each one's shape:`,
                    "  - r-ssh: ingress IPv4 tcp 22 from 0.0.0.0/0",
                    "  - r-api: ingress IPv4 tcp 6443 from 10.12.4.0/24 (NOT an any-address ingress rule: check why it is a target)",
                ].join("\n"),
            );
        });
    });

    describe("with --policy-pack-config", function () {
        after(async function () {
            await analyzer.configure({});
        });

        it("accepts the /8 once its waiver is configured, and still refuses 0.0.0.0/0 waived", async function () {
            await analyzer.configure({
                [FLOOR]: {
                    enforcementLevel: "mandatory",
                    properties: {
                        waivers: [
                            { cidr: "10.0.0.0/8", reason: "the whole site network, audited" },
                            { cidr: "0.0.0.0/0", reason: "attempting to waive any address" },
                        ],
                    },
                },
            });
            const site = await analyzer.analyze(
                RULE_TYPE,
                "site",
                rule({ remoteIpPrefix: "10.0.0.0/8" }),
            );
            assert.deepEqual(site.diagnostics, []);
            const wide = await analyzer.analyze(
                RULE_TYPE,
                "wide",
                rule({ remoteIpPrefix: "0.0.0.0/0" }),
            );
            assert.deepEqual(reported(wide), [
                [ANY_SOURCE, "mandatory"],
                [FLOOR, "mandatory"],
            ]);
            assert.match(violation(wide, FLOOR), /an any-address source cannot be waived$/);
        });

        it("fails the analysis on config its schema refuses, naming the policy and the key", async function () {
            await analyzer.configure({
                [FLOOR]: { enforcementLevel: "mandatory", properties: { protectedPorts: ["x"] } },
            });
            await assert.rejects(
                analyzer.analyze(RULE_TYPE, "site", rule({ remoteIpPrefix: "10.0.0.0/8" })),
                (err: Error) => {
                    assert.match(
                        err.message,
                        /policy wide-prefixes-carry-a-waiver: its config \(--policy-pack-config\) is not valid: .*expected number, received string\s+→ at protectedPorts\[0\]/s,
                    );
                    return true;
                },
            );
        });
    });
});
