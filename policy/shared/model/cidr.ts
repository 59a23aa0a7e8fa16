// Copied from components/model/cidr.ts by `npm run policy:shared`: edit the original.
// Address and prefix handling in the form Neutron stores, so declared inputs never churn.
import * as ipaddr from "ipaddr.js";

export type Ethertype = "IPv4" | "IPv6";

export interface Prefix {
    /** Canonical text: network address, lower-case, compressed IPv6, always with a length. */
    cidr: string;
    ethertype: Ethertype;
    length: number;
}

/**
 * Parses an address or CIDR; IPv4-mapped IPv6 becomes IPv4; host bits must be zero, or with
 * `dropHostBits` are cleared (Neutron stores `198.51.100.9/24` as typed and enforces its network).
 */
export function parsePrefix(text: string, opts: { dropHostBits?: boolean } = {}): Prefix {
    const trimmed = text.trim();
    const slash = trimmed.indexOf("/");
    const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash);
    let address = parseAddress(addressText);
    let length: number;
    if (slash === -1) {
        length = address.kind() === "ipv4" ? 32 : 128;
    } else {
        const lengthText = trimmed.slice(slash + 1);
        if (!/^\d{1,3}$/.test(lengthText)) {
            throw new Error(`"${text}" has no valid prefix length`);
        }
        length = Number(lengthText);
        if (addressText.includes(":") && address.kind() === "ipv4") {
            // A mapped prefix ::ffff:a.b.c.d/n covers the IPv4 prefix a.b.c.d/(n-96).
            if (length < 96) {
                throw new Error(`"${text}" is an IPv4-mapped prefix shorter than /96`);
            }
            length -= 96;
        }
    }
    const max = address.kind() === "ipv4" ? 32 : 128;
    if (length > max) {
        throw new Error(`"${text}" has a prefix length above /${max}`);
    }
    const network = networkAddress(address, length);
    if (!opts.dropHostBits && network.toString() !== address.toString()) {
        throw new Error(
            `"${text}" has host bits set; the network is ${formatCidr(network, length)}`,
        );
    }
    address = network;
    return {
        cidr: formatCidr(address, length),
        ethertype: address.kind() === "ipv4" ? "IPv4" : "IPv6",
        length,
    };
}

/**
 * The network a firewall enforces for a stored remote prefix, in the prefix's own family: host
 * bits cleared, an absent length a host route. An IPv4-mapped IPv6 prefix (`::ffff:a.b.c.d/n`,
 * n >= 96) stays IPv6 and carries its IPv4 equivalent. Throws on text that is no address.
 */
export function enforcedPrefix(text: string): { prefix: Prefix; mappedIpv4?: Prefix } {
    const trimmed = text.trim();
    const slash = trimmed.indexOf("/");
    const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash);
    const v4 = parseAddress(addressText);
    if (!addressText.includes(":") || v4.kind() === "ipv6") {
        return { prefix: parsePrefix(trimmed, { dropHostBits: true }) };
    }
    const lengthText = slash === -1 ? "128" : trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > 128) {
        throw new Error(`"${text}" has no valid prefix length`);
    }
    const length = Number(lengthText);
    const network = networkAddress(parseIpv6(addressText), length);
    return {
        prefix: { cidr: formatCidr(network, length), ethertype: "IPv6", length },
        mappedIpv4:
            length >= 96
                ? parsePrefix(`${v4.toString()}/${length - 96}`, { dropHostBits: true })
                : undefined,
    };
}

/** Parses a single host address (mapped IPv6 becomes IPv4) and returns its canonical text. */
export function parseHostAddress(text: string): { address: string; ethertype: Ethertype } {
    const address = parseAddress(text.trim());
    return {
        address: address.toString(),
        ethertype: address.kind() === "ipv4" ? "IPv4" : "IPv6",
    };
}

/** The host route (/32 or /128) for one address. */
export function hostRoute(text: string): Prefix {
    const { address, ethertype } = parseHostAddress(text);
    return parsePrefix(`${address}/${ethertype === "IPv4" ? 32 : 128}`);
}

const NOT_A_SOURCE = ["unspecified", "broadcast", "multicast", "loopback"];

/**
 * The host route of a conductor's source toward the API. Throws for an address no host sends
 * from across a network (ipaddr.js ranges: unspecified, broadcast, multicast, loopback): a rule
 * for it would admit no conductor, so the conductor would be locked out.
 */
export function sourceHostRoute(text: string): Prefix {
    const range = parseAddress(text.trim()).range();
    if (NOT_A_SOURCE.includes(range)) {
        throw new Error(`${text.trim()} is a ${range} address; expected a host's unicast address`);
    }
    return hostRoute(text);
}

/** True when the prefix admits every address of its family (0.0.0.0/0, ::/0). */
export function isAnyAddress(prefix: Prefix): boolean {
    return prefix.length === 0;
}

export function isHostRoute(prefix: Prefix): boolean {
    return prefix.length === (prefix.ethertype === "IPv4" ? 32 : 128);
}

/** True when every address of `inner` lies inside `outer`. */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
    if (outer.ethertype !== inner.ethertype || inner.length < outer.length) {
        return false;
    }
    const innerAddress = ipaddr.parse(inner.cidr.split("/")[0]);
    const outerRange = ipaddr.parseCIDR(outer.cidr);
    return innerAddress.match(outerRange);
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
    if (text.includes(":")) {
        // Zone indexes (fe80::1%eth0) mean nothing to Neutron.
        if (text.includes("%") || !ipaddr.IPv6.isValid(text)) {
            throw new Error(`"${text}" is not an IPv6 address`);
        }
        const v6 = parseIpv6(text);
        return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
    }
    // Only dotted quads: ipaddr.js also accepts "10.1" and octal forms, which Neutron reads
    // differently; its four-part check refuses a leading zero in any octet.
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
        throw new Error(`"${text}" is not a dotted-quad IPv4 address`);
    }
    return ipaddr.IPv4.parse(text);
}

/**
 * An IPv6 address whose last 32 bits may be written as a dotted quad. The quad is read as two
 * groups first: ipaddr.js 2.x reads `::a.b.c.d` (IPv4-compatible, which netaddr, and so Neutron,
 * stores and enforces as `::a.b.c.d`) as `::ffff:a.b.c.d` (IPv4-mapped), another address. The
 * text must already pass ipaddr.IPv6.isValid; the quad must be four decimal octets.
 */
function parseIpv6(text: string): ipaddr.IPv6 {
    const last = text.lastIndexOf(":");
    const quad = text.slice(last + 1);
    if (!quad.includes(".")) return ipaddr.IPv6.parse(text);
    if (!ipaddr.IPv4.isValidFourPartDecimal(quad)) {
        throw new Error(`"${text}" is not an IPv6 address`);
    }
    const [a, b, c, d] = ipaddr.IPv4.parse(quad).octets;
    const groups = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    return ipaddr.IPv6.parse(text.slice(0, last + 1) + groups);
}

function networkAddress(address: ipaddr.IPv4 | ipaddr.IPv6, length: number) {
    const bytes = address.toByteArray();
    for (let bit = length; bit < bytes.length * 8; bit++) {
        bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
    }
    return ipaddr.fromByteArray(bytes);
}

function formatCidr(address: ipaddr.IPv4 | ipaddr.IPv6, length: number): string {
    return `${address.toString()}/${length}`;
}
