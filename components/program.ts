// The program: config → discovery → pure plan → declarations. index.ts only calls main().
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, parseStackConfig, StackConfig } from "./config/schema";
import { discover, OpenStackLookups } from "./discover/discovery";
import { ManagementIngress } from "./apply/ingress";
import { restLookups } from "./discover/rest-lookups";
import { detectFlavor, listUnits } from "./juju/units";
import { openSession } from "./openstack/client";
import { Plan, planIngress } from "./plan/plan";
import { exposureOutputs } from "./plan/exposure";

/**
 * Every key of this project's namespace (objects arrive as JSON text), so that a misspelt key
 * fails validation instead of being ignored. Secret keys are refused, as the tools refuse them.
 */
export function readPulumiConfig(): Record<string, unknown> {
    // The SDK's own test for secret keys (not in its typings; the SDK version is pinned).
    const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
        isConfigSecret(key: string): boolean;
    };
    const raw: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        const [namespace, key] = fullKey.split(":", 2);
        if (namespace !== NAMESPACE) {
            continue;
        }
        if (isConfigSecret(fullKey)) {
            throw new Error(
                `${fullKey} is a secret; this project takes no secrets from stack config ` +
                    `(credentials come from clouds.yaml or OS_* variables)`,
            );
        }
        raw[key] = key === "cloud" ? text : parseJsonOrText(text);
    }
    return raw;
}

export async function main(): Promise<Record<string, unknown>> {
    const config = parseStackConfig(readPulumiConfig());
    const provider = config.cloud
        ? new openstack.Provider("openstack", { cloud: config.cloud })
        : undefined;
    // Lookups through the Networking API, as every tool makes them; the provider only writes.
    const session = await openSession({ cloud: config.cloud || undefined });
    return runProgram("capi-mgmt", config, restLookups(session), {
        providers: provider ? [provider] : undefined,
    });
}

export async function runProgram(
    name: string,
    config: StackConfig,
    lookups: OpenStackLookups,
    opts?: pulumi.ComponentResourceOptions,
): Promise<Record<string, unknown>> {
    const found = await discover(config, lookups);
    for (const warning of found.warnings) {
        pulumi.log.warn(warning);
    }
    const plan = planIngress(config, found);
    if (plan.exposure.refusal) {
        // Before any declaration: no rule is created and no retirement is declared.
        throw new Error(plan.exposure.refusal);
    }
    const juju = config.conductors.juju;
    const ingress = new ManagementIngress(
        name,
        {
            plan,
            cloud: config.cloud,
            allowDestroy: config.allowDestroy,
            checks: {
                verify: config.verify,
                api: { address: found.api.address, port: found.api.port },
                // Listed and detected during discovery already: no second juju call.
                conductors: juju && {
                    juju,
                    units: (await listUnits(juju)).map((u) => u.unit),
                    flavor: await detectFlavor(juju),
                },
            },
        },
        opts,
    );
    return {
        securityGroup: `${found.group.name} (${found.group.id})`,
        api: `${found.api.address}:${found.api.port} (${found.api.provenance})`,
        ...planOutputs(plan),
        ruleIds: ingress.rules.map((r) => r.id),
        readBack: ingress.gate.rules.apply((rules) => rules.length),
        retired: ingress.retirement.retired,
        checks: ingress.checkResults,
        warnings: found.warnings,
    };
}

/** The rows a reviewer reads in the preview. */
export function planOutputs(plan: Plan) {
    return {
        allowSet: plan.allowSet.map((e) => ({
            role: e.role,
            port: e.port,
            source: e.remoteIpPrefix,
            provenance: e.provenance.join("; "),
        })),
        adopted: plan.allowSet.flatMap((e) => {
            const rule = plan.adoptions.get(e);
            return rule
                ? [{ id: rule.id, role: e.role, port: e.port, source: e.remoteIpPrefix }]
                : [];
        }),
        retireTargets: plan.retireTargets.map((t) => ({ id: t.id, admits: t.admits })),
        drift: plan.drift.map((c) => ({ id: c.rule.id, reason: c.reason })),
        exposure: exposureOutputs(plan.exposure),
    };
}

function parseJsonOrText(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
