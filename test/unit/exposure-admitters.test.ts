import * as assert from "node:assert/strict";
import {
    Admitter,
    computeExposure,
    Exposure,
    GroupRule,
    RemoteAddresses,
} from "../../components/model/exposure";
import { groupRule, NO_REMOTES } from "../support/exposure";

// What each port's parts name: the model shares an admitter between ports only where it says the
// same on each (components/model/exposure.ts), which these pin from both sides.
const rule = groupRule;
const noRemotes = NO_REMOTES;

function exposure(rules: GroupRule[], remotes = noRemotes): Exposure {
    return computeExposure({ rules, remotes, protectedPorts: [6443, 22], portSecurity: true });
}
function admitters(e: Exposure, port: number): Admitter[] {
    const found = e.ports.find((p) => p.port === port && p.ethertype === "IPv4");
    assert.ok(found, `no ${port} IPv4`);
    return found.parts.flatMap((p) => p.admittedBy);
}
const words = (a: Admitter) => [a.ruleId, a.cidr, a.admits, a.why];

describe("exposure model: the admitters of each port", () => {
    it("says why a range reaches each port, port by port", () => {
        const e = exposure([rule({ id: "range", port_range_min: 22, port_range_max: 6443 })]);
        assert.deepEqual(admitters(e, 22).map(words), [
            ["range", "10.0.0.1/32", "10.0.0.1/32", "tcp 22-6443 includes 22"],
        ]);
        assert.deepEqual(admitters(e, 6443).map(words), [
            ["range", "10.0.0.1/32", "10.0.0.1/32", "tcp 22-6443 includes 6443"],
        ]);
    });

    it("names each member of a remote group on every port, each with its own address", () => {
        const remotes: RemoteAddresses = {
            groups: new Map([["rg", ["10.0.0.7", "10.0.0.9"]]]),
            addressGroups: new Map(),
        };
        const e = exposure(
            [
                rule({
                    id: "members",
                    protocol: null,
                    port_range_min: null,
                    port_range_max: null,
                    remote_ip_prefix: null,
                    remote_group_id: "rg",
                }),
            ],
            remotes,
        );
        for (const port of [22, 6443]) {
            assert.deepEqual(
                admitters(e, port).map((a) => [a.cidr, a.admits]),
                [
                    ["10.0.0.7/32", "10.0.0.7/32 (in remote group rg)"],
                    ["10.0.0.9/32", "10.0.0.9/32 (in remote group rg)"],
                ],
                String(port),
            );
        }
    });

    it("names one admitter on both ports for a rule that says the same on each", () => {
        const e = exposure([
            rule({ id: "any", protocol: null, port_range_min: null, port_range_max: null }),
            rule({
                id: "all-tcp",
                remote_ip_prefix: "10.0.0.2/32",
                port_range_min: null,
                port_range_max: null,
            }),
        ]);
        const [on22, on6443] = [admitters(e, 22), admitters(e, 6443)];
        assert.deepEqual(on22.map(words), [
            ["any", "10.0.0.1/32", "10.0.0.1/32", "every protocol (protocol null), so every port"],
            ["all-tcp", "10.0.0.2/32", "10.0.0.2/32", "tcp, all ports"],
        ]);
        assert.deepEqual(on6443.map(words), on22.map(words));
        assert.equal(on22[0], on6443[0]);
        assert.equal(on22[1], on6443[1]);
    });

    it("words each protocol spelling in its own reason within one computation", () => {
        const e = exposure([
            rule({ id: "null", protocol: null, port_range_min: null, port_range_max: null }),
            rule({ id: "zero", protocol: "0", port_range_min: null, port_range_max: null }),
            rule({ id: "TCP", protocol: "TCP", remote_ip_prefix: "10.0.0.2/32" }),
            rule({ id: "006", protocol: "006", remote_ip_prefix: "10.0.0.3/32" }),
            rule({
                id: "single",
                remote_ip_prefix: "10.0.0.4/32",
                port_range_min: 22,
                port_range_max: 22,
            }),
        ]);
        assert.deepEqual(
            admitters(e, 22).map((a) => [a.ruleId, a.why]),
            [
                ["null", "every protocol (protocol null), so every port"],
                ["zero", 'every protocol (protocol "0"), so every port'],
                [
                    "TCP",
                    'tcp spelled "TCP", to which the iptables driver gives no ports, so every port',
                ],
                [
                    "006",
                    'tcp spelled "006", to which the iptables driver gives no ports, so every port',
                ],
                ["single", "tcp 22"],
            ],
        );
    });

    it("reads a protocol once per computation, an unreadable one included", () => {
        const e = exposure([
            rule({ id: "bogus-1", protocol: "bogus" }),
            rule({ id: "bogus-2", protocol: "bogus" }),
            rule({ id: "tcp", protocol: "tcp", remote_ip_prefix: "10.0.0.2/32" }),
            rule({ id: "six", protocol: "6", remote_ip_prefix: "10.0.0.3/32" }),
        ]);
        assert.deepEqual(
            e.unreadable.map((u) => [u.ruleId, u.what]),
            [
                ["bogus-1", 'protocol "bogus"'],
                ["bogus-2", 'protocol "bogus"'],
            ],
        );
        assert.deepEqual(
            admitters(e, 6443)
                .filter((a) => a.cidr !== "0.0.0.0/0")
                .map((a) => [a.ruleId, a.why]),
            [
                ["tcp", "tcp 6443"],
                ["six", "tcp 6443"],
            ],
        );
    });
});
