// `npm run audit -- --stack <env> [--json]`: classifies every live rule of the group without the
// engine, and judges the effective exposure of the API's port (every group on it). Exits 1 when a
// rule is drift or a retire target, or when the live exposure exceeds the allow-set (whatever the
// class of the rule responsible, unless accepted), 2 when the audit itself fails.
import { parseArgs } from "node:util";
import { liveReview } from "../components/discover/rest-lookups";
import { describePorts } from "../components/model/rules";
import { loadStackConfig } from "../components/config/stackfile";
import { exposureRows, unacceptedExcess } from "../components/plan/exposure";

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: { stack: { type: "string" }, json: { type: "boolean", default: false } },
    });
    if (!values.stack) {
        throw new Error("usage: npm run audit -- --stack <env> [--json]");
    }
    const live = await liveReview(loadStackConfig(values.stack));
    const rows = live.plan.classified.map((c) => ({
        id: c.rule.id,
        class: c.class,
        direction: c.rule.direction,
        ethertype: c.rule.ethertype,
        ports: describePorts(c.rule),
        remote:
            c.rule.remote_group_id ??
            c.rule.remote_address_group_id ??
            c.rule.remote_ip_prefix ??
            "(any)",
        reason: c.reason,
    }));
    const exposed = live.plan.exposure;
    const excess = unacceptedExcess(exposed.beforeResponsible);
    const exposure = {
        portSecurity: exposed.before.portSecurity,
        ports: exposureRows(exposed.before, exposed.beyondBefore),
        beyondAllowSet: exposed.beforeResponsible.map((r) => ({
            group: `${r.groupName} (${r.groupId})`,
            rule: r.ruleId,
            admits: r.admits,
            why: r.why,
            reaches: r.reaches,
            ...(r.accepted !== undefined ? { accepted: r.accepted } : {}),
        })),
        unreadable: exposed.before.unreadable,
        unresolved: exposed.before.unresolved,
    };
    const failing =
        rows.filter((r) => r.class === "drift" || r.class === "retire").length + excess.length;
    // Allow entries with no live rule: normal before the first `up`, a lockout risk after it.
    const missing = live.plan.allowSet
        .filter((e) => !live.plan.adoptions.has(e))
        .map((e) => ({ role: e.role, port: e.port, source: e.remoteIpPrefix }));
    if (values.json) {
        console.log(
            JSON.stringify(
                { stack: values.stack, group: live.group, rules: rows, missing, exposure },
                null,
                2,
            ),
        );
    } else {
        console.log(`group ${live.group}`);
        console.table(
            rows.map(({ id, class: c, ethertype, ports, remote, reason }) => ({
                id,
                class: c,
                ethertype,
                ports,
                remote,
                reason,
            })),
        );
        if (missing.length > 0) {
            console.log("allow entries with no rule on the group:");
            console.table(missing);
        }
        console.log("effective exposure of the API's port (every group on it):");
        console.table(
            exposure.ports.map((p) => ({
                port: `${p.port}/tcp ${p.ethertype}`,
                admits: p.admits,
                beyondAllowSet: p.beyondAllowSet,
            })),
        );
        for (const r of exposure.beyondAllowSet) {
            console.log(
                `${r.accepted !== undefined ? "accepted" : "EXPOSED"}: rule ${r.rule} in ${r.group} ` +
                    `admits ${r.admits} (${r.reaches.join(", ")})` +
                    (r.accepted !== undefined ? `: ${r.accepted}` : ""),
            );
        }
        for (const u of exposure.unreadable) {
            console.log(
                `unreadable: rule ${u.ruleId} in group ${u.groupId} (${u.what}): counted as everything`,
            );
        }
        for (const u of exposure.unresolved) {
            console.log(
                `unresolved: rule ${u.ruleId} in group ${u.groupId}: ${u.remote}, counted as any address`,
            );
        }
        console.log(
            failing
                ? `${failing} finding(s): drift, retire targets or rules exposing the API beyond the allow-set`
                : "tight: no drift, nothing to retire, nothing beyond the allow-set",
        );
    }
    return failing ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(2);
    },
);
