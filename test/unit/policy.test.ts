import * as assert from "node:assert/strict";
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import * as fc from "fast-check";
import {
    conductorHostRoutePolicy,
    floorWaiverPolicy,
    noAnySourcePolicy,
    noUnionCoversAFamilyPolicy,
    policies,
    RETIREMENT_TYPE,
    retirementSummaryPolicy,
} from "../../policy/policies";

const RULE_TYPE = "openstack:networking/secGroupRule:SecGroupRule";

class NotApplicable extends Error {}

interface Resource {
    type?: string;
    name?: string;
    props: Record<string, unknown>;
}

/** Runs a policy as the analyzer does; returns the violations, or "not applicable". */
async function run(
    policy: ResourceValidationPolicy,
    resource: Resource,
    config: object = {},
): Promise<string[] | "not applicable"> {
    const type = resource.type ?? RULE_TYPE;
    const name = resource.name ?? "rule";
    const violations: string[] = [];
    const args: ResourceValidationArgs = {
        type,
        name,
        urn: `urn:pulumi:dev::capi-mgmt-ingress::${type}::${name}`,
        props: resource.props,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        },
        stackTags: new Map(),
        isType: (cls) => (cls as unknown as { __pulumiType: string }).__pulumiType === type,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
    const validations = [policy.validateResource ?? []].flat();
    try {
        for (const validate of validations) {
            await validate(args, (message) => violations.push(message));
        }
    } catch (err) {
        if (err instanceof NotApplicable) {
            return "not applicable";
        }
        throw err;
    }
    return violations;
}

/** A rule's inputs as the program declares them: one TCP port from one prefix. */
function rule(fields: Record<string, unknown>): Record<string, unknown> {
    return {
        securityGroupId: "sg-1",
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 6443,
        portRangeMax: 6443,
        ...fields,
    };
}

async function violations(
    policy: ResourceValidationPolicy,
    props: Record<string, unknown>,
    config: object = {},
    name = "rule",
): Promise<string[]> {
    const result = await run(policy, { props, name }, config);
    assert.notEqual(result, "not applicable");
    return result as string[];
}

describe("policy pack", () => {
    it("has unique names and makes the three safety policies mandatory", () => {
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
        for (const policy of [
            noAnySourcePolicy,
            conductorHostRoutePolicy,
            floorWaiverPolicy,
            noUnionCoversAFamilyPolicy,
        ]) {
            assert.equal(policy.enforcementLevel, "mandatory", policy.name);
        }
        assert.equal(retirementSummaryPolicy.enforcementLevel, "advisory");
    });

    it("publishes config schemas with the stack config's defaults", () => {
        const floor = floorWaiverPolicy.configSchema!.properties;
        assert.deepEqual(floor.protectedPorts.default, [6443, 22]);
        assert.equal(floor.minPrefixLength.default, 16);
        assert.equal(floor.minPrefixLengthIpv6.default, 48);
        assert.deepEqual(floor.waivers.default, []);
        assert.deepEqual(
            noAnySourcePolicy.configSchema!.properties.protectedPorts.default,
            [6443, 22],
        );
    });
});

describe("no-any-source-on-protected-ports", () => {
    const refused = async (props: Record<string, unknown>, config: object = {}) => {
        const found = await violations(noAnySourcePolicy, props, config);
        assert.equal(found.length, 1, JSON.stringify(props));
        return found[0];
    };
    const allowed = async (props: Record<string, unknown>, config: object = {}) =>
        assert.deepEqual(await violations(noAnySourcePolicy, props, config), []);

    it("allows tight rules and rules that reach no protected port", async () => {
        await allowed(rule({ remoteIpPrefix: "10.12.4.154/32" }));
        await allowed(rule({ remoteIpPrefix: "10.20.0.0/24", portRangeMin: 22, portRangeMax: 22 }));
        await allowed(rule({ remoteIpPrefix: "0.0.0.0/0", portRangeMin: 80, portRangeMax: 80 }));
        await allowed(
            rule({ remoteIpPrefix: "0.0.0.0/0", portRangeMin: 8000, portRangeMax: 9000 }),
        );
        await allowed(rule({ remoteIpPrefix: "0.0.0.0/0", protocol: "udp" }));
        await allowed(rule({ remoteIpPrefix: "0.0.0.0/0", direction: "egress" }));
        await allowed(rule({ remoteGroupId: "sg-peers" }));
    });

    it("refuses 0.0.0.0/0, ::/0, mapped any and an absent or empty remote", async () => {
        assert.match(await refused(rule({ remoteIpPrefix: "0.0.0.0/0" })), /0\.0\.0\.0\/0.*6443/);
        assert.match(
            await refused(
                rule({
                    ethertype: "IPv6",
                    remoteIpPrefix: "::/0",
                    portRangeMin: 22,
                    portRangeMax: 22,
                }),
            ),
            /::\/0.*22\/tcp/,
        );
        assert.match(
            await refused(rule({ ethertype: "IPv6", remoteIpPrefix: "::ffff:0.0.0.0/96" })),
            /::ffff:0\.0\.0\.0\/96, that is 0\.0\.0\.0\/0/,
        );
        assert.match(await refused(rule({})), /no remoteIpPrefix/);
        assert.match(await refused(rule({ remoteIpPrefix: "" })), /no remoteIpPrefix/);
        assert.match(await refused(rule({ ethertype: "IPv6", remoteIpPrefix: null })), /::\/0/);
    });

    it("refuses ranges and any-protocol rules that cover a protected port", async () => {
        const any = { remoteIpPrefix: "0.0.0.0/0" };
        assert.match(
            await refused(rule({ ...any, portRangeMin: 1, portRangeMax: 65535 })),
            /ports 6443\/tcp, 22\/tcp/,
        );
        assert.match(
            await refused(rule({ ...any, portRangeMin: 6000, portRangeMax: 7000 })),
            /6443/,
        );
        assert.match(
            await refused(
                rule({
                    ...any,
                    protocol: undefined,
                    portRangeMin: undefined,
                    portRangeMax: undefined,
                }),
            ),
            /any protocol, all ports/,
        );
        await refused(rule({ ...any, protocol: "" }));
        await refused(rule({ ...any, protocol: "any" }));
        await refused(rule({ ...any, protocol: "6" }));
        await refused(rule({ ...any, protocol: "TCP" }));
        // The provider sends port 0 as "not set": all ports.
        assert.match(
            await refused(rule({ ...any, portRangeMin: 0, portRangeMax: 0 })),
            /all ports/,
        );
    });

    it("reads the protected ports from its config", async () => {
        const config = { protectedPorts: [8443] };
        await allowed(rule({ remoteIpPrefix: "0.0.0.0/0" }), config);
        await refused(
            rule({ remoteIpPrefix: "0.0.0.0/0", portRangeMin: 8443, portRangeMax: 8443 }),
            config,
        );
    });

    it("refuses a rule it cannot read", async () => {
        assert.match(
            await refused(rule({ remoteIpPrefix: "10.0.0.1/8" })),
            /cannot be checked.*host bits/,
        );
        assert.match(await refused(rule({ remoteIpPrefix: "10.1/16" })), /cannot be checked/);
        assert.match(
            await refused(rule({ remoteIpPrefix: "10.0.0.0/8", direction: "in" })),
            /cannot be checked.*direction/s,
        );
    });

    it("fails the preview on a bad config instead of checking with defaults", async () => {
        await assert.rejects(
            violations(noAnySourcePolicy, rule({ remoteIpPrefix: "10.0.0.0/24" }), {
                protectedPorts: [0],
            }),
            /no-any-source-on-protected-ports.*not valid[\s\S]*protectedPorts/,
        );
    });

    it("refuses exactly the any-address rules whose range reaches 6443 or 22", async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.integer({ min: 1, max: 65535 }),
                fc.integer({ min: 1, max: 65535 }),
                fc.constantFrom("tcp", "udp", "any", undefined),
                fc.constantFrom("0.0.0.0/0", "::ffff:0.0.0.0/96", "10.0.0.0/8", undefined),
                async (a, b, protocol, remoteIpPrefix) => {
                    const [min, max] = a <= b ? [a, b] : [b, a];
                    const props = rule({
                        portRangeMin: min,
                        portRangeMax: max,
                        protocol,
                        remoteIpPrefix,
                    });
                    const reaches = [6443, 22].some((port) => min <= port && port <= max);
                    const expected =
                        protocol !== "udp" && remoteIpPrefix !== "10.0.0.0/8" && reaches;
                    const found = await violations(noAnySourcePolicy, props);
                    assert.equal(found.length, expected ? 1 : 0);
                },
            ),
            { numRuns: 200 },
        );
    });
});

describe("conductor-rules-are-host-routes", () => {
    const conductor = "capi-mgmt-ingress: conductor";

    it("allows conductor host routes and leaves other roles alone", async () => {
        const check = (props: Record<string, unknown>, name?: string) =>
            violations(conductorHostRoutePolicy, props, {}, name);
        assert.deepEqual(
            await check(rule({ remoteIpPrefix: "10.12.4.154/32", description: conductor })),
            [],
        );
        assert.deepEqual(
            await check(
                rule({
                    ethertype: "IPv6",
                    remoteIpPrefix: "2001:db8::7/128",
                    description: conductor,
                }),
            ),
            [],
        );
        assert.deepEqual(
            await check(
                rule({
                    ethertype: "IPv6",
                    remoteIpPrefix: "::ffff:10.12.4.154/128",
                    description: conductor,
                }),
            ),
            [],
        );
        assert.deepEqual(
            await check(
                rule({ remoteIpPrefix: "10.20.0.0/24", description: "capi-mgmt-ingress: hairpin" }),
                "mgmt-hairpin-6443-10.20.0.0-24",
            ),
            [],
        );
    });

    it("refuses a conductor /24, found by description or by name", async () => {
        const byDescription = await violations(
            conductorHostRoutePolicy,
            rule({ remoteIpPrefix: "10.12.4.0/24", description: conductor }),
        );
        assert.equal(byDescription.length, 1);
        assert.match(byDescription[0], /10\.12\.4\.0\/24; expected a \/32 or \/128/);
        // Another role's /24 is not a conductor rule.
        const hairpin = await violations(
            conductorHostRoutePolicy,
            rule({ remoteIpPrefix: "10.20.0.0/24", description: "capi-mgmt-ingress: hairpin" }),
        );
        assert.equal(hairpin.length, 0);
    });

    it("refuses a conductor rule from any address, a mapped prefix or a remote group", async () => {
        for (const fields of [
            {},
            { ethertype: "IPv6", remoteIpPrefix: "::ffff:10.12.4.0/120" },
            { remoteGroupId: "sg-magnum" },
        ]) {
            const found = await violations(
                conductorHostRoutePolicy,
                rule({ ...fields, description: conductor }),
            );
            assert.equal(found.length, 1, JSON.stringify(fields));
            assert.match(found[0], /expected a \/32 or \/128/);
        }
    });
});

describe("wide-prefixes-carry-a-waiver", () => {
    const waiver = { cidr: "10.0.0.0/8", reason: "the site network, audited 2024" };

    it("allows prefixes at or inside the floor, and waived wider ones", async () => {
        const check = (props: Record<string, unknown>, config: object = {}) =>
            violations(floorWaiverPolicy, props, config);
        assert.deepEqual(await check(rule({ remoteIpPrefix: "10.12.0.0/16" })), []);
        assert.deepEqual(await check(rule({ remoteIpPrefix: "10.12.4.0/24" })), []);
        assert.deepEqual(
            await check(rule({ ethertype: "IPv6", remoteIpPrefix: "2001:db8::/48" })),
            [],
        );
        assert.deepEqual(
            await check(rule({ remoteIpPrefix: "10.0.0.0/8" }), { waivers: [waiver] }),
            [],
        );
        // A waiver written as a mapped prefix names the same addresses.
        assert.deepEqual(
            await check(rule({ remoteIpPrefix: "10.0.0.0/8" }), {
                waivers: [{ ...waiver, cidr: "::ffff:10.0.0.0/104" }],
            }),
            [],
        );
        assert.deepEqual(
            await check(rule({ remoteIpPrefix: "10.0.0.0/8", portRangeMin: 80, portRangeMax: 80 })),
            [],
        );
        assert.deepEqual(await check(rule({ remoteGroupId: "sg-peers" })), []);
    });

    it("refuses a /8 without its waiver", async () => {
        const none = await violations(floorWaiverPolicy, rule({ remoteIpPrefix: "10.0.0.0/8" }));
        assert.equal(none.length, 1);
        assert.match(none[0], /10\.0\.0\.0\/8.*\/16 floor \(minPrefixLength\).*waiver/);
        const other = await violations(floorWaiverPolicy, rule({ remoteIpPrefix: "10.0.0.0/8" }), {
            waivers: [{ ...waiver, cidr: "10.0.0.0/9" }],
        });
        assert.equal(other.length, 1);
    });

    it("refuses wide IPv6, ranges over a protected port, and a raised floor", async () => {
        const ipv6 = await violations(
            floorWaiverPolicy,
            rule({ ethertype: "IPv6", remoteIpPrefix: "2001:db8::/32" }),
        );
        assert.match(ipv6[0], /\/48 floor \(minPrefixLengthIpv6\)/);
        const range = await violations(
            floorWaiverPolicy,
            rule({
                remoteIpPrefix: "172.16.0.0/12",
                protocol: undefined,
                portRangeMin: 1,
                portRangeMax: 100,
            }),
        );
        assert.match(range[0], /port 22\/tcp/);
        const raised = await violations(
            floorWaiverPolicy,
            rule({ remoteIpPrefix: "10.12.0.0/20" }),
            {
                minPrefixLength: 24,
            },
        );
        assert.match(raised[0], /\/24 floor/);
    });

    it("never waives an any-address source", async () => {
        const found = await violations(floorWaiverPolicy, rule({ remoteIpPrefix: "0.0.0.0/0" }), {
            waivers: [{ cidr: "0.0.0.0/0", reason: "please let everyone in" }],
        });
        assert.equal(found.length, 1);
        assert.match(found[0], /cannot be waived/);
    });

    it("fails the preview on a waiver without a reason", async () => {
        await assert.rejects(
            violations(floorWaiverPolicy, rule({ remoteIpPrefix: "10.0.0.0/8" }), {
                waivers: [{ cidr: "10.0.0.0/8", reason: "ok" }],
            }),
            /wide-prefixes-carry-a-waiver.*not valid[\s\S]*waivers/,
        );
    });
});

describe("retirement-deletes-shown", () => {
    const shape = (remoteIpPrefix: string | null, port: number) => ({
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: port,
        portRangeMax: port,
        remoteIpPrefix,
        remoteGroupId: null,
    });
    const retire = (props: Record<string, unknown>) =>
        run(retirementSummaryPolicy, { type: RETIREMENT_TYPE, name: "retire", props });

    it("lists every target with its count", async () => {
        const found = await retire({
            groupId: "sg-1",
            targets: [
                { id: "r-6443", shape: shape("0.0.0.0/0", 6443) },
                { id: "r-22", shape: shape(null, 22) },
            ],
        });
        assert.ok(Array.isArray(found));
        assert.equal(found.length, 1);
        assert.match(found[0], /will delete 2 rules from security group sg-1/);
        assert.match(found[0], /r-6443: ingress IPv4 tcp 6443 from 0\.0\.0\.0\/0\n/);
        assert.match(found[0], /r-22: ingress IPv4 tcp 22 from no remoteIpPrefix/);
        assert.doesNotMatch(found[0], /NOT an any-address/);
    });

    it("flags a target that is not an any-address rule", async () => {
        const found = await retire({
            groupId: "sg-1",
            targets: [{ id: "r-tight", shape: shape("10.12.4.154/32", 6443) }],
        });
        assert.ok(Array.isArray(found));
        assert.match(found[0], /will delete 1 rule .*\n.*r-tight.*NOT an any-address ingress rule/);
    });

    it("says nothing when nothing is deleted, and only applies to the retirement", async () => {
        assert.deepEqual(await retire({ groupId: "sg-1", targets: [] }), []);
        assert.equal(
            await run(retirementSummaryPolicy, { props: rule({ remoteIpPrefix: "0.0.0.0/0" }) }),
            "not applicable",
        );
    });

    it("reports inputs it cannot read", async () => {
        const found = await retire({
            groupId: "sg-1",
            targets: [{ shape: shape("0.0.0.0/0", 22) }],
        });
        assert.ok(Array.isArray(found));
        assert.match(found[0], /cannot list what retire deletes.*targets\[0\]\.id/s);
        const garbled = await retire({
            groupId: "sg-1",
            targets: [{ id: "r-1", shape: shape("0.0.0.0/33", 22) }],
        });
        assert.ok(Array.isArray(garbled));
        assert.match(garbled[0], /cannot list what retire deletes: "0\.0\.0\.0\/33"/);
    });
});
