// `npm run bench -- openstack`: HTTP requests and wall time of the rule listing, the audit's
// classification, the read-back gate and the retirement on groups of 10, 100 and 1000 rules,
// against the local cloud. Expected: listing, audit and gate cost one list request whatever the
// size (no pagination here); the retirement two lists plus one GET and one DELETE per target.
// The filler rules are made with Neutron's bulk create, 100 per request.
import { AllowEntry, deriveAllowSet } from "../../components/model/allowset";
import { readBack } from "../../components/apply/gate";
import {
    createSecurityGroup,
    deleteSecurityGroup,
    setSecurityGroupQuota,
} from "../localcloud/admin";
import {
    networkRequest,
    openSession,
    RequestCounts,
    Session,
} from "../../components/openstack/keystone";
import {
    createRule,
    entryRuleBody,
    listRules,
    RuleCreate,
} from "../../components/openstack/networking";
import { retireRules } from "../../components/apply/retirement";
import { classifyRules, ruleShape } from "../../components/model/rules";
import { ensureCloud } from "../localcloud/cloud";

const SIZES = [10, 100, 1000];
const REPEATS = 5;
const PROTECTED = [22, 6443];

const ENTRIES: AllowEntry[] = deriveAllowSet({
    protectedPorts: PROTECTED,
    apiPort: 6443,
    minPrefixLength: { IPv4: 16, IPv6: 48 },
    waivers: [],
    conductors: ["10.30.0.11", "10.30.0.12", "10.30.0.13"].map((source, i) => ({
        source,
        provenance: `magnum/${i}`,
    })),
    operator: { sources: [{ source: "198.51.100.7", provenance: "config" }], ports: PROTECTED },
    hairpin: { sources: [{ source: "10.20.0.0/24", provenance: "subnet" }], ports: [6443] },
});

interface Cost {
    requests: Partial<RequestCounts>;
    ms: number;
}

/** Runs `fn` and returns the requests it sent (by kind) and its wall time. */
async function measure(s: Session, fn: () => Promise<unknown>): Promise<Cost> {
    const before = { ...s.requests };
    const started = process.hrtime.bigint();
    await fn();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const requests: Partial<RequestCounts> = {};
    for (const key of Object.keys(before) as (keyof RequestCounts)[]) {
        if (s.requests[key] !== before[key]) {
            requests[key] = s.requests[key] - before[key];
        }
    }
    return { requests, ms: Math.round(ms * 10) / 10 };
}

/** The median wall time of `REPEATS` runs; the requests of one (they never vary). */
async function repeated(s: Session, fn: () => Promise<unknown>): Promise<Cost> {
    const runs: Cost[] = [];
    for (let i = 0; i < REPEATS; i++) {
        runs.push(await measure(s, fn));
    }
    const times = runs.map((r) => r.ms).sort((a, b) => a - b);
    return { requests: runs[0].requests, ms: times[Math.floor(times.length / 2)] };
}

function ingress(groupId: string, port: number, remote: string): RuleCreate {
    return {
        security_group_id: groupId,
        direction: "ingress",
        ethertype: remote.includes(":") ? "IPv6" : "IPv4",
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: remote,
    };
}

/** Creates filler rules 100 per request (Neutron's bulk create); setup only, not measured. */
async function createInBulk(s: Session, bodies: RuleCreate[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < bodies.length; i += 100) {
        const created = (await networkRequest(
            s,
            "POST",
            "/v2.0/security-group-rules",
            { security_group_rules: bodies.slice(i, i + 100) },
            [201],
        )) as { security_group_rules: { id: string }[] };
        ids.push(...created.security_group_rules.map((r) => r.id));
    }
    return ids;
}

/** Raises the project's rule quota through the Networking API when it is below `needed`. */
async function ensureQuota(admin: Session, projectId: string, needed: number): Promise<void> {
    const current = (await networkRequest(
        admin,
        "GET",
        `/v2.0/quotas/${projectId}`,
        undefined,
        [200],
    )) as { quota: { security_group_rule: number } };
    const limit = current.quota.security_group_rule;
    if (limit !== -1 && limit < needed) {
        await setSecurityGroupQuota(admin, projectId, { security_group_rule: needed });
    }
}

async function benchSize(s: Session, size: number) {
    const group = await createSecurityGroup(s, { name: `bench-openstack-${size}-${Date.now()}` });
    try {
        // 2 egress rules (Neutron's) + 2 wide + 6 tight + filler on unprotected ports.
        const setupStarted = Date.now();
        const wide = [
            await createRule(s, ingress(group.id, 22, "0.0.0.0/0")),
            await createRule(s, ingress(group.id, 6443, "0.0.0.0/0")),
        ];
        const ruleIds: string[] = [];
        for (const entry of ENTRIES) {
            ruleIds.push((await createRule(s, entryRuleBody(entry, group.id))).id);
        }
        const filler: RuleCreate[] = [];
        for (let i = (await listRules(s, group.id)).length; i < size; i++) {
            filler.push(ingress(group.id, 40000 + i, "192.0.2.0/24"));
        }
        const fillerIds = await createInBulk(s, filler);
        const rules = await listRules(s, group.id);
        const setupSeconds = (Date.now() - setupStarted) / 1000;

        const selectors = [{ remote: "0.0.0.0/0", ports: PROTECTED }];
        const inputs = { cloud: "", groupId: group.id, entries: ENTRIES, ruleIds };
        const listing = await repeated(s, () => listRules(s, group.id));
        const audit = await repeated(s, async () =>
            classifyRules(await listRules(s, group.id), ENTRIES, selectors, PROTECTED),
        );
        const gate = await repeated(s, () => readBack(s, inputs));
        // The wide rules and, where the group has them, 18 more: the cost per target shows.
        const retired = [...wide, ...rules.filter((r) => fillerIds.includes(r.id)).slice(0, 18)];
        const targets = retired.map((r) => ({ id: r.id, shape: ruleShape(r) }));
        const retirement = await measure(s, () => retireRules(s, group.id, ENTRIES, targets));
        return {
            rules: rules.length,
            setupSeconds,
            listing,
            audit,
            gate,
            retirement: { targets: targets.length, ...retirement },
        };
    } finally {
        await deleteSecurityGroup(s, group.id);
    }
}

export async function run(): Promise<object> {
    const cloud = await ensureCloud();
    const s = await openSession({ env: cloud.env });
    const admin = await openSession({ cloud: cloud.adminCloudName, env: cloud.env });
    await ensureQuota(admin, cloud.projectId, Math.max(...SIZES) + 100);
    const groups = [];
    for (const size of SIZES) {
        groups.push(await benchSize(s, size));
    }
    return {
        repeats: REPEATS,
        note: "ms: median wall time of the repeats (retirement: one run); requests: HTTP requests by kind",
        groups,
    };
}
