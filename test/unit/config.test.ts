import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig, retireSelectors } from "../../components/config/schema";
import { loadStackConfig, readStackFile } from "../../components/config/stackfile";

const valid = () => ({
    securityGroup: { name: "capi-mgmt-sg" },
    api: { address: "10.12.7.222" },
    conductors: { juju: { model: "openstack" } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator via the VR0 masquerade" },
});

function problems(raw: Record<string, unknown>): string[] {
    try {
        parseStackConfig(raw);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
    }
    assert.fail("the config was accepted");
}

describe("stack config", () => {
    it("applies the defaults an operator expects", () => {
        const c = parseStackConfig(valid());
        assert.deepEqual(c.protectedPorts, [6443, 22]);
        assert.equal(c.api.port, undefined, "6443 is applied where the address is used");
        assert.deepEqual(c.operator.ports, [6443, 22]);
        assert.equal(c.hairpin.ports, undefined, "the API's port, known at preview time");
        assert.equal(c.minPrefixLength, 16);
        assert.equal(c.conductors.juju?.application, "magnum");
        assert.equal(c.allowDestroy, false);
        assert.equal(c.verify.mode, "onChange");
        assert.deepEqual(retireSelectors(c), [
            { remote: "0.0.0.0/0", ports: [6443, 22] },
            { remote: "::/0", ports: [6443, 22] },
        ]);
    });

    it("names every missing key with an example", () => {
        const found = problems({});
        assert.equal(found.length, 4);
        for (const key of ["securityGroup", "api", "conductors", "operator"]) {
            assert.ok(
                found.some(
                    (p) =>
                        p.startsWith(`capi-mgmt-ingress:${key}: is required`) &&
                        p.includes("for example"),
                ),
                `${key}: ${found.join("\n")}`,
            );
        }
    });

    it("gives one message per problem, each with the key's path", () => {
        const found = problems({
            ...valid(),
            securityGroup: { name: "a", id: "b" },
            api: { address: "10.12.7" },
            conductors: {
                juju: { model: "openstack" },
                static: { addresses: ["10.0.0.1"], reason: "both given by mistake" },
            },
            operator: { cidrs: ["10.12.4.1/24", "not-an-ip"], reason: "x" },
            waivers: [{ cidr: "10.0.0.0/8" }],
            typo: true,
        });
        const expected = [
            /^capi-mgmt-ingress:securityGroup: give exactly one of name or id/,
            /^capi-mgmt-ingress:api.address: "10.12.7" is not an IP address/,
            /^capi-mgmt-ingress:conductors: give exactly one of juju or static/,
            /^capi-mgmt-ingress:operator.cidrs\[0\]: "10.12.4.1\/24" has host bits set/,
            /^capi-mgmt-ingress:operator.cidrs\[1\]: "not-an-ip" is not a dotted-quad/,
            /^capi-mgmt-ingress:operator.reason: a reason of a few words is required/,
            /^capi-mgmt-ingress:waivers\[0\].reason: is required/,
            /^capi-mgmt-ingress: unknown key typo; remove it$/,
        ];
        assert.equal(found.length, expected.length, found.join("\n"));
        for (const pattern of expected) {
            assert.ok(
                found.some((p) => pattern.test(p)),
                `${pattern} in\n${found.join("\n")}`,
            );
        }
    });

    it("takes the API port from the kubeconfig, not from a second setting", () => {
        assert.deepEqual(
            problems({ ...valid(), api: { fromKubeconfig: {}, port: 6443 } }).map(
                (p) => p.split(" (for example")[0],
            ),
            [
                "capi-mgmt-ingress:api: with fromKubeconfig the port comes from the kubeconfig's server URL; remove port",
            ],
        );
    });

    it("refuses ports outside the protected ones", () => {
        const found = problems({
            ...valid(),
            operator: { ...valid().operator, ports: [6443, 80] },
            retire: [{ remote: "0.0.0.0/0", ports: [443] }],
        });
        assert.deepEqual(found, [
            "capi-mgmt-ingress:operator.ports[1]: port 80 is not one of protectedPorts (6443, 22) (for example operator.ports[1]: 22)",
            "capi-mgmt-ingress:retire[0].ports[0]: port 443 is not one of protectedPorts (6443, 22) (for example retire[0].ports[0]: 6443)",
        ]);
    });

    it("keeps the prefix floors at /8 and /32 or narrower", () => {
        const lowest = parseStackConfig({
            ...valid(),
            minPrefixLength: 8,
            minPrefixLengthIpv6: 32,
        });
        assert.equal(lowest.minPrefixLengthIpv6, 32);
        const found = problems({ ...valid(), minPrefixLength: 0, minPrefixLengthIpv6: 31 });
        assert.equal(found.length, 2);
        assert.match(found[0], /^capi-mgmt-ingress:minPrefixLength: cannot be below \/8; .*waiver/);
        assert.match(
            found[1],
            /^capi-mgmt-ingress:minPrefixLengthIpv6: cannot be below \/32; .*waiver/,
        );
    });

    it("needs a reason for static conductors and no Juju handshake with them", () => {
        const found = problems({
            ...valid(),
            conductors: { static: { addresses: ["10.12.4.154"], reason: "" } },
        });
        assert.ok(found.some((p) => p.startsWith("capi-mgmt-ingress:conductors.static.reason")));
        const handshake = problems({
            ...valid(),
            conductors: { static: { addresses: ["10.12.4.154"], reason: "no Juju in this cloud" } },
        });
        assert.deepEqual(handshake.length, 1);
        assert.match(handshake[0], /^capi-mgmt-ingress:verify.conductors.enabled: /);
    });

    it("reads every committed stack file without an error", () => {
        for (const stack of ["example", "rehearsal"]) {
            const config = loadStackConfig(stack);
            assert.ok(config.operator.cidrs.length > 0, stack);
        }
        assert.throws(() => readStackFile("nope"), /no stack "nope".*stacks: .*example/);
    });
});
