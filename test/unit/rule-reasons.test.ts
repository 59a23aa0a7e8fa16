// The reason the audit and the review give for each rule, in every form Neutron accepts: which
// protected ports it reaches (all of them for a rule of every port), what its protocol and ports
// are in words, and egress named as egress.
import * as assert from "node:assert/strict";
import { AllowEntry } from "../../components/model/allowset";
import { classifyRules, NeutronRule } from "../../components/model/rules";

const OPERATOR = "203.0.113.1/32";
const CONDUCTOR = "10.12.4.154/32";
const entry = (role: AllowEntry["role"], port: number, cidr: string): AllowEntry => ({
    role,
    port,
    protocol: "tcp",
    ethertype: cidr.includes(":") ? "IPv6" : "IPv4",
    remoteIpPrefix: cidr,
    provenance: ["test"],
});
const ALLOW = [
    entry("operator", 6443, OPERATOR),
    entry("operator", 22, OPERATOR),
    entry("conductor", 6443, CONDUCTOR),
];
const SELECTORS = [
    { remote: "0.0.0.0/0", ports: [6443, 22] },
    { remote: "::/0", ports: [6443, 22] },
];

function reason(fields: Partial<NeutronRule>): string {
    const rule: NeutronRule = {
        id: "r1",
        security_group_id: "sg-1",
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        port_range_min: null,
        port_range_max: null,
        remote_ip_prefix: "0.0.0.0/0",
        remote_group_id: null,
        ...fields,
    };
    const [c] = classifyRules([rule], ALLOW, SELECTORS, [6443, 22]);
    return `${c.class}: ${c.reason}`;
}

describe("rule reasons", () => {
    const cases: [string, Partial<NeutronRule>, string][] = [
        [
            "tcp without a port range admits every tcp port: both protected ports",
            {},
            "drift: 0.0.0.0/0 reaches 6443/tcp and 22/tcp (every tcp port) outside the allow-set",
        ],
        [
            "tcp 1-65535",
            { port_range_min: 1, port_range_max: 65535 },
            "drift: 0.0.0.0/0 reaches 6443/tcp and 22/tcp (tcp 1-65535: every tcp port) outside the allow-set",
        ],
        [
            "a range covering both ports",
            { port_range_min: 22, port_range_max: 8000 },
            "drift: 0.0.0.0/0 reaches 6443/tcp and 22/tcp (tcp 22-8000) outside the allow-set",
        ],
        [
            "a range covering one",
            { port_range_min: 6000, port_range_max: 7000 },
            "drift: 0.0.0.0/0 reaches 6443/tcp (tcp 6000-7000) outside the allow-set",
        ],
        [
            "any protocol (no protocol)",
            { protocol: null },
            "drift: 0.0.0.0/0 reaches 6443/tcp and 22/tcp (every protocol, every port) outside the allow-set",
        ],
        [
            "protocol 0",
            { protocol: "0" },
            "drift: 0.0.0.0/0 reaches 6443/tcp and 22/tcp (protocol 0 (every protocol), every port) outside the allow-set",
        ],
        [
            "udp",
            { protocol: "udp", port_range_min: 53, port_range_max: 53 },
            "unrelated: udp 53: not tcp, admits no protected port (6443/tcp and 22/tcp)",
        ],
        [
            "udp by number, every port",
            { protocol: "17" },
            "unrelated: protocol 17, every port: not tcp, admits no protected port (6443/tcp and 22/tcp)",
        ],
        [
            "icmp, every type",
            { protocol: "icmp" },
            "unrelated: icmp, every type and code: not tcp, admits no protected port (6443/tcp and 22/tcp)",
        ],
        [
            "icmp echo",
            { protocol: "icmp", port_range_min: 8, port_range_max: 0 },
            "unrelated: icmp type 8, code 0: not tcp, admits no protected port (6443/tcp and 22/tcp)",
        ],
        [
            "egress, every protocol from anywhere",
            { direction: "egress", protocol: null },
            "unrelated: egress: does not count for ingress",
        ],
        [
            "egress tcp 6443",
            { direction: "egress", port_range_min: 6443, port_range_max: 6443 },
            "unrelated: egress: does not count for ingress",
        ],
        [
            "IPv6, every tcp port",
            { ethertype: "IPv6", remote_ip_prefix: null },
            "drift: ::/0 reaches 6443/tcp and 22/tcp (every tcp port) outside the allow-set",
        ],
        [
            "IPv6 icmp",
            { ethertype: "IPv6", remote_ip_prefix: "::/0", protocol: "ipv6-icmp" },
            "unrelated: ipv6-icmp, every type and code: not tcp, admits no protected port (6443/tcp and 22/tcp)",
        ],
        [
            "another tcp port",
            { port_range_min: 8080, port_range_max: 8080 },
            "unrelated: tcp 8080: admits no protected port (6443/tcp and 22/tcp)",
        ],
        [
            "every tcp port from a conductor: 22 is outside its entries, 6443 is not",
            { remote_ip_prefix: CONDUCTOR },
            "drift: 10.12.4.154/32 reaches 22/tcp (every tcp port) outside the allow-set",
        ],
        [
            "every tcp port from the operator: allowed on both",
            { remote_ip_prefix: OPERATOR },
            "unrelated: reaches 6443/tcp and 22/tcp (every tcp port) from allow-set sources only",
        ],
        [
            "a remote group on every tcp port",
            { remote_ip_prefix: null, remote_group_id: "sg-2" },
            "drift: remote group sg-2 reaches 6443/tcp and 22/tcp (every tcp port)",
        ],
    ];
    for (const [name, fields, expected] of cases) {
        it(name, () => assert.equal(reason(fields), expected));
    }
});
