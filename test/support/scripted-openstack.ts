// A Keystone + Neutron stand-in on loopback that answers what a test tells it to, for answers the
// real local cloud never gives (a rule that does not parse, a body that is not JSON, a 409 on
// DELETE). It counts every DELETE it receives, so a test can assert that nothing was deleted.
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface FakeAnswer {
    status: number;
    body?: unknown;
    /** Raw text instead of JSON. */
    text?: string;
    headers?: Record<string, string>;
}

/** Picks the answer to one request; undefined = the default (an empty rule list, 404 for GET rule). */
export type Answerer = (method: string, path: string) => FakeAnswer | undefined;

export interface FakeOpenStack {
    env: NodeJS.ProcessEnv;
    deletes: string[];
    requests: string[];
    answer: Answerer;
    close(): Promise<void>;
}

export async function startFakeOpenStack(host = "127.0.0.1"): Promise<FakeOpenStack> {
    const fake: FakeOpenStack = {
        env: {},
        deletes: [],
        requests: [],
        answer: () => undefined,
        close: async () => undefined,
    };
    const server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => {
            const method = req.method ?? "GET";
            const path = req.url ?? "/";
            fake.requests.push(`${method} ${path}`);
            if (method === "DELETE") {
                fake.deletes.push(path);
            }
            const answer = fake.answer(method, path) ?? defaultAnswer(method, path, origin);
            res.writeHead(answer.status, {
                "content-type": "application/json",
                ...answer.headers,
            });
            res.end(answer.text ?? (answer.body === undefined ? "" : JSON.stringify(answer.body)));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
    fake.env = {
        OS_AUTH_URL: `${origin}/v3`,
        OS_USERNAME: "admin",
        OS_PASSWORD: "fake-password-not-a-secret",
        OS_PROJECT_NAME: "admin",
        OS_USER_DOMAIN_NAME: "Default",
        OS_PROJECT_DOMAIN_NAME: "Default",
        OS_REGION_NAME: "RegionOne",
        OS_INTERFACE: "public",
    };
    fake.close = () => new Promise((resolve) => server.close(() => resolve()));
    return fake;
}

/** A token whose catalog sends the network service back to this server. */
export function tokenAnswer(origin: string): FakeAnswer {
    return {
        status: 201,
        headers: { "x-subject-token": "fake-token" },
        body: {
            token: {
                expires_at: new Date(Date.now() + 3600_000).toISOString(),
                user: { id: "u1" },
                project: { id: "p1" },
                catalog: [
                    {
                        type: "network",
                        endpoints: [
                            {
                                interface: "public",
                                url: origin,
                                region_id: "RegionOne",
                                region: "RegionOne",
                            },
                        ],
                    },
                ],
            },
        },
    };
}

function defaultAnswer(method: string, path: string, origin: string): FakeAnswer {
    if (method === "POST" && path.startsWith("/v3/auth/tokens")) {
        return tokenAnswer(origin);
    }
    if (method === "GET" && path.startsWith("/v2.0/security-group-rules?")) {
        return { status: 200, body: { security_group_rules: [] } };
    }
    return { status: 404, body: { NeutronError: { type: "NotFound", message: "not found" } } };
}
