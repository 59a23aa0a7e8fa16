// The client's requests against a replaying Neutron on 127.0.0.1: pagination, error typing,
// retry safety, and error kinds that survive serialization into a dynamic provider.
import { strict as assert } from "node:assert";
import { isOpenStackError } from "../../components/openstack/http";
import { openSession, Session } from "../../components/openstack/keystone";
import { createRule, deleteRule, getRule, listRules } from "../../components/openstack/networking";
import { envFor, FAST_RETRY, useFakeCloud, Reply, rule, SSH_RULE } from "../support/fake-openstack";
import { ProviderProcess, serializeProvider } from "../../tools/rehearsal/provider-host";

describe("openstack: requests", () => {
    const startCloud = useFakeCloud();

    it("follows next links, taking only their query (the host is Neutron's view)", async () => {
        const pages: Record<string, unknown> = {
            "": {
                security_group_rules: [rule("a"), rule("b")],
                security_group_rules_links: [
                    {
                        rel: "next",
                        href: "http://neutron.internal:9696/v2.0/security-group-rules?security_group_id=group-1&limit=2&marker=b",
                    },
                ],
            },
            b: {
                security_group_rules: [rule("c")],
                security_group_rules_links: [
                    {
                        rel: "previous",
                        href: "http://x/v2.0/security-group-rules?marker=c&page_reverse=True",
                    },
                ],
            },
        };
        const cloud = await startCloud((req) => {
            const marker = new URL(req.url, "http://x").searchParams.get("marker") ?? "";
            return { status: 200, body: pages[marker] };
        });
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        const rules = await listRules(s, "group-1", { pageSize: 2 });
        assert.deepEqual(
            rules.map((r) => r.id),
            ["a", "b", "c"],
        );
        assert.deepEqual(
            cloud.network().map((e) => e.url),
            [
                "/v2.0/security-group-rules?security_group_id=group-1&limit=2",
                "/v2.0/security-group-rules?security_group_id=group-1&limit=2&marker=b",
            ],
        );
        assert.equal(s.requests.GET, 2);
    });

    it("refuses a listing that holds another group's rule", async () => {
        const cloud = await startCloud(() => ({
            status: 200,
            body: { security_group_rules: [rule("a"), rule("z", "group-2")] },
        }));
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await assert.rejects(
            listRules(s, "group-1"),
            /expected only rules of group group-1, got rule z of group group-2/,
        );
    });

    it("keeps an odd rule, open and marked unreadable, and reads normalized_cidr", async () => {
        const odd = { ...rule("odd"), ethertype: "ipv4", port_range_min: "22" };
        const hostBits = {
            ...rule("h"),
            remote_ip_prefix: "198.51.100.9/24",
            normalized_cidr: "198.51.100.0/24",
        };
        const cloud = await startCloud(() => ({
            status: 200,
            body: { security_group_rules: [rule("a"), odd, hostBits] },
        }));
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        const [a, read, h] = await listRules(s, "group-1");
        assert.equal(a.unreadable, undefined);
        assert.equal(h.normalized_cidr, "198.51.100.0/24");
        assert.deepEqual(
            [read.id, read.direction, read.protocol, read.port_range_min, read.remote_ip_prefix],
            ["odd", "ingress", null, null, null],
        );
        assert.equal(read.unreadable, 'ethertype "ipv4"; port_range_min "22"');
    });

    it("tells the two 409s apart and keeps the existing rule's id", async () => {
        const conflict = (type: string, message: string): Reply => ({
            status: 409,
            body: { NeutronError: { type, message, detail: "" } },
        });
        let next: Reply = conflict(
            "SecurityGroupRuleExists",
            "Security group rule already exists. Rule id is 6f1f0d3c-5a7e-4c1e-9d0b-2b7c0f1e9a11.",
        );
        const cloud = await startCloud(() => next);
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        const body = {
            security_group_id: "group-1",
            direction: "ingress" as const,
            ethertype: "IPv4" as const,
            protocol: "tcp",
            port_range_min: 22,
            port_range_max: 22,
            remote_ip_prefix: "0.0.0.0/0",
        };
        await assert.rejects(
            createRule(s, body),
            (err: Error) =>
                isOpenStackError(err, "RuleExistsError") &&
                err.existingRuleId === "6f1f0d3c-5a7e-4c1e-9d0b-2b7c0f1e9a11" &&
                err.type === "SecurityGroupRuleExists" &&
                err.method === "POST" &&
                err.path === "/v2.0/security-group-rules",
        );
        next = conflict("OverQuota", "Quota exceeded for resources: ['security_group_rule'].");
        await assert.rejects(
            createRule(s, body),
            (err: Error) =>
                isOpenStackError(err, "OverQuotaError") &&
                !isOpenStackError(err, "RuleExistsError") &&
                /expected 201, got 409 OverQuota: Quota exceeded/.test(err.message),
        );
        assert.equal(s.requests.POST, 2, "a 409 create is never sent again");
    });

    it("treats 404 as absent on read and as done on delete", async () => {
        const cloud = await startCloud(() => ({
            status: 404,
            body: { NeutronError: { type: "SecurityGroupRuleNotFound", message: "not found" } },
        }));
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        assert.equal(await getRule(s, "gone"), null);
        assert.equal(await deleteRule(s, "gone"), "already-gone");
    });

    it("retries a GET through resets and 503s, with a bound", async () => {
        let cloud = await startCloud((_req, n) =>
            n === 1
                ? "reset"
                : n === 2
                  ? { status: 503 }
                  : { status: 200, body: { security_group_rules: [rule("a")] } },
        );
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        assert.equal((await listRules(s, "group-1")).length, 1);
        assert.equal(s.requests.GET, 3);

        await cloud.close();
        cloud = await startCloud(() => ({ status: 503 }));
        const failing = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await assert.rejects(
            listRules(failing, "group-1"),
            /GET \/v2.0\/security-group-rules\?security_group_id=group-1 on .*: expected 200, got 503/,
        );
        assert.equal(failing.requests.GET, FAST_RETRY.attempts);
    });

    it("sends a create once, whatever fails", async () => {
        const cloud = await startCloud(() => "reset");
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await assert.rejects(
            createRule(s, SSH_RULE),
            /POST \/v2.0\/security-group-rules on .*: expected an HTTP response, got ECONNRESET/,
        );
        assert.equal(cloud.network().length, 1);
        assert.equal(s.requests.POST, 1);
    });

    it("a DELETE retried after a reset that finds the rule gone is done", async () => {
        const cloud = await startCloud((_req, n) =>
            n === 1 ? "reset" : { status: 404, body: { NeutronError: { type: "NotFound" } } },
        );
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        assert.equal(await deleteRule(s, "rule-1"), "already-gone");
        assert.equal(s.requests.DELETE, 2);
    });

    it("names the method, path and what was expected when the server is gone", async () => {
        const cloud = await startCloud(() => ({ status: 200 }));
        const s: Session = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await cloud.close();
        await assert.rejects(
            getRule(s, "rule-1"),
            /GET \/v2.0\/security-group-rules\/rule-1 on http:\/\/127\.0\.0\.1:\d+: expected an HTTP response, got ECONNREFUSED .* after 3 attempts/,
        );
    });

    it("keeps its error kinds when serialized and run in plain node", async function () {
        this.timeout(30000);
        const cloud = await startCloud(() => ({
            status: 409,
            body: { NeutronError: { type: "OverQuota", message: "Quota exceeded" } },
        }));
        const probe = {
            async create() {
                const s = await openSession({ retry: FAST_RETRY });
                try {
                    await createRule(s, {
                        security_group_id: "group-1",
                        direction: "ingress",
                        ethertype: "IPv4",
                        protocol: "tcp",
                        port_range_min: 22,
                        port_range_max: 22,
                        remote_ip_prefix: "203.0.113.7/32",
                    });
                    return { id: "unexpected", outs: {} };
                } catch (err) {
                    return {
                        id: "x",
                        outs: {
                            kind: isOpenStackError(err, "OverQuotaError"),
                            isError: err instanceof Error,
                            message: (err as Error).message,
                        },
                    };
                }
            },
        };
        const file = await serializeProvider("openstack-probe", probe);
        const child = await ProviderProcess.start(file, {
            PATH: process.env.PATH,
            ...envFor(cloud.base),
        });
        try {
            const result = await child.ok<{
                outs: { kind: boolean; isError: boolean; message: string };
            }>("create", {});
            assert.equal(result.outs.kind, true);
            assert.equal(result.outs.isError, true);
            assert.match(result.outs.message, /expected 201, got 409 OverQuota: Quota exceeded/);
        } finally {
            await child.stop();
        }
    });
});
