// The pack's host-route, waiver and retirement policies.
import * as assert from "node:assert/strict";
import {
    conductorHostRoutePolicy,
    floorWaiverPolicy,
    RETIREMENT_TYPE,
    retirementSummaryPolicy,
} from "../policies";
import { run, rule, violations } from "./run";

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
        // No protocol: its ports are read by no driver, so it reaches 6443 as well.
        assert.match(range[0], /ports 6443\/tcp, 22\/tcp/);
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
