// Runs one CrossGuard resource policy in-process, as the analyzer does, on a rule's inputs.
import * as assert from "node:assert/strict";
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export const RULE_TYPE = "openstack:networking/secGroupRule:SecGroupRule";

class NotApplicable extends Error {}

interface Resource {
    type?: string;
    name?: string;
    props: Record<string, unknown>;
}

/** Runs a policy as the analyzer does; returns the violations, or "not applicable". */
export async function run(
    policy: ResourceValidationPolicy,
    resource: Resource,
    config: object = {},
): Promise<string[] | "not applicable"> {
    const type = resource.type ?? RULE_TYPE;
    const name = resource.name ?? "rule";
    const violations: string[] = [];
    const args: ResourceValidationArgs = {
        type,
        name,
        urn: `urn:pulumi:dev::capi-mgmt-ingress::${type}::${name}`,
        props: resource.props,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        },
        stackTags: new Map(),
        isType: (cls) => (cls as unknown as { __pulumiType: string }).__pulumiType === type,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
    const validations = [policy.validateResource ?? []].flat();
    try {
        for (const validate of validations) {
            await validate(args, (message) => violations.push(message));
        }
    } catch (err) {
        if (err instanceof NotApplicable) {
            return "not applicable";
        }
        throw err;
    }
    return violations;
}

/** A rule's inputs as the program declares them: one TCP port from one prefix. */
export function rule(fields: Record<string, unknown>): Record<string, unknown> {
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

export async function violations(
    policy: ResourceValidationPolicy,
    props: Record<string, unknown>,
    config: object = {},
    name = "rule",
): Promise<string[]> {
    const result = await run(policy, { props, name }, config);
    assert.notEqual(result, "not applicable");
    return result as string[];
}
