// Copied from components/plan/approval.ts by `npm run policy:shared`: edit the original.
// The retirement digest and its approval: a deletion is declared only when the retire targets
// measured now are the ones a reviewer approved (stack key approvedRetirement). Pure: no Pulumi.
import { createHash } from "node:crypto";
import type { RuleShape } from "../model/rules";

/** A retire target as the plan measured it (components/plan/plan.ts). */
export interface RetireTarget {
    id: string;
    shape: RuleShape;
    admits: string;
}

export const DIGEST_FORMAT = "capi-mgmt-ingress retirement v1";

/** `sha256:` and 64 lower-case hex digits. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** What the stack key holds: the digest, and the target ids the review listed (for the message). */
export interface RetirementApproval {
    digest: string;
    targets?: string[];
}

/**
 * The canonical bytes the digest is taken over (UTF-8, every line ends with "\n"):
 *
 *     capi-mgmt-ingress retirement v1
 *     group <security group id>
 *     target <id> <direction> <ethertype> <protocol> <port min> <port max> <remote prefix> <remote group>
 *     ...
 *
 * one `target` line per retire target, sorted by id (byte order), fields as the Networking API
 * returns them (GET /v2.0/security-group-rules), an absent value written `-`. No field may hold
 * white space (ids are UUIDs, prefixes CIDRs); one that does is refused rather than escaped.
 * Reproduce it with `printf '%s\n' <lines> | sha256sum`.
 */
export function digestText(groupId: string, targets: Pick<RetireTarget, "id" | "shape">[]): string {
    const field = (value: string | number | null, what: string): string => {
        const text = value === null || value === "" ? "-" : String(value);
        if (/\s/.test(text)) {
            throw new Error(`retirement digest: ${what} ${JSON.stringify(text)} holds white space`);
        }
        return text;
    };
    const lines = [DIGEST_FORMAT, `group ${field(groupId, "group id")}`];
    const sorted = [...targets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const { id, shape } of sorted) {
        const what = `rule ${id}`;
        lines.push(
            [
                "target",
                field(id, "rule id"),
                field(shape.direction, `${what} direction`),
                field(shape.ethertype, `${what} ethertype`),
                field(shape.protocol, `${what} protocol`),
                field(shape.portRangeMin, `${what} port_range_min`),
                field(shape.portRangeMax, `${what} port_range_max`),
                field(shape.remoteIpPrefix, `${what} remote_ip_prefix`),
                field(shape.remoteGroupId, `${what} remote_group_id`),
            ].join(" "),
        );
    }
    return lines.map((line) => `${line}\n`).join("");
}

/** `sha256:<hex>` over digestText. */
export function retirementDigest(
    groupId: string,
    targets: Pick<RetireTarget, "id" | "shape">[],
): string {
    return `sha256:${createHash("sha256").update(digestText(groupId, targets), "utf8").digest("hex")}`;
}

/** The approval a reviewer writes for these targets (what the review prints), or none needed. */
export function approvalFor(
    groupId: string,
    targets: RetireTarget[],
): Required<RetirementApproval> | undefined {
    return targets.length === 0
        ? undefined
        : {
              digest: retirementDigest(groupId, targets),
              targets: targets.map((t) => t.id).sort(),
          };
}

export type ApprovalVerdict =
    /** Targets measured and approved: the retirement is declared with them. */
    | { status: "approved"; digest: string }
    /** Nothing to retire; `note` reports an approval that is already spent. */
    | { status: "nothing-to-retire"; note?: string }
    /** Targets measured, not approved: nothing destructive may be declared. */
    | { status: "refused"; digest: string; message: string };

/**
 * Decides whether the retire targets measured now may be deleted: only when their digest equals
 * the approved one. The refusal lists the targets, the digest to approve and, when an approval
 * exists, the targets that differ from the ones it named.
 */
export function judgeApproval(
    groupId: string,
    targets: RetireTarget[],
    approval: RetirementApproval | undefined,
): ApprovalVerdict {
    if (targets.length === 0) {
        return approval
            ? {
                  status: "nothing-to-retire",
                  note:
                      `approvedRetirement ${approval.digest} is spent: group ${groupId} has no retire ` +
                      `target left, so nothing is deleted; the key can be removed`,
              }
            : { status: "nothing-to-retire" };
    }
    const digest = retirementDigest(groupId, targets);
    // The list a reviewer reads must be what is deleted: given, it must equal the measured ids.
    const listed =
        approval?.targets === undefined ? [] : listDifferences(targets, approval.targets);
    if (approval?.digest === digest && listed.length === 0) {
        return { status: "approved", digest };
    }
    const lines = [
        approval?.digest === digest
            ? `Refusing to retire: approvedRetirement.targets does not list exactly the ` +
              `${targets.length} retire target(s) measured now in group ${groupId} (the digest ` +
              `matches); nothing is deleted until the list names what is deleted.`
            : approval
              ? `Refusing to retire: the ${targets.length} retire target(s) measured now in group ` +
                `${groupId} have digest ${digest}, not the approved ${approval.digest}; nothing is ` +
                `deleted until the stack approves what is there now.`
              : `Refusing to retire: ${targets.length} retire target(s) measured in group ${groupId} ` +
                `and no approvedRetirement in the stack; nothing is deleted until a reviewer approves them.`,
        "Retire targets measured now:",
        ...targets.map((t) => `  - ${t.id}: ${t.admits}`),
    ];
    if (approval?.digest === digest) {
        lines.push(...listed);
    } else if (approval) {
        lines.push(...approvalDifferences(targets, approval));
    }
    lines.push(
        "To approve these targets (after reviewing them: `npm run review -- --stack <env> --live`), " +
            "set in stacks/Pulumi.<env>.yaml:",
        "  capi-mgmt-ingress:approvedRetirement:",
        `    digest: ${digest}`,
        `    targets: [${[...targets]
            .map((t) => t.id)
            .sort()
            .join(", ")}]`,
    );
    return { status: "refused", digest, message: lines.join("\n") };
}

/** The measured ids missing from `listed`, and the listed ids that are no measured target. */
function listDifferences(targets: RetireTarget[], listed: string[]): string[] {
    const inList = new Set(listed);
    const measured = new Set(targets.map((t) => t.id));
    const missing = targets.filter((t) => !inList.has(t.id));
    const extra = [...inList].filter((id) => !measured.has(id));
    if (missing.length === 0 && extra.length === 0) {
        return [];
    }
    return [
        "approvedRetirement.targets differs from the retire targets measured now:",
        ...missing.map((t) => `  + ${t.id}: ${t.admits} (measured, missing from targets)`),
        ...extra.map((id) => `  - ${id} (in targets, not a retire target measured now)`),
    ];
}

function approvalDifferences(targets: RetireTarget[], approval: RetirementApproval): string[] {
    if (approval.targets === undefined) {
        return ["The approval names no target ids, so which targets differ cannot be listed."];
    }
    const approved = new Set(approval.targets);
    const now = new Set(targets.map((t) => t.id));
    const added = targets.filter((t) => !approved.has(t.id));
    const gone = approval.targets.filter((id) => !now.has(id));
    if (added.length === 0 && gone.length === 0) {
        return [
            "The same rule ids as approved, so a rule's shape or the group differs from what was reviewed.",
        ];
    }
    return [
        "Differences from the approved targets:",
        ...added.map((t) => `  + ${t.id}: ${t.admits} (measured now, not approved)`),
        ...gone.map((id) => `  - ${id} (approved, not a retire target now)`),
    ];
}
