// The exposure model's edges: what port security off is reported as, which admitters each piece
// beyond the allow-set keeps, and the words a reviewer reads at each threshold.
import * as assert from "node:assert/strict";
import {
    computeExposure,
    describeExposure,
    exposureBeyond,
    ExposurePart,
    GroupRule,
} from "../../components/model/exposure";
import { portRule } from "../support/rules";

const group = { id: "sg-1", name: "capi-mgmt-sg" };

function tcp(id: string, port: number, prefix: string): GroupRule {
    return {
        group,
        rule: portRule(id, group.id, port, prefix),
    };
}

const none = { groups: new Map(), addressGroups: new Map() };
const parts = (cidrs: string[]): ExposurePart[] => cidrs.map((cidr) => ({ cidr, admittedBy: [] }));

describe("exposure model: edges", () => {
    it("reports port security off as its own admitter, in both families", () => {
        const exposure = computeExposure({
            rules: [],
            remotes: none,
            protectedPorts: [6443],
            portSecurity: false,
        });
        assert.deepEqual(
            exposure.ports.map((p) => [p.ethertype, p.parts.map((x) => [x.cidr, x.admittedBy])]),
            ["IPv4", "IPv6"].map((ethertype) => [
                ethertype,
                [
                    [
                        ethertype === "IPv4" ? "0.0.0.0/0" : "::/0",
                        [
                            {
                                groupId: "",
                                groupName: "(no security group)",
                                ruleId: "",
                                admits: `every ${ethertype} address on every port`,
                                why: "the port has port_security_enabled false: Neutron filters nothing",
                                cidr: ethertype === "IPv4" ? "0.0.0.0/0" : "::/0",
                            },
                        ],
                    ],
                ],
            ]),
        );
    });

    it("keeps with each piece beyond the allow-set only the rules that admit it", () => {
        const exposure = computeExposure({
            rules: [tcp("r-a", 6443, "10.0.0.0/24"), tcp("r-b", 6443, "10.0.1.0/24")],
            remotes: none,
            protectedPorts: [6443],
            portSecurity: true,
        });
        const beyond = exposureBeyond(exposure, [
            { port: 6443, ethertype: "IPv4", cidr: "10.0.0.0/25" },
            { port: 22, ethertype: "IPv4", cidr: "10.0.0.0/8" },
            { port: 6443, ethertype: "IPv6", cidr: "::ffff:10.0.1.0/120" },
        ]);
        assert.deepEqual(
            beyond.map((pe) => pe.parts.map((p) => [p.cidr, p.admittedBy.map((a) => a.ruleId)])),
            [[["10.0.0.128/25", ["r-a"]]]],
        );
        // Nothing allowed: the part is kept whole, with both rules.
        assert.deepEqual(
            exposureBeyond(exposure, []).map((pe) =>
                pe.parts.map((p) => [p.cidr, p.admittedBy.map((a) => a.ruleId)]),
            ),
            [[["10.0.0.0/23", ["r-a", "r-b"]]]],
        );
    });

    it("names a rule whose range touches a piece at one end address, and no rule beside it", () => {
        const compute = (rules: GroupRule[]) =>
            computeExposure({ rules, remotes: none, protectedPorts: [6443], portSecurity: true });
        const pieces = (rules: GroupRule[], allowed: string[]) =>
            exposureBeyond(
                compute(rules),
                allowed.map((cidr) => ({ port: 6443, ethertype: "IPv4" as const, cidr })),
            ).flatMap((pe) => pe.parts.map((p) => [p.cidr, p.admittedBy.map((a) => a.ruleId)]));
        assert.deepEqual(
            pieces(
                [tcp("r-a", 6443, "10.0.0.0/24"), tcp("r-b", 6443, "10.0.0.255/32")],
                ["10.0.0.0/25"],
            ),
            [["10.0.0.128/25", ["r-a", "r-b"]]],
        );
        const allButLast = [25, 26, 27, 28, 29, 30, 31, 32].map(
            (length) => `10.0.0.${256 - 2 ** (33 - length)}/${length}`,
        );
        assert.deepEqual(pieces([tcp("r-a", 6443, "10.0.0.0/24")], allButLast), [
            ["10.0.0.255/32", ["r-a"]],
        ]);
        assert.deepEqual(
            pieces(
                [tcp("r-a", 6443, "10.0.0.0/25"), tcp("r-b", 6443, "10.0.0.128/25")],
                ["10.0.0.0/26"],
            ),
            [
                ["10.0.0.64/26", ["r-a"]],
                ["10.0.0.128/25", ["r-b"]],
            ],
        );
    });

    it("words each threshold: half a family, 10 and 11 prefixes, 1024 and 1025 parts", () => {
        assert.equal(describeExposure(parts(["0.0.0.0/1"]), "IPv4"), "1 prefix: 0.0.0.0/1");
        assert.equal(
            describeExposure(parts(["0.0.0.0/1", "128.0.0.0/2"]), "IPv4"),
            "every IPv4 address except this 1 prefix: 192.0.0.0/2",
        );
        const ten = Array.from({ length: 10 }, (_, i) => `10.0.0.${2 * i}/32`);
        assert.equal(describeExposure(parts(ten), "IPv4"), `10 prefixes: ${ten.join(", ")}`);
        const eleven = [...ten, "10.0.0.20/32"];
        assert.equal(
            describeExposure(parts(eleven), "IPv4"),
            `11 prefixes: ${ten.join(", ")} and 1 more`,
        );
        // Most of the family, in 1024 parts: the complement is listed; in 1025, the parts.
        const many = (n: number) => [
            "0.0.0.0/1",
            "128.0.0.0/9",
            ...Array.from({ length: n - 2 }, (_, i) => `192.0.${i >> 7}.${(i & 127) * 2}/32`),
        ];
        assert.match(
            describeExposure(parts(many(1024)), "IPv4"),
            /^every IPv4 address except these \d+ prefixes/,
        );
        assert.match(
            describeExposure(parts(many(1025)), "IPv4"),
            /^1025 prefixes: 0\.0\.0\.0\/1, /,
        );
    });
});
