// `npm run audit -- --stack <env> [--json]`: classifies every live rule of the group without the
// engine. Exits 1 when a rule is drift or a retire target, 2 when the audit itself fails.
import { parseArgs } from "node:util";
import { liveReview } from "../components/discover/rest-lookups";
import { describePorts } from "../components/model/rules";
import { loadStackConfig } from "../components/config/stackfile";

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
    const failing = rows.filter((r) => r.class === "drift" || r.class === "retire").length;
    // Allow entries with no live rule: normal before the first `up`, a lockout risk after it.
    const missing = live.plan.allowSet
        .filter((e) => !live.plan.adoptions.has(e))
        .map((e) => ({ role: e.role, port: e.port, source: e.remoteIpPrefix }));
    if (values.json) {
        console.log(
            JSON.stringify(
                { stack: values.stack, group: live.group, rules: rows, missing },
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
        console.log(
            failing
                ? `${failing} rule(s) are drift or retire targets`
                : "tight: no drift, nothing to retire",
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
