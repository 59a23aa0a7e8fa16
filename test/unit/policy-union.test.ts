import * as assert from "node:assert/strict";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { noUnionCoversAFamilyPolicy, RETIREMENT_TYPE } from "../../policy/policies";

const RULE_TYPE = "openstack:networking/secGroupRule:SecGroupRule";

/** A rule's inputs as the program declares them: one TCP port from one prefix. */
function rule(fields: Record<string, unknown>): Record<string, unknown> {
    return {
        securityGroupId: "sg-1",
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 6443,
        portRangeMax: 6443,
        ...fields,
    };
}

/** Runs a stack policy over named rule inputs (and one resource of another type) as the analyzer does. */
async function stackViolations(
    rules: Record<string, Record<string, unknown>>,
    config: object = {},
): Promise<string[]> {
    const resource = (type: string, name: string, props: object) =>
        ({
            type,
            name,
            props,
            urn: `urn:pulumi:dev::capi-mgmt-ingress::${type}::${name}`,
            isType: (cls: unknown) => (cls as { __pulumiType: string }).__pulumiType === type,
        }) as unknown as PolicyResource;
    const resources = [
        ...Object.entries(rules).map(([name, props]) => resource(RULE_TYPE, name, props)),
        resource(RETIREMENT_TYPE, "retire", { groupId: "sg-1", targets: [] }),
    ];
    const found: string[] = [];
    const policy: StackValidationPolicy = noUnionCoversAFamilyPolicy;
    await policy.validateStack(
        {
            resources,
            stackTags: new Map(),
            getConfig: <T extends object>() => config as T,
        } as unknown as Parameters<StackValidationPolicy["validateStack"]>[0],
        (message) => found.push(message),
    );
    return found;
}

describe("no-rule-set-admits-a-whole-family", () => {
    it("refuses /1 halves that together admit every address, naming each rule", async () => {
        const found = await stackViolations({
            low: rule({ remoteIpPrefix: "0.0.0.0/1" }),
            high: rule({ remoteIpPrefix: "128.0.0.0/1" }),
            "v6-low": rule({
                ethertype: "IPv6",
                remoteIpPrefix: "::/1",
                portRangeMin: 1,
                portRangeMax: 65535,
            }),
            "v6-high": rule({
                ethertype: "IPv6",
                remoteIpPrefix: "8000::/1",
                protocol: "0",
                portRangeMin: 0,
                portRangeMax: 0,
            }),
        });
        assert.equal(found.length, 3, found.join("\n"));
        assert.match(
            found[0],
            /^security group rules v6-low \(::\/1, tcp, all ports\), v6-high \(8000::\/1, every protocol .*\) together admit every IPv6 address \(::\/0\) to protected port 22\/tcp/,
        );
        assert.match(
            found[1],
            /^security group rules low \(0\.0\.0\.0\/1, tcp 6443\), high \(128\.0\.0\.0\/1, tcp 6443\) together admit every IPv4 address \(0\.0\.0\.0\/0\) to protected port 6443\/tcp/,
        );
        assert.match(found[2], /every IPv6 address \(::\/0\) to protected port 6443\/tcp/);
    });

    it("allows a set one prefix short of the family, other ports and egress", async () => {
        assert.deepEqual(
            await stackViolations({
                low: rule({ remoteIpPrefix: "0.0.0.0/1" }),
                mid: rule({ remoteIpPrefix: "128.0.0.0/2" }),
                high: rule({ remoteIpPrefix: "192.0.0.0/2", portRangeMin: 80, portRangeMax: 80 }),
                out: rule({ remoteIpPrefix: "192.0.0.0/2", direction: "egress" }),
            }),
            [],
        );
        assert.deepEqual(
            await stackViolations(
                {
                    low: rule({ remoteIpPrefix: "0.0.0.0/1" }),
                    high: rule({ remoteIpPrefix: "128.0.0.0/1" }),
                },
                { protectedPorts: [22] },
            ),
            [],
        );
    });

    it("leaves a single any-address rule to the per-rule policy", async () => {
        assert.deepEqual(await stackViolations({ any: rule({ remoteIpPrefix: "0.0.0.0/0" }) }), []);
    });
});
