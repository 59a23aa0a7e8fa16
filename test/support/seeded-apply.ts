// What the engine-less apply tests against the seeded local Neutron share: the cloud in this
// process's environment, the program's config for the seeded group, and its update.
import * as assert from "node:assert/strict";
import * as openstack from "@pulumi/openstack";
import { parseStackConfig, StackConfig } from "../../components/config/schema";
import { OpenStackLookups } from "../../components/discover/discovery";
import { openSession, Session } from "../../components/openstack/keystone";
import { runProgram } from "../../components/program";
import { cloudOrSkip, LocalCloud } from "../../tools/localcloud/cloud";
import { SEED } from "../../tools/localcloud/seed";
import { applyProgram } from "../../tools/rehearsal/apply";

/**
 * The local cloud and a session, for a describe block: registers the hooks that put the cloud's
 * variables into process.env (the serialized providers read clouds.yaml from their environment,
 * as in the engine) and restore it after.
 */
export function useSeededCloud() {
    let cloud: LocalCloud;
    let session: Session;
    let savedEnv: NodeJS.ProcessEnv;

    before(async function () {
        cloud = await cloudOrSkip(this);
        savedEnv = { ...process.env };
        Object.assign(process.env, cloud.env);
        session = await openSession({ env: cloud.env });
    });

    after(() => {
        process.env = savedEnv;
    });

    return () => ({ cloud, session });
}

/** The seeded group's stack values: one static conductor, the operator's /32, no checks. */
export function seededValues(
    cloud: LocalCloud,
    approvedRetirement?: unknown,
): Record<string, unknown> {
    return {
        cloud: cloud.cloudName,
        securityGroup: { name: SEED.securityGroup },
        api: { address: SEED.floatingIp },
        conductors: {
            static: { addresses: ["203.0.113.12"], reason: "the conductor's measured NAT" },
        },
        operator: { cidrs: ["203.0.113.1/32"], reason: "the operator's source" },
        verify: { mode: "never", conductors: { enabled: false } },
        ...(approvedRetirement === undefined ? {} : { approvedRetirement }),
    };
}

/** The seeded group's stack, parsed. */
export function seededConfig(cloud: LocalCloud, approvedRetirement?: unknown): StackConfig {
    return parseStackConfig(seededValues(cloud, approvedRetirement));
}

/** `pulumi up` of the program with `config` and `lookups`, applied engine-less; logs to `lines`. */
export function applySeeded(
    cloud: LocalCloud,
    session: Session,
    stack: string,
    config: () => StackConfig,
    lookups: OpenStackLookups,
    lines: string[],
): Promise<Record<string, unknown>> {
    return applyProgram({
        stack,
        values: {},
        session: async (provider) => {
            assert.equal(provider.cloud, cloud.cloudName);
            return session;
        },
        beforeCheck: async () => undefined,
        log: (line) => lines.push(line),
        program: async () =>
            runProgram("capi-mgmt", config(), lookups, {
                providers: [new openstack.Provider("openstack", { cloud: cloud.cloudName })],
            }),
    });
}
