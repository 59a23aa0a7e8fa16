// The client's sessions against a replaying Keystone on 127.0.0.1: tokens reused, refreshed and
// re-issued on 401, both auth methods, and the network endpoint picked from the catalog.
// The real Keystone and Neutron are exercised in test/integration/openstack.test.ts.
import { strict as assert } from "node:assert";
import * as util from "node:util";
import { isOpenStackError } from "../../components/openstack/http";
import { openSession } from "../../components/openstack/keystone";
import { createRule, listRules } from "../../components/openstack/networking";
import {
    APP_SECRET,
    envFor,
    FAST_RETRY,
    useFakeCloud,
    PASSWORD,
    rule,
    SSH_RULE,
} from "../support/fake-openstack";

describe("openstack: sessions", () => {
    const startCloud = useFakeCloud();

    it("authenticates once, reuses the token, and never shows secrets", async () => {
        const cloud = await startCloud(() => ({ status: 200, body: { security_group_rules: [] } }));
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await listRules(s, "group-1");
        await listRules(s, "group-1");
        assert.equal(cloud.tokensIssued(), 1);
        assert.deepEqual(
            cloud.network().map((e) => e.token),
            ["token-1", "token-1"],
        );
        assert.equal(s.networkUrl, cloud.base);
        assert.equal(s.projectId, "project-1");
        const auth = JSON.parse(cloud.log[0].body) as {
            auth: { identity: { password: { user: Record<string, unknown> } }; scope: unknown };
        };
        assert.deepEqual(auth.auth.identity.password.user, {
            name: "operator",
            domain: { name: "Default" },
            password: PASSWORD,
        });
        assert.deepEqual(auth.auth.scope, {
            project: { name: "tenant", domain: { name: "Default" } },
        });
        for (const shown of [JSON.stringify(s), util.inspect(s, { depth: 10 })]) {
            assert.ok(!shown.includes(PASSWORD), "password shown");
            assert.ok(!shown.includes("token-1"), "token shown");
        }
    });

    it("sends an application credential without a scope", async () => {
        const cloud = await startCloud(() => ({ status: 200, body: { security_group_rules: [] } }));
        await openSession({
            env: {
                OS_AUTH_TYPE: "v3applicationcredential",
                OS_AUTH_URL: cloud.base,
                OS_APPLICATION_CREDENTIAL_ID: "cred-1",
                OS_APPLICATION_CREDENTIAL_SECRET: APP_SECRET,
            },
        });
        assert.deepEqual(JSON.parse(cloud.log[0].body), {
            auth: {
                identity: {
                    methods: ["application_credential"],
                    application_credential: { id: "cred-1", secret: APP_SECRET },
                },
            },
        });
    });

    it("refreshes a token about to expire before using it", async () => {
        const cloud = await startCloud(
            () => ({ status: 200, body: { security_group_rules: [] } }),
            {
                expiresInMs: 30_000,
            },
        );
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await listRules(s, "group-1");
        assert.equal(cloud.tokensIssued(), 2);
        assert.equal(cloud.network()[0].token, "token-2");
        assert.equal(s.requests.identity, 2);
    });

    it("re-authenticates once on 401 and sends the request again, a create included", async () => {
        const cloud = await startCloud((req) =>
            req.token === "token-1"
                ? { status: 401, body: { error: { title: "Unauthorized" } } }
                : { status: 201, body: { security_group_rule: rule("rule-new") } },
        );
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        const created = await createRule(s, SSH_RULE);
        assert.equal(created.id, "rule-new");
        assert.deepEqual(
            cloud.network().map((e) => `${e.method} ${e.token}`),
            ["POST token-1", "POST token-2"],
        );
    });

    it("fails after one re-authentication when the new token is refused too", async () => {
        const cloud = await startCloud(() => ({
            status: 401,
            body: { error: { title: "Unauthorized" } },
        }));
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await assert.rejects(
            listRules(s, "group-1"),
            (err: Error) =>
                isOpenStackError(err, "OpenStackHttpError") &&
                err.status === 401 &&
                err.message.includes("the OS_* environment") &&
                !err.message.includes(PASSWORD),
        );
        assert.equal(cloud.tokensIssued(), 2);
        assert.equal(cloud.network().length, 2);
    });

    it("reports refused credentials with their source and without the password", async () => {
        const cloud = await startCloud(() => ({ status: 500 }), { tokenStatus: () => 401 });
        await assert.rejects(
            openSession({ env: envFor(cloud.base), retry: FAST_RETRY }),
            (err: Error) =>
                /POST \/v3\/auth\/tokens .*expected 201, got 401/.test(err.message) &&
                err.message.includes("the OS_* environment") &&
                !err.message.includes(PASSWORD),
        );
    });

    it("picks the endpoint by interface and region and refuses an ambiguous catalog", async () => {
        const endpoint = (iface: string, region: string, url: string) => ({
            interface: iface,
            region_id: region,
            url,
        });
        const catalog = [
            {
                type: "network",
                endpoints: [
                    endpoint("public", "RegionOne", "http://one.example:9696/v2.0/"),
                    endpoint("internal", "RegionOne", "http://one.internal:9696"),
                    endpoint("public", "RegionTwo", "http://two.example:9696"),
                ],
            },
            { type: "identity", endpoints: [endpoint("public", "RegionOne", "http://id")] },
        ];
        const cloud = await startCloud(() => ({ status: 200 }), { catalog });
        const s = await openSession({
            env: { ...envFor(cloud.base), OS_REGION_NAME: "RegionOne" },
        });
        assert.equal(s.networkUrl, "http://one.example:9696");
        const internal = await openSession({
            env: { ...envFor(cloud.base), OS_REGION_NAME: "RegionOne", OS_INTERFACE: "internal" },
        });
        assert.equal(internal.networkUrl, "http://one.internal:9696");
        await assert.rejects(
            openSession({ env: envFor(cloud.base) }),
            /has 2 network endpoints with interface public: .*set region_name \(OS_REGION_NAME\)/,
        );
        await assert.rejects(
            openSession({ env: { ...envFor(cloud.base), OS_REGION_NAME: "RegionNine" } }),
            /no network endpoint with interface public in region RegionNine; it has: network\/public\/RegionOne/,
        );
    });

    it("a token body that does not fit: the request, the field and its type, no list", async () => {
        const catalog = [{ type: 7, endpoints: [{ interface: "public", url: PASSWORD }] }];
        const cloud = await startCloud(() => ({ status: 200 }), { catalog });
        await assert.rejects(openSession({ env: envFor(cloud.base) }), (err: Error) => {
            assert.equal(
                err.message,
                `POST /v3/auth/tokens on ${cloud.base} (the OS_* environment): expected a token ` +
                    "body (expiry, user, catalog); the answer differs at token.catalog[0].type: " +
                    "expected string, got an integer",
            );
            return true;
        });
    });
});
