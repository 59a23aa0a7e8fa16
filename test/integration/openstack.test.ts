// The Networking client against the real local Keystone + neutron-server: both auth methods,
// CRUD and pagination, the two 409s, token refresh, retries through a neutron-server crash, and
// the lookups the program's preflight makes.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as YAML from "yaml";
import {
    createSecurityGroup,
    deleteSecurityGroup,
    setSecurityGroupQuota,
} from "../../tools/localcloud/admin";
import { isOpenStackError } from "../../components/openstack/http";
import { networkRequest, openSession, Session } from "../../components/openstack/keystone";
import {
    createRule,
    deleteRule,
    getRule,
    listRules,
    RuleCreate,
} from "../../components/openstack/networking";
import {
    findRouters,
    findSecurityGroups,
    findSubnets,
    portsGuardingAddress,
} from "../../components/openstack/resources";
import {
    cloudOrSkip,
    killNetworking,
    LocalCloud,
    startNetworking,
} from "../../tools/localcloud/cloud";
import { SEED, seedBefore } from "../../tools/localcloud/seed";
import { wide } from "../support/gate-bench";

const wideRule = (groupId: string, port: number, extra: Partial<RuleCreate> = {}): RuleCreate => ({
    ...wide(groupId, port),
    ...extra,
});

/** A Keystone call with the session's token (the client itself only speaks Networking). */
async function identityCall(
    cloud: LocalCloud,
    s: Session,
    method: string,
    path: string,
    body?: unknown,
): Promise<Record<string, Record<string, string>>> {
    const response = await fetch(`${cloud.authUrl}${path}`, {
        method,
        headers: { "X-Auth-Token": s.secret.token, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
        throw new Error(`keystone ${method} ${path}: expected 2xx, got ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : {};
}

describe("openstack client against the local cloud", function () {
    this.timeout(120000);
    let cloud: LocalCloud;
    let s: Session;
    let admin: Session;
    const cleanups: (() => Promise<unknown>)[] = [];

    before(async function () {
        cloud = await cloudOrSkip(this);
        s = await openSession({ env: cloud.env });
        admin = await openSession({ cloud: cloud.adminCloudName, env: cloud.env });
    });

    afterEach(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) {
            await cleanup();
        }
    });

    async function tempGroup(label: string): Promise<string> {
        const group = await createSecurityGroup(s, {
            name: `itest-client-${label}-${Date.now()}`,
        });
        cleanups.push(() => deleteSecurityGroup(s, group.id));
        return group.id;
    }

    it("authenticates from clouds.yaml and from the same values as OS_* variables", async () => {
        const entry = (
            YAML.parse(fs.readFileSync(cloud.cloudsYaml, "utf8")) as {
                clouds: Record<string, { auth: Record<string, string>; region_name: string }>;
            }
        ).clouds[cloud.cloudName];
        const fromEnv = await openSession({
            env: {
                OS_AUTH_URL: entry.auth.auth_url,
                OS_USERNAME: entry.auth.username,
                OS_PASSWORD: entry.auth.password,
                OS_PROJECT_NAME: entry.auth.project_name,
                OS_USER_DOMAIN_NAME: entry.auth.user_domain_name,
                OS_PROJECT_DOMAIN_NAME: entry.auth.project_domain_name,
                OS_REGION_NAME: entry.region_name,
            },
        });
        for (const session of [s, fromEnv]) {
            assert.equal(session.projectId, cloud.projectId);
            assert.equal(session.networkUrl, cloud.networkUrl);
            const groups = await findSecurityGroups(session, "default", cloud.projectId);
            assert.equal(groups.length, 1);
        }
    });

    it("authenticates with an application credential, by id and by name", async () => {
        const created = (
            await identityCall(cloud, s, "POST", `/users/${s.userId}/application_credentials`, {
                application_credential: { name: `itest-${Date.now()}` },
            })
        ).application_credential;
        cleanups.push(() =>
            identityCall(
                cloud,
                s,
                "DELETE",
                `/users/${s.userId}/application_credentials/${created.id}`,
            ),
        );
        const byId = await openSession({
            env: {
                OS_AUTH_TYPE: "v3applicationcredential",
                OS_AUTH_URL: cloud.authUrl,
                OS_APPLICATION_CREDENTIAL_ID: created.id,
                OS_APPLICATION_CREDENTIAL_SECRET: created.secret,
            },
        });
        const byName = await openSession({
            env: {
                OS_AUTH_TYPE: "v3applicationcredential",
                OS_AUTH_URL: cloud.authUrl,
                OS_APPLICATION_CREDENTIAL_NAME: created.name,
                OS_APPLICATION_CREDENTIAL_SECRET: created.secret,
                OS_USER_ID: s.userId,
            },
        });
        for (const session of [byId, byName]) {
            assert.equal(session.settings.method, "application_credential");
            assert.equal(session.projectId, cloud.projectId);
            assert.equal((await findSecurityGroups(session, "default")).length, 1);
        }
    });

    it("creates, reads, lists in pages and deletes rules", async () => {
        const groupId = await tempGroup("crud");
        const created: string[] = [];
        for (let port = 30001; port <= 30012; port++) {
            created.push(
                (
                    await createRule(
                        s,
                        wideRule(groupId, port, { remote_ip_prefix: "198.51.100.0/24" }),
                    )
                ).id,
            );
        }
        const before = s.requests.GET;
        const all = await listRules(s, groupId);
        assert.equal(s.requests.GET - before, 1, "an unpaged listing is one request");
        assert.equal(all.length, 14, "12 rules and the group's 2 egress rules");
        const paged = await listRules(s, groupId, { pageSize: 5 });
        assert.equal(s.requests.GET - before, 1 + 3, "14 rules in pages of 5 take 3 requests");
        assert.deepEqual(paged.map((r) => r.id).sort(), all.map((r) => r.id).sort());

        const one = await getRule(s, created[0]);
        assert.equal(one?.port_range_min, 30001);
        assert.equal(one?.remote_ip_prefix, "198.51.100.0/24");
        assert.equal(await deleteRule(s, created[0]), "deleted");
        assert.equal(await getRule(s, created[0]), null);
        assert.equal(await deleteRule(s, created[0]), "already-gone");
        assert.equal((await listRules(s, groupId)).length, 13);
    });

    it("tells a duplicate (whatever its description or empty prefix) from an over-quota create", async () => {
        const groupId = await tempGroup("dup");
        const first = await createRule(s, wideRule(groupId, 22, { description: "first" }));
        for (const duplicate of [
            wideRule(groupId, 22, { description: "another description" }),
            wideRule(groupId, 22, { remote_ip_prefix: null }),
        ]) {
            await assert.rejects(
                createRule(s, duplicate),
                (err: Error) =>
                    isOpenStackError(err, "RuleExistsError") && err.existingRuleId === first.id,
            );
        }
        assert.equal(
            (await listRules(s, groupId)).filter((r) => r.port_range_min === 22).length,
            1,
        );

        // A project of its own with a tight quota, so nobody else's creates are affected.
        const project = (
            await identityCall(cloud, admin, "POST", "/projects", {
                project: { name: `itest-quota-${Date.now()}`, domain_id: "default" },
            })
        ).project;
        cleanups.push(() => identityCall(cloud, admin, "DELETE", `/projects/${project.id}`));
        const group = await createSecurityGroup(admin, {
            name: "itest-quota",
            project_id: project.id,
        });
        cleanups.push(() =>
            networkRequest(admin, "DELETE", `/v2.0/quotas/${project.id}`, undefined, [204]),
        );
        cleanups.push(() => deleteSecurityGroup(admin, group.id));
        // Room for one more rule than the project has (its default group's rules count too).
        const used = (await networkRequest(
            admin,
            "GET",
            `/v2.0/security-group-rules?project_id=${project.id}&fields=id`,
            undefined,
            [200],
        )) as { security_group_rules: unknown[] };
        await setSecurityGroupQuota(admin, project.id, {
            security_group_rule: used.security_group_rules.length + 1,
        });
        await createRule(admin, wideRule(group.id, 22, { project_id: project.id }));
        await assert.rejects(
            createRule(admin, wideRule(group.id, 6443, { project_id: project.id })),
            (err: Error) =>
                isOpenStackError(err, "OverQuotaError") &&
                err.status === 409 &&
                !isOpenStackError(err, "RuleExistsError"),
        );
    });

    it("refreshes an expired token and re-authenticates when a token is refused", async () => {
        const session = await openSession({ env: cloud.env });
        const groupId = await tempGroup("token");
        session.expiresAt = Date.now() - 1000;
        await listRules(session, groupId);
        assert.equal(session.requests.identity, 2, "an expired token is replaced before use");

        const gets = session.requests.GET;
        session.secret.token = "gAAAAABrevoked-or-forged-token";
        assert.equal((await listRules(session, groupId)).length, 2);
        assert.equal(session.requests.identity, 3, "a refused token is replaced once");
        assert.equal(session.requests.GET - gets, 2, "the refused GET is sent once more");
    });

    it("retries a listing through a neutron-server crash and restart; sends a create once", async function () {
        this.timeout(180000);
        const groupId = await tempGroup("crash");
        const patient = await openSession({
            env: cloud.env,
            retry: { attempts: 60, baseDelayMs: 100, maxDelayMs: 1000 },
        });
        try {
            await killNetworking();
            // Refused on 127.0.0.1; on another loopback address the kernel may answer with a reset.
            // Either way no HTTP answer came, and the create must not be retried.
            await assert.rejects(
                createRule(patient, wideRule(groupId, 22)),
                new RegExp(
                    `POST /v2.0/security-group-rules on ${cloud.networkUrl.replace(/\./g, "\\.")}: expected an HTTP response, got (ECONNREFUSED|ECONNRESET)`,
                ),
            );
            assert.equal(patient.requests.POST, 1);
            const listing = listRules(patient, groupId);
            await startNetworking();
            assert.equal((await listing).length, 2);
            assert.ok(patient.requests.GET > 1, "the listing was retried");
        } finally {
            await startNetworking();
        }
    });

    it("finds what the preflight needs: group, subnet, router gateway, the API's port", async () => {
        const seed = await seedBefore(cloud);
        const groups = await findSecurityGroups(s, SEED.securityGroup, cloud.projectId);
        assert.deepEqual(
            groups.map((g) => g.id),
            [seed.securityGroupId],
        );
        assert.deepEqual(await findSecurityGroups(s, seed.securityGroupId), groups);
        const subnets = await findSubnets(s, SEED.subnet);
        assert.deepEqual(
            subnets.map((n) => [n.id, n.cidr]),
            [[seed.subnetId, seed.subnetCidr]],
        );
        const routers = await findRouters(s, SEED.router);
        assert.deepEqual(routers, [
            { id: seed.routerId, name: SEED.router, gatewayIps: [seed.routerGatewayIp] },
        ]);
        assert.deepEqual(await findRouters(s, seed.routerId), routers);

        const viaFloating = await portsGuardingAddress(s, seed.floatingIp);
        assert.deepEqual(
            viaFloating.map((p) => [p.portId, p.via, p.floatingIpId, p.securityGroups]),
            [[seed.portId, "floating-ip", seed.floatingIpId, [seed.securityGroupId]]],
        );
        const viaFixed = await portsGuardingAddress(s, seed.portIp);
        assert.deepEqual(
            viaFixed.map((p) => [p.portId, p.via, p.fixedIps]),
            [[seed.portId, "fixed-ip", [seed.portIp]]],
        );
        assert.deepEqual(await portsGuardingAddress(s, "192.0.2.254"), []);
    });
});
