import * as assert from "node:assert/strict";
import {
    enforcedPrefix,
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

    it("reads an IPv4-compatible address (::a.b.c.d) as the IPv6 address netaddr stores, not as IPv4", () => {
        // netaddr.IPNetwork("::1.2.3.4/128") is 0x1020304, version 6: Neutron enforces ::102:304.
        assert.deepEqual(parsePrefix("::1.2.3.4"), {
            cidr: "::102:304/128",
            ethertype: "IPv6",
            length: 128,
        });
        assert.deepEqual(parseHostAddress("::10.0.0.1"), { address: "::a00:1", ethertype: "IPv6" });
        assert.equal(parsePrefix("1::1.2.3.4").cidr, "1::102:304/128");
        assert.deepEqual(enforcedPrefix("::10.0.0.9/104"), {
            prefix: { cidr: "::a00:0/104", ethertype: "IPv6", length: 104 },
        });
        // The mapped spellings stay mapped; a quad must still be four plain octets.
        assert.equal(parsePrefix("0:0:0:0:0:ffff:1.2.3.4").cidr, "1.2.3.4/32");
        assert.equal(enforcedPrefix("::FFFF:1.2.3.4/120").mappedIpv4?.cidr, "1.2.3.0/24");
        assert.throws(() => parsePrefix("::ffff:01.2.3.4"), /is not an IPv6 address/);
        assert.throws(() => parsePrefix("::1.2.3"), /is not an IPv6 address/);
    });

    it("refuses host bits, short forms, octal and bad lengths", () => {
        assert.throws(
            () => parsePrefix("10.20.0.5/24"),
            /host bits set; the network is 10.20.0.0\/24/,
        );
        assert.throws(() => parsePrefix("10.1"), /dotted-quad/);
        for (const octal of ["010.1.1.1", "10.01.1.1", "10.1.1.010/32"]) {
            assert.throws(() => parsePrefix(octal), /dotted-quad/, octal);
        }
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

    describe("enforcedPrefix: the network a firewall enforces for a stored prefix", () => {
        it("keeps an IPv4-mapped prefix IPv6 and carries its IPv4 equivalent from /96 up", () => {
            const mapped = (text: string) => {
                const read = enforcedPrefix(text);
                return [read.prefix.cidr, read.prefix.ethertype, read.mappedIpv4?.cidr];
            };
            assert.deepEqual(mapped("::ffff:192.0.2.77/120"), [
                "::ffff:c000:200/120",
                "IPv6",
                "192.0.2.0/24",
            ]);
            // Padded, without a length: a host route in both readings.
            assert.deepEqual(mapped(" ::ffff:10.1.2.3 "), [
                "::ffff:a01:203/128",
                "IPv6",
                "10.1.2.3/32",
            ]);
            // /96 maps to every IPv4 address: the wide case the model must not miss.
            assert.deepEqual(mapped("::ffff:10.1.2.3/96"), ["::ffff:0:0/96", "IPv6", "0.0.0.0/0"]);
            // Below /96 the network leaves ::ffff:0:0/96, so no IPv4 address is meant.
            assert.deepEqual(mapped("::ffff:10.1.2.3/95"), ["::fffe:0:0/95", "IPv6", undefined]);
        });

        it("refuses a mapped prefix whose length is not 0-128 in plain digits", () => {
            for (const text of [
                "::ffff:10.1.2.3/129",
                "::ffff:10.1.2.3/abc",
                "::ffff:10.1.2.3/0128",
                "::ffff:10.1.2.3/",
            ]) {
                assert.throws(
                    () => enforcedPrefix(text),
                    (err: Error) => err.message === `"${text}" has no valid prefix length`,
                    text,
                );
            }
        });

        it("clears host bits of other prefixes in their own family, with no mapped reading", () => {
            assert.deepEqual(enforcedPrefix("10.1.2.3/24"), {
                prefix: { cidr: "10.1.2.0/24", ethertype: "IPv4", length: 24 },
            });
            assert.deepEqual(enforcedPrefix(" 2001:db8::1/64 "), {
                prefix: { cidr: "2001:db8::/64", ethertype: "IPv6", length: 64 },
            });
        });
    });
});
