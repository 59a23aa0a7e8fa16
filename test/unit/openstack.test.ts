// The Networking client against files and a replaying HTTP server on 127.0.0.1: how credentials
// are read, how tokens are reused and refreshed, pagination, error typing and retry safety.
// The real Keystone and Neutron are exercised in test/integration/openstack.test.ts.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as util from "node:util";
import {
    createRule,
    deleteRule,
    getRule,
    isOpenStackError,
    listRules,
    openSession,
    resolveAuth,
    Session,
} from "../../components/openstack/client";
import { NeutronRule } from "../../components/model/rules";
import { ProviderProcess, serializeProvider } from "../../tools/rehearsal/provider-host";

const PASSWORD = "pw-Sup3r-s3cret";
const APP_SECRET = "app-s3cret-value";

interface Exchange {
    method: string;
    url: string;
    token?: string;
    body: string;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | "reset";

/** A tiny Keystone + Neutron: answers token requests itself and hands the rest to `route`. */
async function fakeCloud(
    route: (req: Exchange, n: number) => Reply,
    opts: { catalog?: unknown[]; expiresInMs?: number; tokenStatus?: () => number } = {},
) {
    const log: Exchange[] = [];
    let tokens = 0;
    let networkCalls = 0;
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
            const exchange: Exchange = {
                method: req.method ?? "",
                url: req.url ?? "",
                token: req.headers["x-auth-token"] as string | undefined,
                body,
            };
            log.push(exchange);
            let reply: Reply;
            if (exchange.url === "/v3/auth/tokens") {
                const status = opts.tokenStatus?.() ?? 201;
                tokens++;
                reply =
                    status === 201
                        ? {
                              status,
                              headers: { "X-Subject-Token": `token-${tokens}` },
                              body: {
                                  token: {
                                      expires_at: new Date(
                                          Date.now() + (opts.expiresInMs ?? 3600_000),
                                      ).toISOString(),
                                      user: { id: "user-1" },
                                      project: { id: "project-1" },
                                      catalog: opts.catalog ?? [
                                          {
                                              type: "network",
                                              endpoints: [
                                                  {
                                                      interface: "public",
                                                      region_id: "RegionOne",
                                                      url: `${base}/`,
                                                  },
                                              ],
                                          },
                                      ],
                                  },
                              },
                          }
                        : {
                              status,
                              body: {
                                  error: {
                                      code: status,
                                      title: "Unauthorized",
                                      message: "The request you have made requires authentication.",
                                  },
                              },
                          };
            } else {
                reply = route(exchange, ++networkCalls);
            }
            if (reply === "reset") {
                req.socket.destroy();
                return;
            }
            const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
            res.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers });
            res.end(text);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        base,
        log,
        network: () => log.filter((e) => e.url !== "/v3/auth/tokens"),
        tokensIssued: () => tokens,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

function envFor(base: string): NodeJS.ProcessEnv {
    return {
        OS_AUTH_URL: `${base}/v3`,
        OS_USERNAME: "operator",
        OS_PASSWORD: PASSWORD,
        OS_PROJECT_NAME: "tenant",
        OS_USER_DOMAIN_NAME: "Default",
        OS_PROJECT_DOMAIN_NAME: "Default",
    };
}

const FAST_RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5000 };

function rule(id: string, groupId = "group-1", extra: Partial<NeutronRule> = {}): NeutronRule {
    return {
        id,
        security_group_id: groupId,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        port_range_min: 6443,
        port_range_max: 6443,
        remote_ip_prefix: "0.0.0.0/0",
        remote_group_id: null,
        description: "",
        ...extra,
    };
}

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "openstack-test-"));
}

function writeYaml(dir: string, name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

describe("openstack: reading credentials", () => {
    const cloudsYaml = `
clouds:
  prod:
    auth_type: password
    auth:
      auth_url: https://keystone.example:5000/v3
      username: operator
      password: ${PASSWORD}
      project_name: tenant
      user_domain_name: Default
      project_domain_id: default
    region_name: RegionTwo
    interface: internal
    cacert: /etc/ssl/prod.pem
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example:5000
      application_credential_id: 0123abcd
      application_credential_secret: ${APP_SECRET}
    verify: false
  appcred-by-name:
    auth:
      auth_url: https://keystone.example:5000
      application_credential_name: deployer
      application_credential_secret: ${APP_SECRET}
      username: operator
      domain_name: Default
`;

    it("selects the cloud named by OS_CLOUD from OS_CLIENT_CONFIG_FILE, ignoring OS_*", () => {
        const dir = tempDir();
        const file = writeYaml(dir, "clouds.yaml", cloudsYaml);
        const { settings, secrets } = resolveAuth({
            env: {
                OS_CLOUD: "prod",
                OS_CLIENT_CONFIG_FILE: file,
                OS_AUTH_URL: "http://elsewhere/v3",
                HOME: dir,
            },
            cwd: dir,
        });
        assert.equal(settings.authUrl, "https://keystone.example:5000/v3");
        assert.equal(settings.method, "password");
        assert.equal(settings.username, "operator");
        assert.equal(settings.userDomainName, "Default");
        assert.equal(settings.projectDomainId, "default");
        assert.equal(settings.regionName, "RegionTwo");
        assert.equal(settings.interface, "internal");
        assert.equal(settings.cacert, "/etc/ssl/prod.pem");
        assert.equal(settings.insecure, false);
        assert.equal(secrets.password, PASSWORD);
        assert.match(settings.source, /cloud "prod" of .*clouds\.yaml/);
    });

    it("an explicit cloud wins over OS_CLOUD", () => {
        const dir = tempDir();
        const file = writeYaml(dir, "clouds.yaml", cloudsYaml);
        const { settings } = resolveAuth({
            cloud: "appcred",
            env: { OS_CLOUD: "prod", OS_CLIENT_CONFIG_FILE: file, HOME: dir },
            cwd: dir,
        });
        assert.equal(settings.method, "application_credential");
        assert.equal(settings.applicationCredentialId, "0123abcd");
        assert.equal(settings.insecure, true);
    });

    it("finds ./clouds.yaml before ~/.config/openstack/clouds.yaml", () => {
        const home = tempDir();
        const cwd = tempDir();
        fs.mkdirSync(path.join(home, ".config", "openstack"), { recursive: true });
        writeYaml(
            path.join(home, ".config", "openstack"),
            "clouds.yaml",
            cloudsYaml.replace("operator", "from-home"),
        );
        const fromHome = resolveAuth({ cloud: "prod", env: { HOME: home }, cwd });
        assert.equal(fromHome.settings.username, "from-home");
        writeYaml(cwd, "clouds.yaml", cloudsYaml.replace("operator", "from-cwd"));
        const fromCwd = resolveAuth({ cloud: "prod", env: { HOME: home }, cwd });
        assert.equal(fromCwd.settings.username, "from-cwd");
    });

    it("merges secure.yaml into the cloud's auth", () => {
        const dir = tempDir();
        writeYaml(dir, "clouds.yaml", cloudsYaml.replace(`password: ${PASSWORD}`, ""));
        writeYaml(dir, "secure.yaml", `clouds:\n  prod:\n    auth:\n      password: ${PASSWORD}\n`);
        const { settings, secrets } = resolveAuth({ cloud: "prod", env: { HOME: dir }, cwd: dir });
        assert.equal(secrets.password, PASSWORD);
        assert.match(settings.source, /secure\.yaml/);
    });

    it("reads an application credential by name with its user and a shared domain", () => {
        const dir = tempDir();
        writeYaml(dir, "clouds.yaml", cloudsYaml);
        const { settings, secrets } = resolveAuth({
            cloud: "appcred-by-name",
            env: { HOME: dir },
            cwd: dir,
        });
        assert.equal(settings.method, "application_credential");
        assert.equal(settings.applicationCredentialName, "deployer");
        assert.equal(settings.userDomainName, "Default");
        assert.equal(secrets.applicationCredentialSecret, APP_SECRET);
    });

    it("names the file and the known clouds when the cloud is not there", () => {
        const dir = tempDir();
        const file = writeYaml(dir, "clouds.yaml", cloudsYaml);
        assert.throws(
            () => resolveAuth({ cloud: "nope", env: { OS_CLIENT_CONFIG_FILE: file }, cwd: dir }),
            (err: Error) =>
                err.message.includes(`Cloud "nope" is not in ${file}`) &&
                err.message.includes("prod, appcred, appcred-by-name"),
        );
        assert.throws(
            () =>
                resolveAuth({
                    cloud: "prod",
                    env: { OS_CLIENT_CONFIG_FILE: path.join(dir, "missing.yaml") },
                    cwd: dir,
                }),
            /OS_CLIENT_CONFIG_FILE names .*missing\.yaml, which does not exist/,
        );
    });

    it("reads OS_* variables when no cloud is named, application credentials included", () => {
        const { settings, secrets } = resolveAuth({
            env: {
                OS_AUTH_URL: "http://127.0.0.1:5000/v3",
                OS_APPLICATION_CREDENTIAL_ID: "cred-1",
                OS_APPLICATION_CREDENTIAL_SECRET: APP_SECRET,
                OS_REGION_NAME: "RegionOne",
                OS_INTERFACE: "internalURL",
                OS_CACERT: "/tmp/ca.pem",
                OS_INSECURE: "true",
            },
        });
        assert.equal(settings.method, "application_credential");
        assert.equal(settings.applicationCredentialId, "cred-1");
        assert.equal(settings.interface, "internal");
        assert.equal(settings.regionName, "RegionOne");
        assert.equal(settings.insecure, true);
        assert.equal(secrets.applicationCredentialSecret, APP_SECRET);
        assert.equal(settings.source, "the OS_* environment variables");
    });

    it("says what is missing, without echoing secrets", () => {
        assert.throws(() => resolveAuth({ env: {} }), /OS_CLOUD .* and OS_AUTH_URL are both unset/);
        assert.throws(
            () =>
                resolveAuth({
                    env: {
                        OS_AUTH_URL: "http://127.0.0.1:5000/v3",
                        OS_USERNAME: "operator",
                        OS_PASSWORD: PASSWORD,
                        OS_PROJECT_NAME: "tenant",
                    },
                }),
            (err: Error) =>
                /user_domain_name or user_domain_id/.test(err.message) &&
                /project_domain_name or project_domain_id/.test(err.message) &&
                !err.message.includes(PASSWORD),
        );
        assert.throws(
            () => resolveAuth({ env: { OS_AUTH_URL: "http://x/v3", OS_INTERFACE: "private" } }),
            /interface "private"; expected public, internal or admin/,
        );
    });
});

describe("openstack: sessions and requests", () => {
    let cloud: Awaited<ReturnType<typeof fakeCloud>> | undefined;
    afterEach(async () => {
        await cloud?.close();
        cloud = undefined;
    });

    it("authenticates once, reuses the token, and never shows secrets", async () => {
        cloud = await fakeCloud(() => ({ status: 200, body: { security_group_rules: [] } }));
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
        cloud = await fakeCloud(() => ({ status: 200, body: { security_group_rules: [] } }));
        await openSession({
            env: {
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
        cloud = await fakeCloud(() => ({ status: 200, body: { security_group_rules: [] } }), {
            expiresInMs: 30_000,
        });
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await listRules(s, "group-1");
        assert.equal(cloud.tokensIssued(), 2);
        assert.equal(cloud.network()[0].token, "token-2");
        assert.equal(s.requests.identity, 2);
    });

    it("re-authenticates once on 401 and sends the request again, a create included", async () => {
        cloud = await fakeCloud((req) =>
            req.token === "token-1"
                ? { status: 401, body: { error: { title: "Unauthorized" } } }
                : { status: 201, body: { security_group_rule: rule("rule-new") } },
        );
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        const created = await createRule(s, {
            security_group_id: "group-1",
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            port_range_min: 22,
            port_range_max: 22,
            remote_ip_prefix: "203.0.113.7/32",
        });
        assert.equal(created.id, "rule-new");
        assert.deepEqual(
            cloud.network().map((e) => `${e.method} ${e.token}`),
            ["POST token-1", "POST token-2"],
        );
    });

    it("fails after one re-authentication when the new token is refused too", async () => {
        cloud = await fakeCloud(() => ({
            status: 401,
            body: { error: { title: "Unauthorized" } },
        }));
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await assert.rejects(
            listRules(s, "group-1"),
            (err: Error) =>
                isOpenStackError(err, "OpenStackHttpError") &&
                err.status === 401 &&
                err.message.includes("the OS_* environment variables") &&
                !err.message.includes(PASSWORD),
        );
        assert.equal(cloud.tokensIssued(), 2);
        assert.equal(cloud.network().length, 2);
    });

    it("reports refused credentials with their source and without the password", async () => {
        cloud = await fakeCloud(() => ({ status: 500 }), { tokenStatus: () => 401 });
        await assert.rejects(
            openSession({ env: envFor(cloud.base), retry: FAST_RETRY }),
            (err: Error) =>
                /POST \/v3\/auth\/tokens .*expected 201, got 401/.test(err.message) &&
                err.message.includes("the OS_* environment variables") &&
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
        cloud = await fakeCloud(() => ({ status: 200 }), { catalog });
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
        cloud = await fakeCloud((req) => {
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
        cloud = await fakeCloud(() => ({
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
        cloud = await fakeCloud(() => ({
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
        cloud = await fakeCloud(() => next);
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
        cloud = await fakeCloud(() => ({
            status: 404,
            body: { NeutronError: { type: "SecurityGroupRuleNotFound", message: "not found" } },
        }));
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        assert.equal(await getRule(s, "gone"), null);
        assert.equal(await deleteRule(s, "gone"), "already-gone");
    });

    it("retries a GET through resets and 503s, with a bound", async () => {
        cloud = await fakeCloud((_req, n) =>
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
        cloud = await fakeCloud(() => ({ status: 503 }));
        const failing = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await assert.rejects(
            listRules(failing, "group-1"),
            /GET \/v2.0\/security-group-rules\?security_group_id=group-1 on .*: expected 200, got 503/,
        );
        assert.equal(failing.requests.GET, FAST_RETRY.attempts);
    });

    it("sends a create once, whatever fails", async () => {
        cloud = await fakeCloud(() => "reset");
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await assert.rejects(
            createRule(s, {
                security_group_id: "group-1",
                direction: "ingress",
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: 22,
                port_range_max: 22,
                remote_ip_prefix: "203.0.113.7/32",
            }),
            /POST \/v2.0\/security-group-rules on .*: expected an HTTP response, got ECONNRESET/,
        );
        assert.equal(cloud.network().length, 1);
        assert.equal(s.requests.POST, 1);
    });

    it("a DELETE retried after a reset that finds the rule gone is done", async () => {
        cloud = await fakeCloud((_req, n) =>
            n === 1 ? "reset" : { status: 404, body: { NeutronError: { type: "NotFound" } } },
        );
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        assert.equal(await deleteRule(s, "rule-1"), "already-gone");
        assert.equal(s.requests.DELETE, 2);
    });

    it("names the method, path and what was expected when the server is gone", async () => {
        cloud = await fakeCloud(() => ({ status: 200 }));
        const s: Session = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        await cloud.close();
        cloud = undefined;
        await assert.rejects(
            getRule(s, "rule-1"),
            /GET \/v2.0\/security-group-rules\/rule-1 on http:\/\/127\.0\.0\.1:\d+: expected an HTTP response, got ECONNREFUSED .* after 3 attempts/,
        );
    });

    it("keeps its error kinds when serialized and run in plain node", async function () {
        this.timeout(30000);
        cloud = await fakeCloud(() => ({
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
