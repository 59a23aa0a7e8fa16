// A tiny Keystone + Neutron on 127.0.0.1 for the client's unit tests: token requests answered
// here, everything else handed to the test's route.
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { NeutronRule } from "../../components/model/rules";
import type { RuleCreate } from "../../components/openstack/networking";
import { neutronRule } from "./rules";

/** Sentinel secrets: they must appear in no error message. */
export const PASSWORD = "s3cr3t-sentinel-password-Qx7";
export const APP_SECRET = "s3cr3t-sentinel-appcred-Vk2";

export interface Exchange {
    method: string;
    url: string;
    token?: string;
    body: string;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | "reset";

export async function fakeCloud(
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

/**
 * For a describe block: returns `fakeCloud` for its tests, each cloud it starts closed after the
 * test that started it.
 */
export function useFakeCloud(): typeof fakeCloud {
    const started: { close(): Promise<void> }[] = [];
    afterEach(async () => {
        for (const cloud of started.splice(0)) {
            await cloud.close();
        }
    });
    return async (route, opts) => {
        const cloud = await fakeCloud(route, opts);
        started.push(cloud);
        return cloud;
    };
}

export function envFor(base: string): NodeJS.ProcessEnv {
    return {
        OS_AUTH_URL: `${base}/v3`,
        OS_USERNAME: "operator",
        OS_PASSWORD: PASSWORD,
        OS_PROJECT_NAME: "tenant",
        OS_USER_DOMAIN_NAME: "Default",
        OS_PROJECT_DOMAIN_NAME: "Default",
    };
}

/** A create request for one tcp/22 rule from a /32. */
export const SSH_RULE: RuleCreate = {
    security_group_id: "group-1",
    direction: "ingress",
    ethertype: "IPv4",
    protocol: "tcp",
    port_range_min: 22,
    port_range_max: 22,
    remote_ip_prefix: "203.0.113.7/32",
};

export const FAST_RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5000 };

export const rule = (id: string, groupId = "group-1", extra: Partial<NeutronRule> = {}) =>
    neutronRule({ id, security_group_id: groupId, description: "", ...extra });
