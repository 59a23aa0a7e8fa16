import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
    conductorHostRoutePolicy,
    floorWaiverPolicy,
    noAnySourcePolicy,
    noUnionCoversAFamilyPolicy,
    policies,
    retirementSummaryPolicy,
} from "../policies";
import { rule, violations } from "./run";

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
                    // Every protocol reaches every port whatever its range: no driver reads the
                    // ports of a rule without a protocol (rule-reach.ts `mayReachPort`).
                    const reaches =
                        protocol === "any" ||
                        protocol === undefined ||
                        [6443, 22].some((port) => min <= port && port <= max);
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
