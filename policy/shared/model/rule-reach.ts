// Copied from components/model/rule-reach.ts by `npm run policy:shared`: edit the original.
// What a stored rule reaches on a TCP port, read two ways: wide (some firewall driver may admit
// through it: the classification and the policy pack flag it) and certain (every driver Neutron
// ships admits through it: the destroy and removal guards count it). Pure: no Pulumi, no I/O.
import { enforcedPrefix, parsePrefix, Prefix } from "./cidr";
import { protocolNumber } from "./protocols";
import type { NeutronRule } from "./rules";

/**
 * The wide reading, for the classification and the policy pack, where counting too much only
 * flags a rule: true when some firewall driver may let TCP traffic reach `port` through this
 * rule, as the exposure model (rule-reading.ts `readRule`) counts it. Every protocol (null, "",
 * "any", 0 in any spelling, "hopopt", "ip") reaches every port whatever its port fields: Neutron
 * refuses ports there (neutron/db/securitygroups_db.py `_validate_port_range`) and no driver reads
 * stored ones (neutron/common/ovn/acl.py `acl_protocol_and_ports` returns before the ports for no
 * protocol; neutron/agent/linux/iptables_firewall.py `_protocol_arg` writes no `-p` for "0" and
 * `_port_arg` gives ports only to names it knows). TCP spelled otherwise than "tcp" or "6"
 * ("TCP", "006") reaches every port (`_port_arg` gives it none), and so does "tcp" with one bound
 * alone or a range Neutron refuses, and a protocol that cannot be read (blanks, an unknown name):
 * the drivers differ on them. A rule the parser could not read (`unreadable`) reaches every port.
 */
export function mayReachPort(rule: NeutronRule, port: number): boolean {
    if (rule.unreadable) {
        return true;
    }
    if (rule.direction === "egress") {
        return false;
    }
    const protocol = protocolForTcp(rule.protocol);
    if (protocol === "other") {
        return false;
    }
    const min = rule.port_range_min ?? 1;
    const max = rule.port_range_max ?? 65535;
    const oneBoundAlone = (rule.port_range_min === null) !== (rule.port_range_max === null);
    if (protocol !== "tcp" || oneBoundAlone || !(0 <= min && min <= max && max <= 65535)) {
        return true;
    }
    return min <= port && port <= max;
}

/**
 * The certain reading, for the destroy and removal guards, where counting too much strands a
 * source (safety invariant 1): true only for the forms every driver Neutron ships enforces as
 * admitting TCP to `port`, as Neutron stores them:
 * - protocol null with no ports (every driver: every protocol, every port);
 * - "tcp" or "6" exactly, with no ports or a range from 1 to 65535 holding `port`.
 * Not: "0" and its spellings (OVN writes `ip.proto == 0`, acl.py `_get_protocol_number` and
 * `acl_protocol_and_ports`: no TCP; the openvswitch driver matches `nw_proto=0`,
 * openvswitch_firewall/firewall.py and rules.py `create_protocol_flows`), "any" (Zed's
 * neutron/extensions/securitygroup.py `convert_protocol` refuses it; later releases store it as
 * null, so a stored "any" is an edit no driver is known to read), "TCP" (OVN refuses it: no ACL
 * at all), "006" and other spellings, one bound alone (Neutron refuses it; OVN leaves the other
 * side open, iptables writes `6443:None`), null with ports (Neutron refuses it), and a rule the
 * parser could not read.
 */
export function certainlyReachesPort(rule: NeutronRule, port: number): boolean {
    if (rule.unreadable || rule.direction !== "ingress") {
        return false;
    }
    const { protocol, port_range_min: min, port_range_max: max } = rule;
    if (protocol !== null && protocol !== "tcp" && protocol !== "6") {
        return false;
    }
    if (min === null && max === null) {
        return true;
    }
    return (
        protocol !== null &&
        min !== null &&
        max !== null &&
        1 <= min &&
        min <= port &&
        port <= max &&
        max <= 65535
    );
}

/**
 * The prefix every driver is given for a rule, in the rule's own family: `normalized_cidr`, else
 * `remote_ip_prefix` (neutron/db/securitygroups_rpc_base.py `security_group_info_for_ports`; OVN
 * reads `normalized_cidr`, acl.py `acl_remote_ip_prefix`), its network (host bits cleared, as the
 * drivers enforce it); none given: the any-address of the rule's family. Undefined when it is not
 * certain: blanks around it, text that is no prefix, or a prefix of the other family (Neutron
 * refuses one, `_validate_ip_prefix`; an IPv4-mapped IPv6 prefix stays IPv6).
 */
export function certainRemotePrefix(rule: NeutronRule): Prefix | undefined {
    const given = rule.normalized_cidr || rule.remote_ip_prefix;
    if (!given) {
        return parsePrefix(rule.ethertype === "IPv4" ? "0.0.0.0/0" : "::/0");
    }
    if (given.trim() !== given) {
        return undefined;
    }
    try {
        const { prefix } = enforcedPrefix(given);
        return prefix.ethertype === rule.ethertype ? prefix : undefined;
    } catch {
        return undefined;
    }
}

/**
 * A stored protocol as some driver may read it for TCP: "tcp" (exactly "tcp" or "6", with its
 * ports), "other" (a known protocol that is neither 0 nor 6), or "everyPort" (every protocol,
 * TCP spelled otherwise, or text no driver reads alike: blanks, an unknown name, a number of
 * more than three digits or above 255), as rule-reading.ts `readProtocol` reads it.
 */
export function protocolForTcp(protocol: string | null): "tcp" | "other" | "everyPort" {
    if (protocol === "tcp" || protocol === "6") {
        return "tcp";
    }
    if (protocol === null) {
        return "everyPort";
    }
    const number = protocolNumber(protocol.toLowerCase());
    return number === undefined || number === 0 || number === 6 || number > 255
        ? "everyPort"
        : "other";
}
