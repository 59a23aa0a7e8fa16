// The API's port, enforced: the live ingress rules of every security group on the port (their
// union, as Neutron enforces them) rendered into an nftables ruleset for the API namespace
// (default drop, as Neutron's own firewall), applied atomically, and kept in sync from the
// Networking API by a bounded loop.
import { parsePrefix } from "../../components/model/cidr";
import { NeutronRule } from "../../components/model/rules";
import { inNamespace, run } from "./run";

export const TABLE = "capi_rehearsal";

/** Neutron's protocol names (neutron_lib constants) and their IP protocol numbers. */
const PROTOCOL_NUMBERS: Record<string, number> = {
    hopopt: 0,
    icmp: 1,
    igmp: 2,
    ipip: 4,
    tcp: 6,
    egp: 8,
    udp: 17,
    dccp: 33,
    "ipv6-encap": 41,
    "ipv6-route": 43,
    "ipv6-frag": 44,
    rsvp: 46,
    gre: 47,
    esp: 50,
    ah: 51,
    "ipv6-icmp": 58,
    icmpv6: 58,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
    ospf: 89,
    vrrp: 112,
    pgm: 113,
    sctp: 132,
    udplite: 136,
};

/** Protocols whose rules carry a destination port range. */
const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);

/** The nftables ruleset that admits exactly what the union of these groups' ingress rules admits. */
export function renderRuleset(rules: NeutronRule[], groupIds: string[]): string {
    const lines = rules
        .filter((rule) => rule.direction === "ingress" && groupIds.includes(rule.security_group_id))
        .map(renderRule);
    return [
        // Declaring then deleting the table makes `nft -f` replace it in one transaction.
        `table inet ${TABLE}`,
        `delete table inet ${TABLE}`,
        `table inet ${TABLE} {`,
        "    chain ingress {",
        "        type filter hook input priority filter; policy drop;",
        '        iifname "lo" accept',
        "        ct state established,related accept",
        // Neutron admits neighbour discovery implicitly; without it no IPv6 rule could work.
        "        icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept",
        ...lines.map((line) => `        ${line}`),
        "    }",
        "}",
        "",
    ].join("\n");
}

function renderRule(rule: NeutronRule): string {
    // A planned rule (rulesAfterPlan) has no Neutron id yet: `planned:<entry name>`.
    if (!/^([A-Za-z0-9-]+|planned:[A-Za-z0-9.-]+)$/.test(rule.id)) {
        throw new Error(`rule id ${JSON.stringify(rule.id)} is not a Neutron id`);
    }
    if (rule.remote_group_id || rule.remote_address_group_id) {
        // Members of another group: no stand-in is one, so the rule admits none of them.
        return `# ${rule.id}: admits members of a remote group, none of which is a stand-in`;
    }
    const family = rule.ethertype === "IPv6" ? "ip6" : "ip";
    const matches: string[] = [];
    if (rule.remote_ip_prefix) {
        const prefix = parsePrefix(rule.remote_ip_prefix);
        if (prefix.ethertype !== rule.ethertype) {
            throw new Error(
                `rule ${rule.id}: remote ${rule.remote_ip_prefix} is not ${rule.ethertype}`,
            );
        }
        matches.push(`${family} saddr ${prefix.cidr}`);
    } else {
        matches.push(`meta nfproto ${rule.ethertype === "IPv6" ? "ipv6" : "ipv4"}`);
    }
    matches.push(...protocolMatches(rule));
    return `${matches.join(" ")} accept comment "${rule.id}"`;
}

function protocolMatches(rule: NeutronRule): string[] {
    const protocol = protocolNumber(rule);
    const { port_range_min: min, port_range_max: max } = rule;
    if (protocol === undefined) {
        if (min !== null || max !== null) {
            throw new Error(`rule ${rule.id}: a port range needs a protocol`);
        }
        return [];
    }
    const matches = [`meta l4proto ${protocol}`];
    if (protocol === 1 || protocol === 58) {
        // For ICMP, Neutron's port_range_min/max are the type and the code.
        const icmp = rule.ethertype === "IPv6" ? "icmpv6" : "icmp";
        if (min !== null) {
            matches.push(`${icmp} type ${integer(rule, min, 255)}`);
        }
        if (max !== null) {
            matches.push(`${icmp} code ${integer(rule, max, 255)}`);
        }
        return matches;
    }
    if (min === null && max === null) {
        return matches;
    }
    if (!PORT_PROTOCOLS.has(protocol)) {
        throw new Error(`rule ${rule.id}: protocol ${rule.protocol} has no ports`);
    }
    const low = integer(rule, min ?? 1, 65535);
    const high = integer(rule, max ?? 65535, 65535);
    matches.push(`th dport ${low === high ? low : `${low}-${high}`}`);
    return matches;
}

function protocolNumber(rule: NeutronRule): number | undefined {
    const text = (rule.protocol ?? "").toLowerCase();
    if (text === "" || text === "any") {
        return undefined;
    }
    const number = /^\d{1,3}$/.test(text) ? Number(text) : PROTOCOL_NUMBERS[text];
    if (number === 0) {
        // Every protocol for Neutron's iptables driver, as the exposure model counts it
        // (components/model/rule-reading.ts): the mirror must admit what the model computes.
        return undefined;
    }
    if (number === undefined || number > 255) {
        throw new Error(`rule ${rule.id}: unknown protocol ${JSON.stringify(rule.protocol)}`);
    }
    if (number === undefined) {
        throw new Error(`rule ${rule.id}: unknown protocol ${JSON.stringify(rule.protocol)}`);
    }
    // Neutron stores icmp on an IPv6 rule and means ICMPv6.
    return number === 1 && rule.ethertype === "IPv6" ? 58 : number;
}

function integer(rule: NeutronRule, value: number, max: number): number {
    if (!Number.isInteger(value) || value < 0 || value > max) {
        throw new Error(`rule ${rule.id}: ${value} is not an integer from 0 to ${max}`);
    }
    return value;
}

/** Replaces the namespace's ruleset in one `nft -f` transaction. */
export async function applyRuleset(namespace: string, ruleset: string): Promise<void> {
    await run(inNamespace(namespace, ["nft", "-f", "-"]), {
        input: ruleset,
        expected: "nft to accept the rendered ruleset",
    });
}

/** The ruleset nft holds now for the table (for reports and tests). */
export function readRuleset(namespace: string): Promise<string> {
    return run(inNamespace(namespace, ["nft", "list", "table", "inet", TABLE]));
}

export interface FirewallSyncOptions {
    /** The API stand-in's namespace. */
    namespace: string;
    /** Every security group on the API's port. */
    groupIds: string[];
    /** Reads those groups' rules through the Networking API. */
    listRules: () => Promise<NeutronRule[]>;
    intervalMs?: number;
    /** The loop stops by itself after this long. */
    maxDurationMs?: number;
    /** And after this many reads or applies in a row failed. */
    maxConsecutiveFailures?: number;
    log?: (line: string) => void;
}

export interface FirewallSync {
    /** Reads the group and applies it now; resolves once nft holds the result. */
    syncNow(): Promise<string>;
    /**
     * Enforces these rules instead of the groups' live ones until called with undefined, which
     * restores the mirror; resolves once nft holds the result.
     */
    pin(rules: NeutronRule[] | undefined): Promise<string>;
    /** Stops the loop; the last ruleset stays in force. */
    stop(): Promise<void>;
    /** Resolves with the reason once the loop has stopped (and, failing, dropped everything). */
    stopped: Promise<string>;
}

/**
 * Mirrors the group into the namespace until stopped, for at most maxDurationMs. When the
 * group cannot be read or rendered, the namespace falls back to dropping everything: a stale
 * ruleset must never let a check pass.
 */
export function startFirewallSync(options: FirewallSyncOptions): FirewallSync {
    const interval = options.intervalMs ?? 500;
    const maxDuration = options.maxDurationMs ?? 30 * 60_000;
    const deadline = Date.now() + maxDuration;
    const maxFailures = options.maxConsecutiveFailures ?? 3;
    const log = options.log ?? (() => undefined);
    let applied = "";
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    let running = true;
    let queue: Promise<unknown> = Promise.resolve();
    let finish: (reason: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (finish = resolve));

    let pinned: NeutronRule[] | undefined;

    const syncOnce = async (force: boolean): Promise<string> => {
        const ruleset = renderRuleset(pinned ?? (await options.listRules()), options.groupIds);
        if (force || ruleset !== applied) {
            await applyRuleset(options.namespace, ruleset);
            applied = ruleset;
            log(
                `firewall: applied ${countRules(ruleset)} rule(s) of group(s) ` +
                    `${options.groupIds.join(", ")}${pinned ? " (pinned, not the live rules)" : ""}`,
            );
        }
        return ruleset;
    };
    // One sync at a time, in call order; an explicit sync applies even an unchanged ruleset.
    const serialized = (force: boolean): Promise<string> => {
        const next = queue.then(() => syncOnce(force));
        queue = next.catch(() => undefined);
        return next;
    };
    const halt = () => {
        running = false;
        clearTimeout(timer);
    };
    const tick = async () => {
        if (!running) {
            return;
        }
        if (Date.now() >= deadline) {
            await failClosed(`the sync ran its full ${maxDuration} ms`);
            return;
        }
        try {
            await serialized(false);
            failures = 0;
        } catch (err) {
            failures++;
            log(`firewall: sync failed (${failures}/${maxFailures}): ${(err as Error).message}`);
            if (failures >= maxFailures) {
                await failClosed(`${failures} syncs in a row failed: ${(err as Error).message}`);
                return;
            }
        }
        if (running) {
            // Never what keeps the process alive: its owner stops it when done.
            timer = setTimeout(tick, interval).unref();
        }
    };
    const failClosed = async (why: string) => {
        halt();
        const closed = renderRuleset([], options.groupIds);
        await queue;
        await applyRuleset(options.namespace, closed).catch((err: Error) =>
            log(`firewall: could not apply the drop-all ruleset: ${err.message}`),
        );
        applied = closed;
        log(`firewall: stopped and dropping everything: ${why}`);
        finish(why);
    };
    timer = setTimeout(tick, 0).unref();
    return {
        syncNow: () => serialized(true),
        pin: (rules) => {
            pinned = rules;
            return serialized(true);
        },
        stop: async () => {
            halt();
            await queue;
            finish("stopped");
        },
        stopped,
    };
}

function countRules(ruleset: string): number {
    return ruleset.split("\n").filter((line) => line.includes(" accept comment ")).length;
}
