// Rehearsal scenarios (`rehearse --scenario <name>`): the seeded "before" state plus one exposure
// the retire selectors do not remove (a second group on the API's port, a protocol-0 rule, a port
// range), or a second group open to a bastion network, accepted through `acceptedExposure`. Each
// ends with the preview refusing before anything is deleted, or the update run and its residual
// exposure shown; then probes check the data plane against the model (./differential.ts).
import type { LocalCloud } from "../localcloud/cloud";
import { authenticate, networkCall, type Session as SeedSession } from "../localcloud/client";
import { SEED, type SeedResult } from "../localcloud/seed";
import type { ScenarioName } from "./scenario-names";

/** The second group the `second-group` and `accepted` scenarios attach to the API's port. */
export const SECOND_GROUP = "capi-scenario-sg";
export const ACCEPT_REASON =
    "rehearsal: the platform team's bastion network, reviewed and kept open on purpose";
/**
 * What the accepted group admits on 6443: half a documentation range, so the residual exposure
 * has addresses outside it (the tenant pod's among them) for the differential probes to sample.
 */
export const BASTION_CIDR = "198.51.100.128/25";

/**
 * IPv6 in every scenario, so the differential probes both families: the operator also sends from
 * this /128 (no stand-in holds it; probes do), the managed group admits ::/0 on both protected
 * ports as it does 0.0.0.0/0 (a retire target), and the accepted group a bastion /48.
 */
export const OPERATOR_V6 = "2001:db8:0:a::1/128";
export const BASTION_V6 = "2001:db8:ba5::/48";

export interface ScenarioSeed {
    name: ScenarioName;
    /** The rule the scenario added: the one a refusal must name. */
    ruleId: string;
    /** Every group on the API's port once seeded. */
    groupIds: string[];
    /** All but `accepted`: the preview must refuse. */
    expectRefusal: boolean;
}

/** The stack values the scenario runs with: `accepted` accepts the second group with a reason. */
export function scenarioValues(
    raw: Record<string, unknown>,
    name: ScenarioName | undefined,
): Record<string, unknown> {
    if (name === undefined) {
        return raw;
    }
    const operator = raw.operator as { cidrs: string[] };
    const values = { ...raw, operator: { ...operator, cidrs: [...operator.cidrs, OPERATOR_V6] } };
    if (name !== "accepted") {
        return values;
    }
    return { ...values, acceptedExposure: [{ group: SECOND_GROUP, reason: ACCEPT_REASON }] };
}

/** Adds the scenario's extra to the seeded "before" state (seedBefore resets it next run). */
export async function seedScenario(
    cloud: LocalCloud,
    seed: SeedResult,
    name: ScenarioName,
): Promise<ScenarioSeed> {
    const tenant = await authenticate(cloud, cloud.cloudName);
    const wide = { direction: "ingress", ethertype: "IPv4", remote_ip_prefix: SEED.wideCidr };
    const tcp = (port: number) => ({ protocol: "tcp", port_range_min: port, port_range_max: port });
    for (const port of [SEED.apiPort, SEED.sshPort]) {
        await createRule(tenant, {
            ...tcp(port),
            direction: "ingress",
            ethertype: "IPv6",
            remote_ip_prefix: "::/0",
            security_group_id: seed.securityGroupId,
        });
    }
    if (name === "protocol-zero" || name === "port-range") {
        const rule =
            name === "protocol-zero"
                ? { ...wide, protocol: "0" }
                : { ...wide, protocol: "tcp", port_range_min: 6000, port_range_max: 7000 };
        const ruleId = await createRule(tenant, {
            ...rule,
            security_group_id: seed.securityGroupId,
        });
        return { name, ruleId, groupIds: [seed.securityGroupId], expectRefusal: true };
    }
    const groupId = await emptyGroup(tenant, SECOND_GROUP);
    const ruleId = await createRule(tenant, {
        ...wide,
        ...(name === "accepted" ? { remote_ip_prefix: BASTION_CIDR } : {}),
        protocol: "tcp",
        port_range_min: SEED.apiPort,
        port_range_max: SEED.apiPort,
        security_group_id: groupId,
    });
    if (name === "accepted") {
        await createRule(tenant, {
            ...tcp(SEED.apiPort),
            direction: "ingress",
            ethertype: "IPv6",
            remote_ip_prefix: BASTION_V6,
            security_group_id: groupId,
        });
    }
    const groupIds = [seed.securityGroupId, groupId];
    await call(tenant, "PUT", `/v2.0/ports/${seed.portId}`, 200, {
        port: { security_groups: groupIds },
    });
    return { name, ruleId, groupIds, expectRefusal: name !== "accepted" };
}

/** The named group of the project, created if absent, with no ingress rule left. */
async function emptyGroup(session: SeedSession, name: string): Promise<string> {
    const query = new URLSearchParams({ name, project_id: session.projectId });
    const found = (await call(session, "GET", `/v2.0/security-groups?${query}`, 200)) as {
        security_groups: { id: string }[];
    };
    const groupId =
        found.security_groups[0]?.id ??
        (
            (await call(session, "POST", "/v2.0/security-groups", 201, {
                security_group: { name, description: "rehearsal scenario: a second group" },
            })) as { security_group: { id: string } }
        ).security_group.id;
    const rules = (await call(
        session,
        "GET",
        `/v2.0/security-group-rules?security_group_id=${groupId}`,
        200,
    )) as { security_group_rules: { id: string; direction: string }[] };
    for (const rule of rules.security_group_rules.filter((r) => r.direction === "ingress")) {
        await call(session, "DELETE", `/v2.0/security-group-rules/${rule.id}`, 204);
    }
    return groupId;
}

async function createRule(session: SeedSession, rule: Record<string, unknown>): Promise<string> {
    const created = (await call(session, "POST", "/v2.0/security-group-rules", 201, {
        security_group_rule: rule,
    })) as { security_group_rule: { id: string } };
    return created.security_group_rule.id;
}

async function call(
    session: SeedSession,
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    expected: number,
    body?: unknown,
): Promise<unknown> {
    const response = await networkCall(session, method, url, body);
    if (response.status !== expected) {
        throw new Error(
            `scenario seed: ${method} ${url}: expected ${expected}, got ${response.status} ` +
                JSON.stringify(response.body),
        );
    }
    return response.body;
}
