// The token URL is joined to the auth URL's path with the URL API (a query stays a query), and
// a failed token request names the URL with its credentials masked (safety invariant 5).
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { httpError } from "../../components/openstack/http";
import { openSession, tokenUrl } from "../../components/openstack/keystone";
import { envFor, FAST_RETRY } from "../support/fake-openstack";

describe("keystone: the token URL and its errors", () => {
    it("joins /v3/auth/tokens to the auth URL's path, its query kept after it", () => {
        assert.equal(
            tokenUrl("http://127.0.0.1:1/v3?password=S7LEAKq3"),
            "http://127.0.0.1:1/v3/auth/tokens?password=S7LEAKq3",
        );
        assert.equal(
            tokenUrl("https://keystone.example:5000/identity/"),
            "https://keystone.example:5000/identity/v3/auth/tokens",
        );
        assert.equal(tokenUrl("http://k/v3/"), "http://k/v3/auth/tokens");
    });

    it("a connection error names the URL masked", async () => {
        const env = {
            ...envFor("http://127.0.0.1:1"),
            OS_AUTH_URL: "http://127.0.0.1:1/v3?password=S7LEAKq3",
        };
        await assert.rejects(openSession({ env, retry: FAST_RETRY }), (err: Error) => {
            assert.match(
                err.message,
                /Keystone token request .*POST \/v3\/auth\/tokens\?password=\*{4}/,
            );
            assert.match(err.message, /ECONNREFUSED/);
            assert.doesNotMatch(err.message, /S7LEAK/);
            return true;
        });
    });

    it("the request goes to /v3/auth/tokens, and an HTTP error names no credential", async () => {
        const requested: string[] = [];
        const server = http.createServer((req, res) => {
            requested.push(req.url ?? "");
            res.writeHead(401, { "Content-Type": "application/json" }).end(
                JSON.stringify({ error: { title: "Unauthorized", message: "password: S7LEAKms" } }),
            );
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
            const env = { ...envFor(base), OS_AUTH_URL: `${base}/v3?password=S7LEAKq3` };
            await assert.rejects(openSession({ env, retry: FAST_RETRY }), (err: Error) => {
                assert.match(err.message, /POST \/v3\/auth\/tokens\?password=\*{4} on .*got 401/);
                assert.doesNotMatch(err.message, /S7LEAK/);
                return true;
            });
            assert.deepEqual(requested, ["/v3/auth/tokens?password=S7LEAKq3"]);
        } finally {
            server.close();
        }
    });

    it("an HTTP error masks the credentials of the endpoint it names", () => {
        const err = httpError(
            "GET",
            "/v2.0/security-groups?token=S7LEAKnp",
            "http://neutron:S7LEAKnw@127.0.0.1:9696/?token=S7LEAKnq",
            { status: 500, headers: {}, body: "" },
            [200],
            { source: "the OS_* environment variables" } as never,
        );
        assert.match(err.message, /GET \/v2\.0\/security-groups\?token=\*{4} on .*got 500/);
        assert.doesNotMatch(err.message, /S7LEAK/);
    });
});
