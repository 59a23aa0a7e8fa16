// Address sets exact to the address: a CIDR's first and last address, union, difference and the
// share of a family, each checked against values worked out by hand.
import * as assert from "node:assert/strict";
import {
    familyShare,
    rangeOf,
    subtractRanges,
    unionRanges,
} from "../../components/model/addressset";
import { partsOf } from "../support/union-parts";

const cidrsOf = (ranges: { cidr: string }[]) => ranges.map((r) => r.cidr);
const union = (cidrs: string[]) =>
    partsOf(unionRanges(cidrs.map(rangeOf), cidrs)).map((p) => ({
        cidr: p.range.cidr,
        from: p.items,
    }));

describe("address sets", () => {
    it("gives a CIDR's first and last address", () => {
        assert.deepEqual(rangeOf("10.1.2.3/32"), {
            cidr: "10.1.2.3/32",
            ethertype: "IPv4",
            start: 0x0a010203n,
            end: 0x0a010203n,
            length: 32,
        });
        assert.deepEqual(rangeOf("192.168.4.0/22"), {
            cidr: "192.168.4.0/22",
            ethertype: "IPv4",
            start: 0xc0a80400n,
            end: 0xc0a807ffn,
            length: 22,
        });
        assert.deepEqual(rangeOf("2001:db8:1::/48"), {
            cidr: "2001:db8:1::/48",
            ethertype: "IPv6",
            start: 0x20010db8000100000000000000000000n,
            end: 0x20010db80001ffffffffffffffffffffn,
            length: 48,
        });
        assert.equal(rangeOf("::1/128").end, 1n);
    });

    it("unions overlapping and adjacent CIDRs, keeping which inputs make each part", () => {
        assert.deepEqual(union(["10.0.0.0/25", "10.0.0.128/25", "10.0.0.5/32", "10.0.2.0/24"]), [
            { cidr: "10.0.0.0/24", from: ["10.0.0.0/25", "10.0.0.5/32", "10.0.0.128/25"] },
            { cidr: "10.0.2.0/24", from: ["10.0.2.0/24"] },
        ]);
        assert.deepEqual(union(["10.0.0.0/24", "10.0.1.0/25"]), [
            { cidr: "10.0.0.0/24", from: ["10.0.0.0/24"] },
            { cidr: "10.0.1.0/25", from: ["10.0.1.0/25"] },
        ]);
        assert.deepEqual(union(["10.0.0.1/32", "10.0.0.3/32"]), [
            { cidr: "10.0.0.1/32", from: ["10.0.0.1/32"] },
            { cidr: "10.0.0.3/32", from: ["10.0.0.3/32"] },
        ]);
        assert.deepEqual(union([]), []);
        // The caller's list is read, not sorted in place.
        const ranges = ["10.0.2.0/24", "10.0.0.5/32", "10.0.0.0/24"].map(rangeOf);
        const values = ranges.map((r) => r.cidr);
        unionRanges(ranges, values);
        assert.deepEqual(values, cidrsOf(ranges));
        assert.deepEqual(cidrsOf(ranges), ["10.0.2.0/24", "10.0.0.5/32", "10.0.0.0/24"]);
    });

    it("subtracts exactly what lies inside, nothing when disjoint, everything when covered", () => {
        const r = rangeOf("10.0.0.0/24");
        assert.deepEqual(cidrsOf(subtractRanges(r, [rangeOf("10.0.1.0/24")])), ["10.0.0.0/24"]);
        assert.deepEqual(cidrsOf(subtractRanges(r, [rangeOf("10.0.0.0/16")])), []);
        assert.deepEqual(cidrsOf(subtractRanges(r, [rangeOf("10.0.0.0/24")])), []);
        assert.deepEqual(cidrsOf(subtractRanges(r, [rangeOf("10.0.0.0/25")])), ["10.0.0.128/25"]);
        assert.deepEqual(cidrsOf(subtractRanges(r, [rangeOf("10.0.0.255/32")])), [
            "10.0.0.0/25",
            "10.0.0.128/26",
            "10.0.0.192/27",
            "10.0.0.224/28",
            "10.0.0.240/29",
            "10.0.0.248/30",
            "10.0.0.252/31",
            "10.0.0.254/32",
        ]);
        assert.deepEqual(
            cidrsOf(subtractRanges(r, [rangeOf("10.0.0.0/26"), rangeOf("10.0.0.64/26")])),
            ["10.0.0.128/25"],
        );
        assert.deepEqual(
            cidrsOf(subtractRanges(rangeOf("10.0.0.8/29"), [rangeOf("10.0.0.16/32")])),
            ["10.0.0.8/29"],
        );
        assert.deepEqual(
            cidrsOf(subtractRanges(rangeOf("10.0.0.8/29"), [rangeOf("10.0.0.7/32")])),
            ["10.0.0.8/29"],
        );
        assert.deepEqual(
            cidrsOf(subtractRanges(rangeOf("2001:db8::/127"), [rangeOf("2001:db8::/128")])),
            ["2001:db8::1/128"],
        );
    });

    it("measures the share of a family", () => {
        assert.equal(familyShare([rangeOf("0.0.0.0/1")], "IPv4"), 0.5);
        assert.equal(familyShare([rangeOf("0.0.0.0/2"), rangeOf("128.0.0.0/2")], "IPv4"), 0.5);
        assert.equal(familyShare([rangeOf("::/2")], "IPv6"), 0.25);
        assert.equal(familyShare([], "IPv4"), 0);
    });
});
