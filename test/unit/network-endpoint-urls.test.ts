// Networking API requests joined to the catalog's network endpoint with the URL API: a path prefix
// keeps its place, an endpoint's query is kept (before the request's own parameters) instead of
// having the request's path glued after it, and a next link's echo of that query is not doubled.
import { strict as assert } from "node:assert";
import { networkRequestUrl, openSession } from "../../components/openstack/keystone";
import { getRule, listRules } from "../../components/openstack/networking";
import { envFor, FAST_RETRY, rule, useFakeCloud } from "../support/fake-openstack";

describe("openstack: network endpoint URLs", () => {
    const startCloud = useFakeCloud();

    /** A fake cloud whose catalog's network endpoint is `base` + `suffix`. */
    async function cloudAt(suffix: string, pages: Record<string, unknown>[]) {
        const catalog: unknown[] = [];
        const cloud = await startCloud((_req, n) => ({ status: 200, body: pages[n - 1] }), {
            catalog,
        });
        catalog.push({
            type: "network",
            endpoints: [{ interface: "public", url: `${cloud.base}${suffix}` }],
        });
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        return { cloud, s };
    }

    it("an endpoint with a path prefix: the request's path after it", async () => {
        const { cloud, s } = await cloudAt("/networking/v2.0/", [
            { security_group_rules: [rule("a")] },
            { security_group_rule: rule("a") },
        ]);
        assert.equal(s.networkUrl, `${cloud.base}/networking`);
        await listRules(s, "group-1");
        await getRule(s, "a");
        assert.deepEqual(
            cloud.network().map((e) => e.url),
            [
                "/networking/v2.0/security-group-rules?security_group_id=group-1",
                "/networking/v2.0/security-group-rules/a",
            ],
        );
    });

    it("an endpoint with a query: kept, the request's parameters after it, once per page", async () => {
        const { cloud, s } = await cloudAt("/net/v2.0?project_hint=p1&sig=abc", [
            {
                security_group_rules: [rule("a")],
                security_group_rules_links: [
                    {
                        rel: "next",
                        // Neutron echoes every parameter of the request, the endpoint's too.
                        href: "http://neutron.internal/net/v2.0/security-group-rules?project_hint=p1&sig=abc&security_group_id=group-1&limit=1&marker=a",
                    },
                ],
            },
            { security_group_rules: [rule("b")] },
            { security_group_rule: rule("b") },
        ]);
        assert.equal(s.networkUrl, `${cloud.base}/net?project_hint=p1&sig=abc`);
        const rules = await listRules(s, "group-1", { pageSize: 1 });
        assert.deepEqual(
            rules.map((r) => r.id),
            ["a", "b"],
        );
        await getRule(s, "b");
        assert.deepEqual(
            cloud.network().map((e) => e.url),
            [
                "/net/v2.0/security-group-rules?project_hint=p1&sig=abc&security_group_id=group-1&limit=1",
                "/net/v2.0/security-group-rules?project_hint=p1&sig=abc&security_group_id=group-1&limit=1&marker=a",
                "/net/v2.0/security-group-rules/b?project_hint=p1&sig=abc",
            ],
        );
    });

    it("networkRequestUrl: prefix, query and fragment", () => {
        const cases: [string, string, string][] = [
            ["http://h:9696", "/v2.0/ports", "http://h:9696/v2.0/ports"],
            ["http://h:9696/", "/v2.0/ports?a=1", "http://h:9696/v2.0/ports?a=1"],
            ["https://h/net/", "/v2.0/ports?a=1&a=2", "https://h/net/v2.0/ports?a=1&a=2"],
            ["https://h/net?x=1", "/v2.0/ports?a=1", "https://h/net/v2.0/ports?x=1&a=1"],
            ["https://h/net?x=1#f", "/v2.0/ports", "https://h/net/v2.0/ports?x=1"],
            [
                "http://h/n",
                "/v2.0/security-group-rules/a%2Fb",
                "http://h/n/v2.0/security-group-rules/a%2Fb",
            ],
        ];
        for (const [endpoint, path, expected] of cases) {
            assert.equal(networkRequestUrl(endpoint, path), expected, `${endpoint} + ${path}`);
        }
    });
});
