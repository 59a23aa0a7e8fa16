// What one rule admits beyond the allow-set, in a reviewer's words: the model names one admitter
// per source (a remote group's or address group's member prefix, per port and family), the
// audit, verify and reviews name a rule once, so its sources are worded together. Pure.
import { enforcedPrefix } from "../model/cidr";
import { Admitter, coversWholeFamily, Ethertype } from "../model/exposure";

/** One source of a rule beyond the allow-set on one port and family, as the model named it. */
export interface RuleSourceAt {
    port: number;
    ethertype: Ethertype;
    admitter: Pick<Admitter, "admits" | "cidr">;
}

/** Prefixes listed in one run of words before "and N more". */
const LISTED = 10;

/**
 * Every source of one rule, worded compactly: `192.0.2.0/24, 198.51.100.0/24 and 2001:db8::/48
 * (in remote address group X)`; `every IPv4 address (in remote group X)` when its sources on a
 * family cover the family; a list past 10 prefixes ends `and N more`; ports whose sources differ
 * are named (`6443/tcp: …; 22/tcp: …`). A single source keeps the model's words. Sources are
 * listed in the order given (the exposure's parts are sorted), each once.
 */
export function ruleAdmits(sources: RuleSourceAt[]): string {
    const ports = [...new Set(sources.map((s) => s.port))];
    const words = ports.map((port) => portWords(sources.filter((s) => s.port === port)));
    if (words.every((w) => w === words[0])) {
        return words[0] ?? "nothing";
    }
    return ports.map((port, i) => `${port}/tcp: ${words[i]}`).join("; ");
}

/** A source's prefix and what the model says of it: `192.0.2.0/24`, `(in remote group X)`. */
interface Item {
    text: string;
    note: string;
}

function portWords(sources: RuleSourceAt[]): string {
    const items: Item[] = [];
    for (const ethertype of ["IPv4", "IPv6"] as const) {
        const seen = new Map<string, Pick<Admitter, "admits" | "cidr">>();
        for (const { admitter } of sources.filter((s) => s.ethertype === ethertype)) {
            seen.set(`${admitter.cidr}|${admitter.admits}`, admitter);
        }
        const admitters = [...seen.values()];
        const family = admitters.map(split);
        const notes = [...new Set(family.map((i) => i.note))];
        if (
            admitters.length > 1 &&
            notes.length === 1 &&
            coversWholeFamily(
                admitters.map((a) => a.cidr),
                ethertype,
            )
        ) {
            items.push({ text: `every ${ethertype} address`, note: notes[0] });
        } else {
            items.push(...family);
        }
    }
    // Runs of the same note share it: "a, b and c (in remote address group X)".
    const runs: Item[][] = [];
    for (const item of items) {
        const last = runs[runs.length - 1];
        if (last && last[0].note === item.note) {
            last.push(item);
        } else {
            runs.push([item]);
        }
    }
    return runs
        .map((run) => {
            const text = listed(run.map((i) => i.text));
            return run[0].note ? `${text} ${run[0].note}` : text;
        })
        .join("; ");
}

/** The model's words split at the prefix: `192.0.2.0/24 (in …)` → prefix and note. */
function split(admitter: Pick<Admitter, "admits" | "cidr">): Item {
    const { admits, cidr } = admitter;
    if (admits.startsWith(`${cidr} (`) && admits.endsWith(")")) {
        return { text: cidr, note: admits.slice(cidr.length + 1) };
    }
    // Words that do not start with the prefix (an unreadable rule, port security off) stand alone.
    return { text: admits, note: "" };
}

function listed(texts: string[]): string {
    if (texts.length === 1) return texts[0];
    if (texts.length > LISTED) {
        return `${texts.slice(0, LISTED).join(", ")} and ${texts.length - LISTED} more`;
    }
    return `${texts.slice(0, -1).join(", ")} and ${texts[texts.length - 1]}`;
}

/**
 * A rule's remote prefix as stored, with what it admits where the text alone does not say it:
 * `::ffff:0.0.0.0/96 (every IPv4 address, IPv4-mapped)`, `::ffff:10.0.0.0/104 (10.0.0.0/8,
 * IPv4-mapped)`, `198.51.100.9/24 (198.51.100.0/24)` for host bits Neutron keeps as typed but does
 * not enforce (enforcedPrefix in components/model/cidr.ts); `any address` for none. Text that is
 * no prefix stays as stored.
 */
export function storedPrefixWords(stored: string | null): string {
    if (stored === null || stored === "") {
        return "any address";
    }
    let read: ReturnType<typeof enforcedPrefix>;
    try {
        read = enforcedPrefix(stored);
    } catch {
        return stored;
    }
    const { prefix, mappedIpv4 } = read;
    if (mappedIpv4) {
        const v4 = mappedIpv4.length === 0 ? "every IPv4 address" : mappedIpv4.cidr;
        return `${stored} (${v4}, IPv4-mapped)`;
    }
    return prefix.cidr === stored ? stored : `${stored} (${prefix.cidr})`;
}
