// IP protocol names as Neutron stores them, and their numbers: whether a rule's protocol is TCP
// (6), every protocol (0) or another one. Shared by the exposure model's reading of a rule
// (rule-reading.ts) and the readings of what it reaches (rule-reach.ts).

/**
 * neutron_lib.constants.IP_PROTOCOL_MAP (Zed), names as Neutron stores them; "icmpv6" is its
 * alias of "ipv6-icmp". Only whether a name is TCP (6) or 0 matters here.
 */
const IP_PROTOCOL_MAP: Record<string, number> = {
    ah: 51,
    dccp: 33,
    egp: 8,
    esp: 50,
    gre: 47,
    hopopt: 0,
    icmp: 1,
    igmp: 2,
    ip: 0,
    ipip: 4,
    "ipv6-encap": 41,
    "ipv6-frag": 44,
    "ipv6-icmp": 58,
    icmpv6: 58,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
    "ipv6-route": 43,
    ospf: 89,
    pgm: 113,
    rsvp: 46,
    sctp: 132,
    tcp: 6,
    udp: 17,
    udplite: 136,
    vrrp: 112,
};

/**
 * The number of a protocol written as Neutron stores a name (lower case, as given) or as 1 to 3
 * decimal digits; undefined for anything else, a name of Object.prototype's members included
 * ("constructor" is no protocol). The caller decides what a number above 255 means.
 */
export function protocolNumber(name: string): number | undefined {
    if (/^\d{1,3}$/.test(name)) return Number(name);
    return Object.hasOwn(IP_PROTOCOL_MAP, name) ? IP_PROTOCOL_MAP[name] : undefined;
}
