// `npm run bench -- exposure`: requests and CPU time of the effective exposure for 10 groups of
// 1000 rules of mixed forms (single ports, ranges, protocol "0", any protocol, udp, IPv6, remote
// groups, address groups) against the local cloud. Target: every group's rules in at most 2 list
// requests, plus one request per referenced remote group or address group; the model under 100 ms
// CPU. Rules are made with Neutron's bulk create, 50 per request (setup, not measured; a batch
// whose connection fails is counted and resent only when none of it landed).
import { discoverExposure } from "../../components/discover/exposure";
import { computeExposure } from "../../components/model/exposure";
import {
    createSecurityGroup,
    deleteSecurityGroup,
    setSecurityGroupQuota,
} from "../localcloud/admin";
import { networkRequest, openSession, Session } from "../../components/openstack/keystone";
import { RuleCreate } from "../../components/openstack/networking";
import {
    addressGroupAddresses,
    groupNames,
    listRulesOfGroups,
    remoteGroupAddresses,
} from "../../components/openstack/exposure-lookups";
import { ensureCloud } from "../localcloud/cloud";
import { mainThreadCpuMs } from "./thread-cpu";

const GROUPS = 10;
// BENCH_RULES_PER_GROUP lowers the size where setting up 10 000 rules takes too long.
const RULES_PER_GROUP = Number(process.env.BENCH_RULES_PER_GROUP ?? 1000);
const REMOTE_GROUPS = 3;
const ADDRESS_GROUPS = 2;

/** The i-th rule of a group: one of eight forms, each key unique within the group. */
function ruleForm(
    groupId: string,
    i: number,
    remotes: string[],
    addressGroups: string[],
): RuleCreate & { remote_group_id?: string; remote_address_group_id?: string } {
    const base = { security_group_id: groupId, direction: "ingress" as const };
    const v4 = `10.${(i >> 8) & 255}.${i & 255}.0/24`;
    switch (i % 8) {
        case 0:
            return {
                ...base,
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: 6443,
                port_range_max: 6443,
                remote_ip_prefix: v4,
            };
        case 1:
            return {
                ...base,
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: 6000,
                port_range_max: 7000,
                remote_ip_prefix: v4,
            };
        case 2:
            return {
                ...base,
                ethertype: "IPv4",
                protocol: "0",
                port_range_min: null,
                port_range_max: null,
                remote_ip_prefix: v4,
            };
        case 3:
            return {
                ...base,
                ethertype: "IPv4",
                protocol: null,
                port_range_min: null,
                port_range_max: null,
                remote_ip_prefix: v4,
            };
        case 4:
            return {
                ...base,
                ethertype: "IPv4",
                protocol: "udp",
                port_range_min: 22,
                port_range_max: 22,
                remote_ip_prefix: v4,
            };
        case 5:
            return {
                ...base,
                ethertype: "IPv6",
                protocol: "tcp",
                port_range_min: 22,
                port_range_max: 22,
                remote_ip_prefix: `2001:db8:${i.toString(16)}::/48`,
            };
        case 6:
            return {
                ...base,
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: 10000 + i,
                port_range_max: 10000 + i,
                remote_ip_prefix: null,
                remote_group_id: remotes[(i >> 3) % remotes.length],
            };
        default:
            return {
                ...base,
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: 20000 + i,
                port_range_max: 20000 + i,
                remote_ip_prefix: null,
                remote_address_group_id: addressGroups[(i >> 3) % addressGroups.length],
            };
    }
}

const BULK = 50;

/**
 * Creates a group's rules 50 at a time. A bulk create is one transaction in Neutron (all rules or
 * none) but not safe to resend blindly: after a failure (a reset connection under load) the
 * group's rules are counted, and the batch is sent again only if none of it landed.
 */
async function createInBulk(s: Session, groupId: string, bodies: RuleCreate[]): Promise<number> {
    let retried = 0;
    // Neutron's two default egress rules are there from the start.
    const count = async () =>
        (
            (await networkRequest(
                s,
                "GET",
                `/v2.0/security-group-rules?security_group_id=${groupId}&fields=id`,
                undefined,
                [200],
            )) as { security_group_rules: unknown[] }
        ).security_group_rules.length - 2;
    for (let i = 0; i < bodies.length; i += BULK) {
        const batch = bodies.slice(i, i + BULK);
        for (let attempt = 1; ; attempt++) {
            try {
                await networkRequest(
                    s,
                    "POST",
                    "/v2.0/security-group-rules",
                    { security_group_rules: batch },
                    [201],
                );
                break;
            } catch (err) {
                const landed = await count();
                if (landed === i + batch.length) break;
                if (landed !== i || attempt >= 4) {
                    throw new Error(
                        `bench setup: group ${groupId} holds ${landed} created rules, expected ` +
                            `${i} or ${i + batch.length} after a failed bulk create ` +
                            `(attempt ${attempt}): ${err instanceof Error ? err.message : err}`,
                    );
                }
                retried++;
                await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
            }
        }
    }
    return retried;
}

export async function run(): Promise<object> {
    const cloud = await ensureCloud();
    const s = await openSession({ env: cloud.env });
    const admin = await openSession({ cloud: cloud.adminCloudName, env: cloud.env });
    await setSecurityGroupQuota(admin, cloud.projectId, {
        security_group: -1,
        security_group_rule: -1,
    });
    const stamp = Date.now().toString(36);
    const made: string[] = [];
    const addressGroups: string[] = [];
    try {
        const setupStarted = Date.now();
        const groups: string[] = [];
        for (let g = 0; g < GROUPS; g++) {
            groups.push(
                (await createSecurityGroup(s, { name: `bench-exposure-${stamp}-${g}` })).id,
            );
            made.push(groups[g]);
        }
        for (let a = 0; a < ADDRESS_GROUPS; a++) {
            const created = (await networkRequest(
                s,
                "POST",
                "/v2.0/address-groups",
                {
                    address_group: {
                        name: `bench-exposure-${stamp}-ag${a}`,
                        addresses: [`192.0.2.${a * 16}/28`, `2001:db8:ffff:${a}::/64`],
                    },
                },
                [201],
            )) as { address_group: { id: string } };
            addressGroups.push(created.address_group.id);
        }
        const remotes = groups.slice(0, REMOTE_GROUPS);
        let retriedBatches = 0;
        for (const [g, groupId] of groups.entries()) {
            // Neutron's own two egress rules count toward the group's 1000.
            const bodies = Array.from({ length: RULES_PER_GROUP - 2 }, (_, i) =>
                ruleForm(groupId, i, remotes, addressGroups),
            );
            process.stderr.write(`bench exposure: rules of group ${g + 1}/${GROUPS}\n`);
            retriedBatches += await createInBulk(s, groupId, bodies);
        }
        const setupSeconds = Math.round((Date.now() - setupStarted) / 1000);

        const lookups = {
            rulesOfGroups: (ids: string[]) => listRulesOfGroups(s, ids),
            groupNames: (ids: string[]) => groupNames(s, ids),
            remoteGroupAddresses: (id: string) => remoteGroupAddresses(s, id),
            addressGroupAddresses: (id: string) => addressGroupAddresses(s, id),
        };
        const before = { ...s.requests };
        const wallStarted = performance.now();
        const found = await discoverExposure(lookups, [
            { portSecurityEnabled: true, securityGroupIds: groups },
        ]);
        const lookupMs = Math.round(performance.now() - wallStarted);
        const requests = s.requests.GET - before.GET;
        const cpu = process.cpuUsage();
        const mainThread = mainThreadCpuMs();
        const exposure = computeExposure({
            rules: found.rules,
            remotes: found.remotes,
            protectedPorts: [6443, 22],
            portSecurity: true,
        });
        const used = process.cpuUsage(cpu);
        const mainThreadUsed = mainThread === null ? null : mainThreadCpuMs()! - mainThread;
        return {
            groups: GROUPS,
            rules: found.rules.length,
            remoteGroups: found.remotes.groups.size,
            addressGroups: found.remotes.addressGroups.size,
            setupSeconds,
            setupRetriedBatches: retriedBatches,
            requests: {
                GET: requests,
                target: 2 + found.remotes.groups.size + found.remotes.addressGroups.size,
            },
            lookupWallMs: lookupMs,
            modelCpuMs: Math.round((used.user + used.system) / 100) / 10,
            // Of which on the main thread; the rest is V8 compiling the model on other threads.
            modelMainThreadCpuMs:
                mainThreadUsed === null ? null : Math.round(mainThreadUsed * 10) / 10,
            // Judged as exposure-model judges it: the model's own thread, whole process if unread.
            modelTarget: {
                cpuMs: 100,
                met: (mainThreadUsed ?? (used.user + used.system) / 1000) < 100,
            },
            parts: Object.fromEntries(
                exposure.ports.map((p) => [`${p.port}/${p.ethertype}`, p.parts.length]),
            ),
        };
    } finally {
        for (const id of made) {
            await deleteSecurityGroup(s, id).catch(() => undefined);
        }
        for (const id of addressGroups) {
            await networkRequest(
                s,
                "DELETE",
                `/v2.0/address-groups/${id}`,
                undefined,
                [204, 404],
            ).catch(() => undefined);
        }
    }
}
