import * as assert from "node:assert/strict";
import {
    hostRoute,
    sourceHostRoute,
    isAnyAddress,
    isHostRoute,
    parseHostAddress,
    parsePrefix,
    prefixContains,
} from "../../components/model/cidr";

describe("cidr", () => {
    it("gives a bare address its host length, as Neutron does", () => {
        assert.deepEqual(parsePrefix("10.12.4.154"), {
            cidr: "10.12.4.154/32",
            ethertype: "IPv4",
            length: 32,
        });
        assert.equal(parsePrefix("2001:DB8::1").cidr, "2001:db8::1/128");
    });

    it("writes IPv6 compressed and lower-case", () => {
        assert.equal(parsePrefix("2001:0DB8:0000:0000::/64").cidr, "2001:db8::/64");
    });

    it("turns IPv4-mapped IPv6 into IPv4, prefixes included", () => {
        assert.equal(parseHostAddress("::ffff:10.12.4.154").address, "10.12.4.154");
        assert.equal(parsePrefix("::ffff:10.20.0.0/120").cidr, "10.20.0.0/24");
        assert.equal(parsePrefix("::ffff:0.0.0.0/96").cidr, "0.0.0.0/0");
        assert.throws(() => parsePrefix("::ffff:0.0.0.0/90"), /shorter than \/96/);
    });

    it("refuses host bits, short forms, octal and bad lengths", () => {
        assert.throws(
            () => parsePrefix("10.20.0.5/24"),
            /host bits set; the network is 10.20.0.0\/24/,
        );
        assert.throws(() => parsePrefix("10.1"), /dotted-quad/);
        assert.throws(() => parsePrefix("010.1.1.1"), /dotted-quad/);
        assert.throws(() => parsePrefix("10.1.1.1/33"), /above \/32/);
        assert.throws(() => parsePrefix("10.1.1.1/x"), /no valid prefix length/);
        // The length is anchored at both ends: no NaN slips past the floor.
        assert.throws(
            () => parsePrefix("10.0.0.0/x8"),
            /"10.0.0.0\/x8" has no valid prefix length/,
        );
        assert.throws(() => parsePrefix("10.0.0.0/8x"), /no valid prefix length/);
        assert.throws(() => parsePrefix("10.0.0.0/"), /no valid prefix length/);
        assert.throws(() => parsePrefix("10.0.0.0/1234"), /no valid prefix length/);
        assert.equal(parsePrefix(" 10.0.0.0/8 ").length, 8);
        assert.throws(() => parsePrefix(""), /not a dotted-quad/);
        assert.throws(() => parseHostAddress("fe80::1%eth0"), /not an IPv6 address/);
    });

    it("knows any-address, host routes and containment", () => {
        assert.ok(isAnyAddress(parsePrefix("0.0.0.0/0")));
        assert.ok(isAnyAddress(parsePrefix("::/0")));
        assert.ok(!isAnyAddress(parsePrefix("0.0.0.0/1")));
        assert.ok(isHostRoute(hostRoute("2001:db8::1")));
        assert.ok(isHostRoute(hostRoute("10.12.4.154")));
        // No host sends from these: a rule for one would admit no conductor at all.
        for (const address of [
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "127.0.0.1",
            "::",
            "::1",
        ]) {
            assert.throws(
                () => sourceHostRoute(address),
                /address; expected a host's unicast address/,
            );
            assert.ok(isHostRoute(hostRoute(address)), "a host route all the same");
        }
        // Measured text may carry the shell's spaces: the message names the address alone.
        assert.throws(() => sourceHostRoute(" 127.0.0.1\n"), /^Error: 127\.0\.0\.1 is a loopback/);
        assert.equal(sourceHostRoute(" 10.12.4.154\n").cidr, "10.12.4.154/32");
        assert.equal(sourceHostRoute("::ffff:10.12.4.154").cidr, "10.12.4.154/32");
        assert.ok(prefixContains(parsePrefix("10.20.0.0/24"), parsePrefix("10.20.0.7")));
        assert.ok(!prefixContains(parsePrefix("10.20.0.0/24"), parsePrefix("10.20.1.7")));
        assert.ok(!prefixContains(parsePrefix("10.20.0.0/24"), parsePrefix("10.20.0.0/16")));
        assert.ok(!prefixContains(parsePrefix("::/0"), parsePrefix("10.0.0.1")));
    });

    it("keeps the family, the host bits below the length, and trims", () => {
        assert.equal(parsePrefix("2001:db8::/32").ethertype, "IPv6");
        assert.equal(parseHostAddress("2001:db8::1").ethertype, "IPv6");
        assert.equal(parseHostAddress(" 10.0.0.1 ").address, "10.0.0.1");
        assert.equal(parsePrefix("10.20.0.128/25").cidr, "10.20.0.128/25");
        assert.equal(parsePrefix("10.20.0.192/26").cidr, "10.20.0.192/26");
        assert.throws(() => parsePrefix("10.20.0.129/25"), /the network is 10.20.0.128\/25/);
        assert.ok(!isHostRoute(parsePrefix("10.0.0.0/24")));
        assert.ok(!isHostRoute(parsePrefix("2001:db8::/64")));
    });
});
