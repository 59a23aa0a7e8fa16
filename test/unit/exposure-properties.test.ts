// The exposure model against a brute-force oracle: for random rule sets of every form, each
// sampled address (edges of every prefix, their neighbours, mapped forms, random ones) is in the
// model's parts exactly when some rule admits it, judged rule by rule with ipaddr.js.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import * as ipaddr from "ipaddr.js";
import {
    computeExposure,
    Exposure,
    exposureBeyond,
    GroupRule,
    RemoteAddresses,
} from "../../components/model/exposure";
import { NeutronRule } from "../../components/model/rules";

type Family = "IPv4" | "IPv6";
const PORTS = [22, 6443];
const BITS: Record<Family, number> = { IPv4: 32, IPv6: 128 };

function toBig(text: string): { family: Family; value: bigint } {
    const address = ipaddr.parse(text);
    const value = address.toByteArray().reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
    return { family: address.kind() === "ipv4" ? "IPv4" : "IPv6", value };
}

function fromBig(value: bigint, family: Family): string {
    const bytes: number[] = [];
    for (let i = 0; i < BITS[family] / 8; i++) {
        bytes.unshift(Number((value >> BigInt(8 * i)) & 0xffn));
    }
    return ipaddr.fromByteArray(bytes).toString();
}

const ipv4Anchors = [
    "0.0.0.0",
    "10.0.0.0",
    "10.0.0.255",
    "128.0.0.0",
    "192.168.1.7",
    "255.255.255.255",
];
const ipv6Anchors = [
    "::",
    "2001:db8::",
    "::ffff:10.0.0.0",
    "fe80::1",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
];

/** An address near an anchor, so that rules overlap and touch often. */
const address = (family: Family) =>
    fc
        .tuple(
            fc.constantFrom(...(family === "IPv4" ? ipv4Anchors : ipv6Anchors)),
            fc.bigInt({ min: -300n, max: 300n }),
        )
        .map(([anchor, offset]) => {
            const max = (1n << BigInt(BITS[family])) - 1n;
            const value = toBig(anchor).value + offset;
            return fromBig(value < 0n ? 0n : value > max ? max : value, family);
        });

/** A prefix as Neutron may store it: host bits set, odd lengths, mapped IPv6, bare addresses. */
const prefix = (family: Family) =>
    fc.oneof(
        fc
            .tuple(address(family), fc.integer({ min: 0, max: BITS[family] }))
            .map(([a, length]) => `${a}/${length}`),
        address(family),
        ...(family === "IPv6"
            ? [
                  fc
                      .tuple(address("IPv4"), fc.integer({ min: 96, max: 128 }))
                      .map(([a, length]) => `::ffff:${a}/${length}`),
              ]
            : []),
    );

interface Generated {
    rules: (GroupRule & { unreadable: boolean })[];
    remotes: RemoteAddresses;
}

const ruleSet: fc.Arbitrary<Generated> = fc
    .record({
        remoteGroups: fc.array(
            fc.option(fc.array(fc.oneof(prefix("IPv4"), prefix("IPv6")), { maxLength: 3 })),
            {
                minLength: 3,
                maxLength: 3,
            },
        ),
        rules: fc.array(
            fc.constantFrom<Family>("IPv4", "IPv6").chain((ethertype) =>
                fc.record({
                    group: fc.constantFrom({ id: "sg-a", name: "a" }, { id: "sg-b", name: "b" }),
                    direction: fc.constantFrom(
                        "ingress",
                        "ingress",
                        "ingress",
                        "egress",
                    ) as fc.Arbitrary<"ingress" | "egress">,
                    ethertype: fc.constant(ethertype),
                    protocol: fc.constantFrom(
                        null,
                        "any",
                        "0",
                        "tcp",
                        "TCP",
                        "6",
                        "udp",
                        "17",
                        "icmp",
                        "hopopt",
                    ),
                    ports: fc.oneof(
                        fc.constant([null, null] as [number | null, number | null]),
                        fc.constantFrom(22, 6443, 80).map((p) => [p, p] as [number, number]),
                        fc
                            .tuple(
                                fc.integer({ min: 1, max: 7000 }),
                                fc.integer({ min: 0, max: 7000 }),
                            )
                            .map(
                                ([lo, span]) =>
                                    [lo, Math.min(65535, lo + span)] as [number, number],
                            ),
                    ),
                    remote: fc.oneof(
                        { weight: 5, arbitrary: prefix(ethertype).map((p) => ({ prefix: p })) },
                        { weight: 1, arbitrary: fc.constant({}) },
                        {
                            weight: 1,
                            arbitrary: fc
                                .integer({ min: 0, max: 3 })
                                .map((g) => ({ group: `rg-${g}` })),
                        },
                        {
                            weight: 1,
                            arbitrary: fc
                                .integer({ min: 0, max: 3 })
                                .map((g) => ({ addressGroup: `rg-${g}` })),
                        },
                        {
                            weight: 1,
                            arbitrary: fc.constant({ prefix: "10.0.0.300/8", broken: true }),
                        },
                    ),
                }),
            ),
            { maxLength: 12 },
        ),
    })
    .map(({ remoteGroups, rules }) => {
        // rg-0..rg-2 resolve as generated (null = unresolvable); rg-3 is unknown to the lookups.
        const known = new Map(remoteGroups.map((addresses, i) => [`rg-${i}`, addresses]));
        return {
            remotes: { groups: known, addressGroups: known },
            rules: rules.map((r, i) => {
                const remote = r.remote as {
                    prefix?: string;
                    group?: string;
                    addressGroup?: string;
                    broken?: boolean;
                };
                const rule: NeutronRule = {
                    id: `r${i}`,
                    security_group_id: r.group.id,
                    direction: r.direction,
                    ethertype: r.ethertype,
                    protocol: r.protocol,
                    port_range_min: r.ports[0],
                    port_range_max: r.ports[1],
                    remote_ip_prefix: remote.prefix ?? null,
                    remote_group_id: remote.group ?? null,
                    remote_address_group_id: remote.addressGroup ?? null,
                };
                return { group: r.group, rule, unreadable: remote.broken === true };
            }),
        };
    });

/** Does this stored prefix or address admit the sample? Mapped IPv6 prefixes admit IPv4 too. */
function prefixAdmits(stored: string, sample: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    const [text, length] = stored.includes("/") ? stored.split("/") : [stored, undefined];
    const network = ipaddr.parse(text);
    const bits = length === undefined ? (network.kind() === "ipv4" ? 32 : 128) : Number(length);
    if (network.kind() === sample.kind()) {
        return sample.match(network, bits);
    }
    if (network.kind() === "ipv6" && bits >= 96) {
        return (sample as ipaddr.IPv4).toIPv4MappedAddress().match(network as ipaddr.IPv6, bits);
    }
    return false;
}

/** The oracle: does the rule, read field by field, admit the sample on this TCP port? */
function admits(
    g: Generated["rules"][number],
    remotes: RemoteAddresses,
    port: number,
    sample: string,
): boolean {
    const { rule } = g;
    const address = ipaddr.parse(sample);
    const family: Family = address.kind() === "ipv4" ? "IPv4" : "IPv6";
    // An unreadable rule that reaches some protected port counts on all of them (fail closed).
    if (g.unreadable) return family === rule.ethertype && PORTS.some((p) => reaches(rule, p));
    if (!reaches(rule, port)) return false;
    const viaRemote = (id: string | null | undefined) => {
        if (!id) return undefined;
        const members = remotes.groups.get(id);
        return members ? members.some((m) => prefixAdmits(m, address)) : family === rule.ethertype;
    };
    const group = viaRemote(rule.remote_group_id);
    const addressGroup = viaRemote(rule.remote_address_group_id);
    if (rule.remote_ip_prefix) return prefixAdmits(rule.remote_ip_prefix, address);
    if (group !== undefined || addressGroup !== undefined)
        return group === true || addressGroup === true;
    return family === rule.ethertype;
}

/** Does the rule, whatever its remote, reach this TCP port? (Its remote is then not read.) */
function reaches(rule: NeutronRule, port: number): boolean {
    if (rule.direction !== "ingress") return false;
    // "TCP" is not how Neutron stores TCP: the iptables driver gives it no ports.
    if ([null, "any", "0", "hopopt", "TCP"].includes(rule.protocol)) return true;
    if (!["tcp", "6"].includes(rule.protocol!)) return false;
    return (
        rule.port_range_min === null ||
        (rule.port_range_min <= port && port <= rule.port_range_max!)
    );
}

/** Every edge of every prefix in play, their neighbours, mapped forms and a few fixed ones. */
function samples(g: Generated): string[] {
    const texts = [
        ...g.rules.flatMap(({ rule }) => (rule.remote_ip_prefix ? [rule.remote_ip_prefix] : [])),
        ...[...g.remotes.groups.values()].flatMap((list) => list ?? []),
    ];
    const out = new Set<string>([
        "0.0.0.0",
        "255.255.255.255",
        "::",
        "::ffff:0:0",
        "10.0.0.5",
        "2001:db8::5",
    ]);
    for (const text of texts) {
        let network: ipaddr.IPv4 | ipaddr.IPv6;
        let bits: number;
        try {
            [network, bits] = text.includes("/")
                ? ipaddr.parseCIDR(text)
                : [ipaddr.parse(text), -1];
        } catch {
            continue;
        }
        const { family, value } = toBig(network.toString());
        const width = BITS[family];
        const length = BigInt(width - (bits < 0 ? width : bits));
        const first = (value >> length) << length;
        const last = first + (1n << length) - 1n;
        for (const v of [first - 1n, first, first + 1n, last - 1n, last, last + 1n]) {
            if (v < 0n || v >= 1n << BigInt(width)) continue;
            const s = fromBig(v, family);
            out.add(s);
            if (family === "IPv4") out.add(`::ffff:${s}`);
            if (family === "IPv6" && v >> 32n === 0xffffn)
                out.add(fromBig(v & 0xffffffffn, "IPv4"));
        }
    }
    return [...out];
}

function inParts(
    exposure: { port: number; ethertype: Family; parts: { cidr: string }[] }[],
    port: number,
    sample: string,
) {
    const address = ipaddr.parse(sample);
    const family: Family = address.kind() === "ipv4" ? "IPv4" : "IPv6";
    const found = exposure.find((p) => p.port === port && p.ethertype === family);
    return (found?.parts ?? []).filter((part) => address.match(ipaddr.parseCIDR(part.cidr)));
}

function assertMinimalAndSorted(exposure: Exposure) {
    for (const { parts, ethertype } of exposure.ports) {
        const ranges = parts.map((p) => {
            const [network, bits] = ipaddr.parseCIDR(p.cidr);
            const size = 1n << BigInt(BITS[ethertype] - bits);
            const start = toBig(network.toString()).value;
            assert.equal(fromBig(start, ethertype), network.toString(), `${p.cidr} has host bits`);
            return { start, end: start + size - 1n, size };
        });
        for (let i = 1; i < ranges.length; i++) {
            const [a, b] = [ranges[i - 1], ranges[i]];
            assert.ok(a.end < b.start, "parts overlap or are unsorted");
            const siblings =
                a.size === b.size && a.end + 1n === b.start && a.start % (2n * a.size) === 0n;
            assert.ok(!siblings, `${parts[i - 1].cidr} and ${parts[i].cidr} should be one part`);
        }
    }
}

describe("exposure model properties", function () {
    // Hundreds of random rule sets, each checked at every edge: seconds of CPU, more when shared.
    this.timeout(180_000);

    it("admits exactly what some rule admits, sample by sample, naming every rule that does", () => {
        fc.assert(
            fc.property(ruleSet, (g) => {
                const exposure = computeExposure({
                    rules: g.rules,
                    remotes: g.remotes,
                    protectedPorts: PORTS,
                    portSecurity: true,
                });
                assertMinimalAndSorted(exposure);
                for (const sample of samples(g)) {
                    for (const port of PORTS) {
                        const expected = g.rules.filter((r) => admits(r, g.remotes, port, sample));
                        const parts = inParts(exposure.ports, port, sample);
                        assert.equal(
                            parts.length,
                            expected.length > 0 ? 1 : 0,
                            `${sample} on ${port}`,
                        );
                        if (parts.length === 1) {
                            const named = new Set(
                                (
                                    parts[0] as (typeof exposure.ports)[number]["parts"][number]
                                ).admittedBy.map((a) => a.ruleId),
                            );
                            for (const r of expected)
                                assert.ok(named.has(r.rule.id), `${r.rule.id} not named`);
                        }
                    }
                }
                const broken = g.rules.filter(
                    (r) => r.unreadable && PORTS.some((port) => reaches(r.rule, port)),
                );
                assert.deepEqual(
                    exposure.unreadable.map((u) => u.ruleId),
                    broken.map((r) => r.rule.id),
                );
            }),
            { numRuns: 200 },
        );
    });

    it("finds beyond the allowed CIDRs exactly the admitted samples they leave out", () => {
        fc.assert(
            fc.property(
                ruleSet,
                fc.array(prefix("IPv4"), { maxLength: 3 }),
                fc.array(prefix("IPv6"), { maxLength: 3 }),
                (g, v4, v6) => {
                    const exposure = computeExposure({
                        rules: g.rules,
                        remotes: g.remotes,
                        protectedPorts: PORTS,
                        portSecurity: true,
                    });
                    const allowed = PORTS.flatMap((port) =>
                        [...v4, ...v6].map((cidr) => ({
                            port,
                            ethertype: (cidr.includes(":") ? "IPv6" : "IPv4") as Family,
                            cidr,
                        })),
                    );
                    const beyond = exposureBeyond(exposure, allowed);
                    for (const sample of samples(g)) {
                        const address = ipaddr.parse(sample);
                        const isAllowed = [...v4, ...v6].some((cidr) =>
                            prefixAdmits(cidr, address),
                        );
                        for (const port of PORTS) {
                            const admitted = inParts(exposure.ports, port, sample).length > 0;
                            assert.equal(
                                inParts(beyond, port, sample).length > 0,
                                admitted && !isAllowed,
                                `${sample} on ${port}`,
                            );
                        }
                    }
                },
            ),
            { numRuns: 120 },
        );
    });
});
