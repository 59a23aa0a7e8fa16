// Every Keystone error names the request as sent (an auth URL's path prefix and query kept,
// credentials masked) and where the credentials came from; an auth_url that is not an http or
// https URL is a refused configuration naming the key and its source, never its password.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CONFIG_ERROR_NAME } from "../../components/openstack/config-error";
import { openSession } from "../../components/openstack/keystone";
import { envFor, FAST_RETRY, PASSWORD } from "../support/fake-openstack";

/** A Keystone that answers every request with `status`; the paths requested. */
async function answering(status: number, body: unknown) {
    const requested: string[] = [];
    const server = http.createServer((req, res) => {
        requested.push(req.url ?? "");
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, requested, close: () => server.close() };
}

describe("keystone: errors name the request made", () => {
    for (const status of [404, 401, 403]) {
        it(`${status}: the auth URL's path prefix and masked query, and the credentials' source`, async () => {
            const keystone = await answering(status, { error: { title: "Nope", message: "no" } });
            try {
                const env = {
                    ...envFor(keystone.base),
                    OS_AUTH_URL: `${keystone.base}/identity/v3?token=S8LEAKtk`,
                };
                await assert.rejects(openSession({ env, retry: FAST_RETRY }), (err: Error) => {
                    assert.equal(
                        err.message,
                        `POST /identity/v3/auth/tokens?token=**** on ${keystone.base}: ` +
                            `expected 201, got ${status} Nope: no ` +
                            "(credentials from the OS_* environment)",
                    );
                    return true;
                });
                assert.deepEqual(keystone.requested, ["/identity/v3/auth/tokens?token=S8LEAKtk"]);
            } finally {
                keystone.close();
            }
        });
    }

    it("a token answer without a token names the path as sent", async () => {
        const keystone = await answering(201, {});
        try {
            const env = { ...envFor(keystone.base), OS_AUTH_URL: `${keystone.base}/identity` };
            await assert.rejects(
                openSession({ env, retry: FAST_RETRY }),
                /^Error: POST \/identity\/v3\/auth\/tokens on http:\/\/127\.0\.0\.1:\d+ \(the OS_\* environment\): expected a token/,
            );
        } finally {
            keystone.close();
        }
    });
});

describe("keystone: an auth_url that is not a URL", () => {
    const refused = (key: string, source: RegExp, shown: string, why: string) => (err: Error) => {
        assert.equal(err.name, CONFIG_ERROR_NAME);
        assert.match(err.message, source);
        assert.ok(
            err.message.includes(`sets ${key} to ${JSON.stringify(shown)}, ${why}; expected`),
            err.message,
        );
        assert.match(err.message, /expected the Keystone URL as http:\/\/ or https:\/\//);
        assert.doesNotMatch(err.message, new RegExp(`${PASSWORD}|S8LEAK`));
        return true;
    };

    for (const [text, shown, why] of [
        ["not a url", "not a url", "not a URL"],
        ["http//admin:S8LEAKpw@127.0.0.1:1/v3", "****@127.0.0.1:1/v3", "not a URL"],
        ["ftp://admin:S8LEAKpw@127.0.0.1:1/v3", "****@127.0.0.1:1/v3", "not an http or https URL"],
    ]) {
        it(`OS_AUTH_URL=${shown} (${why}): a config error naming OS_AUTH_URL`, async () => {
            const env = { ...envFor("http://127.0.0.1:1"), OS_AUTH_URL: text };
            await assert.rejects(
                openSession({ env, retry: FAST_RETRY }),
                refused("OS_AUTH_URL", /^the OS_\* environment /, shown, why),
            );
        });
    }

    it("from clouds.yaml: names auth_url and the cloud and file", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keystone-errors-"));
        const file = path.join(dir, "clouds.yaml");
        fs.writeFileSync(
            file,
            "clouds:\n  rehearsal:\n    auth:\n" +
                "      auth_url: http//127.0.0.95:5000/v3?password=S8LEAKq\n" +
                `      username: operator\n      password: ${PASSWORD}\n` +
                "      project_name: tenant\n      user_domain_name: Default\n" +
                "      project_domain_name: Default\n",
        );
        await assert.rejects(
            openSession({ env: { OS_CLOUD: "rehearsal", OS_CLIENT_CONFIG_FILE: file, HOME: dir } }),
            refused(
                "auth_url",
                new RegExp(`^cloud "rehearsal" of ${file.replace(/[.]/g, "\\.")} `),
                "http//127.0.0.95:5000/v3?password=****",
                "not a URL",
            ),
        );
    });
});
