// The effective exposure in the review: before and after per protected port and family, who
// loses access in words, the rules that keep a source outside the allow-set, accepted ones with
// their reasons. Pure: renders what it is given.
import { describeExposure, exposureBeyond } from "../model/exposure";
import type { ExposureReview, Responsible } from "../plan/exposure";
import { maskSecrets } from "../mask";

/** What a review without the live cloud cannot tell about the exposure. */
export const NOT_READ =
    "Not read from the cloud: the managed group's rules and every other security group on the " +
    "API's port (whose rules count as much) are unknown here, so the effective exposure is not " +
    "shown. Run with --live.";

/** Markdown lines for one stack's review. */
export function renderExposure(review: ExposureReview): string[] {
    const lines = ["", "### Effective exposure of the API's port (every group on it)", ""];
    // Named, so a reviewer sees which groups were read, not only those whose rules expose.
    // Group names are Neutron's free text: masked like the refusals that quote them.
    const read = review.groups.map((g) => `${maskSecrets(g.name)} (${g.id})`).join(", ");
    lines.push(`Security groups read on the API's port: ${read || "none"}.`, "");
    if (!review.before.portSecurity) {
        lines.push("> **Port security is off:** Neutron filters nothing on this port.", "");
    }
    // Who loses access: what is admitted before and not after, per port and family.
    const lost = exposureBeyond(
        review.before,
        review.after.ports.flatMap((pe) =>
            pe.parts.map((p) => ({ port: pe.port, ethertype: pe.ethertype, cidr: p.cidr })),
        ),
    );
    const rows = review.before.ports.map((pe) => {
        const after = review.after.ports.find(
            (a) => a.port === pe.port && a.ethertype === pe.ethertype,
        )!;
        const beyond = review.beyondAfter.find(
            (b) => b.port === pe.port && b.ethertype === pe.ethertype,
        );
        const loses = lost.find((l) => l.port === pe.port && l.ethertype === pe.ethertype);
        return [
            `${pe.port}/tcp ${pe.ethertype}`,
            describeExposure(pe.parts, pe.ethertype),
            describeExposure(after.parts, pe.ethertype),
            loses ? describeExposure(loses.parts, pe.ethertype) : "nobody",
            beyond ? describeExposure(beyond.parts, pe.ethertype) : "nothing",
        ];
    });
    lines.push(
        ...table(["port", "before", "after", "loses access", "after, beyond the allow-set"], rows),
    );
    const blocking = review.afterResponsible.filter((r) => r.accepted === undefined);
    const accepted = review.afterResponsible.filter((r) => r.accepted !== undefined);
    if (blocking.length > 0) {
        lines.push(
            "",
            "**The preview refuses:** these rules keep sources outside the allow-set:",
            "",
        );
        lines.push(...responsibleTable(blocking));
        lines.push("", "Ways out, for each rule (only those that can work for it):", "");
        for (const r of blocking) {
            const ways = r.ways ?? { can: [], cannot: [] };
            lines.push(`- rule ${r.ruleId || "(none)"}: ${maskSecrets(ways.can.join("; or "))}`);
            lines.push(...ways.cannot.map((c) => `  - not: ${maskSecrets(c)}`));
        }
    }
    if (accepted.length > 0) {
        lines.push("", "**Accepted exposure** (`acceptedExposure`):", "");
        lines.push(...responsibleTable(accepted));
    }
    for (const u of review.before.unreadable) {
        lines.push(
            "",
            `> Rule ${u.ruleId} (group ${u.groupId}) is unreadable (${u.what}): counted as everything.`,
        );
    }
    for (const u of review.before.unresolved) {
        lines.push(
            "",
            `> Rule ${u.ruleId} (group ${u.groupId}): ${u.remote} cannot be resolved: counted as any address.`,
        );
    }
    return lines;
}

function responsibleTable(rules: Responsible[]): string[] {
    return table(
        ["group", "rule id", "admits", "why it counts", "reaches", "accepted because"],
        rules.map((r) => [
            maskSecrets(r.groupName),
            r.ruleId,
            r.admits,
            r.why,
            r.reaches.join(", "),
            r.accepted !== undefined
                ? maskSecrets(r.accepted)
                : r.notApplied !== undefined
                  ? `does not apply (never wide on ${r.wide?.join(", ")}): ${maskSecrets(r.notApplied)}`
                  : "-",
        ]),
    );
}

function table(header: string[], rows: string[][]): string[] {
    const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
        `| ${header.join(" | ")} |`,
        `| ${header.map(() => "---").join(" | ")} |`,
        ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
    ];
}
