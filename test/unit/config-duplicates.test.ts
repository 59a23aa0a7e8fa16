// Duplicate sources in the stack config's lists: two spellings of one network (the prefix the
// allow-set derives) are one source listed twice, refused naming the key path and both entries.
import * as assert from "node:assert/strict";
import { configProblems as problems } from "../support/bad-configs";

const REASON = "operator via the VR0 masquerade";

describe("config: duplicate sources", () => {
    it("operator.cidrs: an address and its /32 are one network, named at both positions", () => {
        assert.deepEqual(
            problems({
                operator: { cidrs: ["10.0.0.1/32", "10.0.0.2/32", "10.0.0.1"], reason: REASON },
            }),
            [
                'capi-mgmt-ingress:operator.cidrs[2]: "10.0.0.1" is the same network ' +
                    '(10.0.0.1/32) as operator.cidrs[0] ("10.0.0.1/32"); list each source ' +
                    "once: remove one",
            ],
        );
    });

    it("IPv6 spellings and an IPv4-mapped address count as the same network", () => {
        const cidrs = ["2001:db8::1/128", "2001:DB8:0:0::1", "192.0.2.7", "::ffff:192.0.2.7"];
        const found = problems({ operator: { cidrs, reason: REASON } });
        assert.deepEqual(
            found.map((p) => /^capi-mgmt-ingress:(\S+): .* as (\S+) /.exec(p)?.slice(1)),
            [
                ["operator.cidrs[1]", "operator.cidrs[0]"],
                ["operator.cidrs[3]", "operator.cidrs[2]"],
            ],
        );
    });

    it("hairpin.cidrs, waivers and static conductor addresses are checked the same way", () => {
        const found = problems({
            conductors: {
                static: { addresses: ["10.9.0.5", "10.9.0.6", "10.9.0.5"], reason: REASON },
            },
            hairpin: {
                cidrs: [
                    { cidr: "10.20.0.0/24", reason: REASON },
                    { cidr: "10.20.0.0/24", reason: "again, another reason" },
                ],
            },
            waivers: [
                { cidr: "10.0.0.0/8", reason: REASON },
                { cidr: "10.0.0.0/8", reason: REASON },
            ],
            verify: { conductors: { enabled: false } },
        });
        assert.deepEqual(found, [
            'capi-mgmt-ingress:conductors.static.addresses[2]: "10.9.0.5" is the same network ' +
                '(10.9.0.5/32) as conductors.static.addresses[0] ("10.9.0.5"); list each ' +
                "source once: remove one",
            'capi-mgmt-ingress:hairpin.cidrs[1].cidr: "10.20.0.0/24" is the same network ' +
                '(10.20.0.0/24) as hairpin.cidrs[0].cidr ("10.20.0.0/24"); list each source ' +
                "once: remove one",
            'capi-mgmt-ingress:waivers[1].cidr: "10.0.0.0/8" is the same network (10.0.0.0/8) ' +
                'as waivers[0].cidr ("10.0.0.0/8"); list each source once: remove one',
        ]);
    });

    it("overlapping but different networks are accepted; a bad entry is reported beside a duplicate", () => {
        assert.deepEqual(
            problems({
                operator: { cidrs: ["10.0.0.0/24", "10.0.0.0/25", "10.0.0.1/32"], reason: REASON },
            }),
            [],
        );
        const found = problems({
            operator: { cidrs: ["10.0.0.1", "not-an-address", "10.0.0.1/32"], reason: REASON },
        });
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found[0], /^capi-mgmt-ingress:operator\.cidrs\[1\]: /);
        assert.match(
            found[1],
            /^capi-mgmt-ingress:operator\.cidrs\[2\]: .* as operator\.cidrs\[0\]/,
        );
    });
});
