// The program: config → discovery → pure plan → declarations. index.ts only calls main().
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, StackConfig, stackConfigProblems } from "./config/schema";
import { NAMESPACE } from "./config/fields";
import { foreignKeyProblem } from "./config/foreign";
import { discover, OpenStackLookups } from "./discover/discovery";
import { ManagementIngress } from "./apply/ingress";
import { restLookups } from "./discover/rest-lookups";
import { stackFileLocation, stackFilePath, stackFileValue } from "./config/stackfile";
import {
    CREDENTIAL_NAME,
    plainCredentialEnv,
    plainCredentialKeyProblem,
    plainCredentialProblem,
    programValue,
} from "./config/values";
import { assertSecretsOnlyInCheckEnv, secureLeaves } from "./verify/check-env";
import { detectFlavor, listUnits } from "./juju/units";
import { resolveAuth } from "./openstack/credentials";
import { openSession } from "./openstack/keystone";
import { providerArgs, providerInputs } from "./openstack/provider";
import { Plan, planIngress } from "./plan/plan";
import { judgeApproval } from "./plan/approval";
import { exposureOutputs } from "./plan/exposure";
import { maskSecrets } from "./mask";

/**
 * Every key of this project's namespace (objects arrive as JSON text), so that a misspelt key
 * fails validation instead of being ignored. Secret keys are refused, as the tools refuse them,
 * but for the values of verify.custom[].env (components/verify/check-env.ts). Other namespaces
 * are not read; a secret or a provider credential there is refused (components/config/foreign.ts).
 * A check env value named like a credential must be a secret (components/config/values.ts).
 * `file` is the stack file that shows which leaves are secret (the stack's own by default).
 * Every problem is reported in one ConfigError, the schema's included (as the tools report them:
 * components/config/stackfile.ts), never a value.
 */
export function readPulumiConfig(file = stackFilePath(pulumi.getStack())): Record<string, unknown> {
    // The SDK's own test for secret keys (not in its typings; the SDK version is pinned).
    const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
        isConfigSecret(key: string): boolean;
    };
    const raw: Record<string, unknown> = {};
    const problems: string[] = [];
    // Keys refused as secrets: the schema is not asked about their (decrypted) values.
    const refused: string[][] = [];
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        const [namespace, key] = fullKey.split(":", 2);
        if (namespace !== NAMESPACE) {
            // Not read, but a secret or a provider credential there is refused as the tools do.
            const at = `${file}, key ${fullKey}`;
            const problem = foreignKeyProblem(fullKey, isConfigSecret(fullKey), at);
            problems.push(...(problem === undefined ? [] : [problem]));
            continue;
        }
        const secret = isConfigSecret(fullKey);
        if (CREDENTIAL_NAME.test(key) && !secret) {
            const at = stackFileLocation(file, fullKey, []);
            problems.push(plainCredentialKeyProblem(fullKey, at));
            continue;
        }
        // The stack file shows which leaves of a secret key are secret: read once, when one is.
        const stored = secret ? stackFileValue(file, fullKey) : undefined;
        raw[key] = programValue(key, text);
        if (secret) {
            // Only verify.custom[].env may hold secrets (a file that cannot be read is refused).
            try {
                assertSecretsOnlyInCheckEnv(fullKey, key, stored, file);
            } catch (err) {
                problems.push((err as Error).message);
                // Its decrypted value is not checked further, nor shown in another problem.
                delete raw[key];
                refused.push([key]);
                continue;
            }
        }
        if (key === "verify") {
            // A check env value named like a credential must be one of the secret leaves.
            const leaves = stored !== undefined ? secureLeaves(stored) : [];
            problems.push(
                ...plainCredentialEnv(raw[key], leaves).map((p) =>
                    plainCredentialProblem(p, stackFileLocation(file, fullKey, p)),
                ),
            );
        }
    }
    if (problems.length > 0) {
        throw new ConfigError([...problems, ...stackConfigProblems(raw, refused)]);
    }
    return raw;
}

export async function main(): Promise<Record<string, unknown>> {
    const config = parseStackConfig(readPulumiConfig());
    // One identity for the provider and the program's own session (docs/credentials.md).
    const identity = resolveAuth({ cloud: config.cloud || undefined });
    const provider = new openstack.Provider(
        "openstack",
        providerArgs(
            providerInputs(identity, process.env, process.cwd(), config.cloud || undefined),
        ),
    );
    // Lookups through the Networking API, as every tool makes them; the provider only writes.
    const session = await openSession({ resolved: identity });
    return runProgram("capi-mgmt", config, restLookups(session), {
        providers: [provider],
    });
}

export async function runProgram(
    name: string,
    config: StackConfig,
    lookups: OpenStackLookups,
    opts?: pulumi.ComponentResourceOptions,
): Promise<Record<string, unknown>> {
    const found = await discover(config, lookups);
    // Names and warnings are the cloud's free text: masked in logs and outputs (state).
    const warnings = found.warnings.map(maskSecrets);
    for (const warning of warnings) {
        pulumi.log.warn(warning);
    }
    const plan = planIngress(config, found);
    if (plan.exposure.refusal) {
        // Before any declaration: no rule is created and no retirement is declared.
        throw new Error(plan.exposure.refusal);
    }
    // Nothing is declared unless the measured retire targets are the approved ones.
    const approval = judgeApproval(plan.groupId, plan.retireTargets, config.approvedRetirement);
    if (approval.status === "refused") {
        throw new Error(approval.message);
    }
    if (approval.status === "nothing-to-retire" && approval.note) {
        pulumi.log.warn(approval.note);
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
        securityGroup: `${maskSecrets(found.group.name)} (${found.group.id})`,
        // From the kubeconfig on the units, the provenance quotes its server URL.
        api: `${found.api.address}:${found.api.port} (${maskSecrets(found.api.provenance)})`,
        ...planOutputs(plan),
        ruleIds: ingress.rules.map((r) => r.id),
        readBack: ingress.gate.rules.apply((rules) => rules.length),
        retired: ingress.retirement.retired,
        checks: ingress.checkResults,
        retirementDigest: approval.status === "approved" ? approval.digest : null,
        warnings,
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
