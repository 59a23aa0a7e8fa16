import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as ipaddr from "ipaddr.js";
import {
    cloudAvailable,
    ensureCloud,
    killNetworking,
    startNetworking,
    type LocalCloud,
} from "../../tools/localcloud/cloud";
import { authenticate, networkCall, type Session } from "../../tools/localcloud/client";
import { SEED, seedBefore, type SeedResult } from "../../tools/localcloud/seed";

function inRange(address: string, cidr: string): boolean {
    return ipaddr.parse(address).match(ipaddr.parseCIDR(cidr));
}

function neutronErrorType(body: unknown): string | undefined {
    return (body as { NeutronError?: { type?: string } } | undefined)?.NeutronError?.type;
}

describe("local cloud (Keystone + neutron-server on loopback)", function () {
    this.timeout(180_000);
    let cloud: LocalCloud;
    let tenant: Session;
    let admin: Session;
    let seed: SeedResult;

    before(async function () {
        const available = cloudAvailable();
        if (!available.ok) {
            if (process.env.CI) {
                throw new Error(available.reason);
            }
            this.skip();
        }
        cloud = await ensureCloud();
        [tenant, admin] = await Promise.all([
            authenticate(cloud, cloud.cloudName),
            authenticate(cloud, cloud.adminCloudName),
        ]);
    });

    it("returns the same handles at once when already running", async () => {
        assert.deepEqual(await ensureCloud(), cloud);
    });

    it("authenticates the tenant in its own project and writes private client files", () => {
        assert.equal(tenant.projectId, cloud.projectId);
        assert.notEqual(admin.projectId, cloud.projectId);
        assert.deepEqual(cloud.env, {
            OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml,
            OS_CLOUD: cloud.cloudName,
        });
        assert.equal(fs.statSync(cloud.cloudsYaml).mode & 0o077, 0);
    });

    it("has no rule quota limit in the tenant project", async () => {
        const response = await networkCall(admin, "GET", `/v2.0/quotas/${cloud.projectId}`);
        assert.equal(response.status, 200);
        const quota = (response.body as { quota: Record<string, number> }).quota;
        assert.equal(quota.security_group_rule, -1);
        assert.equal(quota.security_group, -1);
    });

    it("seeds the before state idempotently", async () => {
        seed = await seedBefore(cloud);
        assert.deepEqual(await seedBefore(cloud), seed);
        assert.equal(seed.projectId, cloud.projectId);
        assert.equal(seed.subnetCidr, SEED.subnetCidr);
        assert.equal(seed.portIp, SEED.portIp);
        assert.ok(inRange(seed.routerGatewayIp, SEED.publicCidr), seed.routerGatewayIp);
        assert.equal(seed.floatingIp, SEED.floatingIp);
    });

    it("guards the port with the group, whose wide rules and default egress are in place", async () => {
        const rules = await networkCall(
            tenant,
            "GET",
            `/v2.0/security-group-rules?security_group_id=${seed.securityGroupId}`,
        );
        assert.equal(rules.status, 200);
        const list = (rules.body as { security_group_rules: Record<string, unknown>[] })
            .security_group_rules;
        const ingress = list
            .filter((rule) => rule.direction === "ingress")
            .map((rule) => [rule.id, rule.protocol, rule.port_range_min, rule.remote_ip_prefix]);
        assert.deepEqual(
            ingress.sort((a, b) => Number(a[2]) - Number(b[2])),
            [
                [seed.wideRuleIds.ssh, "tcp", 22, "0.0.0.0/0"],
                [seed.wideRuleIds.api, "tcp", 6443, "0.0.0.0/0"],
            ],
        );
        assert.deepEqual(
            list
                .filter((rule) => rule.direction === "egress")
                .map((r) => r.ethertype)
                .sort(),
            ["IPv4", "IPv6"],
        );

        const port = await networkCall(tenant, "GET", `/v2.0/ports/${seed.portId}`);
        assert.deepEqual(
            (port.body as { port: { security_groups: string[] } }).port.security_groups,
            [seed.securityGroupId],
        );
        const floating = await networkCall(tenant, "GET", `/v2.0/floatingips/${seed.floatingIpId}`);
        const fip = (floating.body as { floatingip: Record<string, unknown> }).floatingip;
        assert.equal(fip.port_id, seed.portId);
        assert.equal(fip.fixed_ip_address, SEED.portIp);
        assert.equal(fip.router_id, seed.routerId);
    });

    it("answers a duplicate rule, even with another description, with 409 SecurityGroupRuleExists", async () => {
        const rule = {
            security_group_id: seed.securityGroupId,
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            port_range_min: SEED.apiPort,
            port_range_max: SEED.apiPort,
        };
        for (const variant of [
            { remote_ip_prefix: "0.0.0.0/0" },
            { remote_ip_prefix: "0.0.0.0/0", description: "another description" },
            {},
        ]) {
            const response = await networkCall(tenant, "POST", "/v2.0/security-group-rules", {
                security_group_rule: { ...rule, ...variant },
            });
            assert.equal(response.status, 409, JSON.stringify(variant));
            assert.equal(neutronErrorType(response.body), "SecurityGroupRuleExists");
        }
    });

    it("lets a member create and delete rules of its own group", async () => {
        const created = await networkCall(tenant, "POST", "/v2.0/security-group-rules", {
            security_group_rule: {
                security_group_id: seed.securityGroupId,
                direction: "ingress",
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: SEED.apiPort,
                port_range_max: SEED.apiPort,
                remote_ip_prefix: "198.51.100.7/32",
            },
        });
        assert.equal(created.status, 201);
        const id = (created.body as { security_group_rule: { id: string } }).security_group_rule.id;
        const deleted = await networkCall(tenant, "DELETE", `/v2.0/security-group-rules/${id}`);
        assert.equal(deleted.status, 204);
    });

    it("survives a killed neutron-server: down while killed, same data after start", async () => {
        await killNetworking();
        await assert.rejects(fetch(`${cloud.networkUrl}/`));
        await startNetworking();
        const group = await networkCall(
            tenant,
            "GET",
            `/v2.0/security-groups/${seed.securityGroupId}`,
        );
        assert.equal(group.status, 200);
    });

    it("restarts only the missing service, on the current data, when half running", async () => {
        await killNetworking();
        assert.deepEqual(await ensureCloud(), cloud);
        assert.deepEqual(await seedBefore(cloud), seed);
    });
});
