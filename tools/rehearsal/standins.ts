// The rehearsal's stand-ins: the management API, the conductor units and a tenant pod in network
// namespaces, with the group's live rules enforced on the API through an nftables mirror; or, where
// namespaces cannot be made, an API stand-in on loopback that proves less (and says what).
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { checkTenantIsolation } from "../../components/verify/checks";
import { parseStackConfig, StackConfig } from "../../components/config/schema";
import { DEFAULT_API_PORT } from "../../components/config/fields";
import { listRules } from "../../components/openstack/networking";
import { portsGuardingAddress } from "../../components/openstack/resources";
import { Session } from "../../components/openstack/keystone";
import { NeutronRule } from "../../components/model/rules";
import { SeedResult } from "../localcloud/seed";
import { generatePki, startApiServer, writeOperatorKubeconfig } from "./api-server";
import { startFirewallSync } from "./firewall";
import { heading, log } from "./output";
import {
    assertDocumentationAddress,
    createTopology,
    DEFAULT_ADDRESSES,
    namespaceSupport,
    nftablesSupport,
    TopologyState,
} from "./topology";

export const ROOT = path.resolve(__dirname, "..", "..");
export const STATE_DIR = path.join(ROOT, ".rehearsal");
export const STACK = "rehearsal";

export type Cleanup = () => Promise<void>;

export interface StandIns {
    mode: "netns" | "loopback";
    /** The config the steps run with: the stack's, adjusted to the stand-ins. */
    config: StackConfig;
    /** Re-applies the group's live rules to the API namespace now (no-op with loopback). */
    syncFirewall(): Promise<void>;
    /** Enforces these rules instead of the live ones; undefined restores the mirror. */
    pinFirewall(rules: NeutronRule[] | undefined): Promise<void>;
    /** What these stand-ins cannot show. */
    unproven: string[];
    /** The namespaces (netns mode only). */
    topology?: TopologyState;
}

/**
 * Before the change the seeded wide rule admits the tenant: its probe must connect. If it does
 * not, the stand-ins are not enforcing the group, and a timeout after the change would prove
 * nothing.
 */
export async function controlCheck(standIns: StandIns): Promise<void> {
    const tenant = standIns.config.verify.tenant;
    if (standIns.mode !== "netns" || !tenant) {
        return;
    }
    heading("control: before the change, the wide rule must let the tenant in");
    const api = {
        address: standIns.config.api.address!,
        port: standIns.config.api.port ?? DEFAULT_API_PORT,
    };
    const result = await checkTenantIsolation(tenant, api);
    log(`tenant probe to ${api.address}:${api.port}: ${result.outcome} (expected: connected)`);
    if (result.outcome !== "connected") {
        throw new Error(
            `control check: the tenant probe to ${api.address}:${api.port} got ${result.outcome} ` +
                `while the group still admits 0.0.0.0/0; expected it to connect. The stand-ins do ` +
                `not enforce the group, so the verification after the change would mean nothing`,
        );
    }
}

export async function startStandIns(
    config: StackConfig,
    seed: SeedResult,
    session: Session,
    cleanups: Cleanup[],
): Promise<StandIns> {
    const apiAddress = seed.floatingIp;
    const operator = operatorSource(config);
    const unsupported = (await namespaceSupport()) ?? (await nftablesSupport());
    if (unsupported) {
        return loopbackStandIns(config, unsupported, cleanups);
    }
    const topology = await createTopology({
        apiAddress,
        stateDir: STATE_DIR,
        model: config.conductors.juju?.model,
        application: config.conductors.juju?.application,
        addresses: { operator },
    });
    cleanups.push(topology.destroy);
    if (topology.leftovers.length > 0) {
        log(`removed a crashed run's leftovers: ${topology.leftovers.join(", ")}`);
    }
    const pki = await generatePki(path.join(STATE_DIR, "pki"), apiAddress);
    const server = await startApiServer({
        namespace: topology.state.api.namespace,
        // Both families: IPv4 and the IPv6 address the differential probes (bindv6only is 0).
        host: "::",
        pki,
        apiPort: config.api.port ?? DEFAULT_API_PORT,
    });
    cleanups.push(server.stop);
    writeKubeconfigs(config, `https://${apiAddress}:${config.api.port ?? DEFAULT_API_PORT}`, pki);
    cleanups.push(async () => removeCredentials(config, pki.dir));
    // Neutron enforces the union of every group on the port (exposure-facts.md): so does the mirror.
    const groupIds = [
        ...new Set(
            (await portsGuardingAddress(session, apiAddress)).flatMap((p) => p.securityGroups),
        ),
    ].sort();
    if (groupIds.length === 0) {
        throw new Error(
            `no security group guards the API address ${apiAddress}: nothing to mirror`,
        );
    }
    const sync = startFirewallSync({
        namespace: topology.state.api.namespace,
        groupIds,
        listRules: async () =>
            (await Promise.all(groupIds.map((id) => listRules(session, id)))).flat(),
        log,
    });
    cleanups.push(sync.stop);
    await sync.syncNow();
    const state = topology.state;
    log(
        `API ${apiAddress}:${config.api.port ?? DEFAULT_API_PORT} and :22 in namespace ${state.api.namespace}`,
    );
    for (const unit of state.units) {
        log(`conductor ${unit.name} in ${unit.namespace}, sends from ${unit.source}`);
    }
    log(`tenant pod in ${state.tenant.namespace}, sends from ${state.tenant.source}`);
    log(`operator: this namespace, sends from ${operator} through ${state.operator.link}`);
    return {
        mode: "netns",
        config,
        syncFirewall: async () => void (await sync.syncNow()),
        pinFirewall: async (rules) => void (await sync.pin(rules)),
        unproven: [],
        topology: state,
    };
}

/**
 * Without network namespaces: the API stand-in on loopback proves the operator's certificate
 * path, static conductor addresses replace the Juju measurement, and nothing crosses the rules.
 */
async function loopbackStandIns(
    config: StackConfig,
    why: string,
    cleanups: Cleanup[],
): Promise<StandIns> {
    log(`network namespaces cannot be used here: ${why}`);
    log("using loopback stand-ins: the group's rules are not enforced on any traffic");
    const pki = await generatePki(path.join(STATE_DIR, "pki"), "127.0.0.1");
    const apiPort = 16443;
    const server = await startApiServer({ host: "127.0.0.1", pki, apiPort, sshPort: 16022 });
    cleanups.push(server.stop);
    writeKubeconfigs(config, `https://127.0.0.1:${apiPort}`, pki);
    cleanups.push(async () => removeCredentials(config, pki.dir));
    const reason = "rehearsal stand-ins on loopback: no unit to measure through Juju";
    return {
        mode: "loopback",
        config: parseStackConfig({
            ...config,
            conductors: { static: { addresses: DEFAULT_ADDRESSES.unitSources, reason } },
            verify: {
                ...config.verify,
                conductors: { ...config.verify.conductors, enabled: false },
                tenant: undefined,
            },
        }),
        syncFirewall: async () => undefined,
        pinFirewall: async () => undefined,
        unproven: [
            "conductor handshakes (the units are not measured through Juju)",
            "tenant isolation (no namespace to send from)",
            "that the rules admit the operator (the API stand-in is on loopback)",
        ],
    };
}

/** The root namespace's source: the stack's operator /32. */
function operatorSource(config: StackConfig): string {
    const host = config.operator.cidrs.find((cidr) => cidr.endsWith("/32"));
    if (!host) {
        throw new Error(
            `stacks/Pulumi.${STACK}.yaml: operator.cidrs needs a /32 for the operator stand-in ` +
                `(this namespace's source), got ${config.operator.cidrs.join(", ")}`,
        );
    }
    const address = host.split("/")[0];
    assertDocumentationAddress(address);
    return address;
}

function writeKubeconfigs(
    config: StackConfig,
    server: string,
    pki: Awaited<ReturnType<typeof generatePki>>,
): void {
    if (config.verify.operator) {
        writeOperatorKubeconfig(path.resolve(ROOT, config.verify.operator.kubeconfig), server, pki);
    }
    if (config.verify.tenant) {
        // The kubectl shim ignores it: the tenant cluster is one namespace.
        const tenant = {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "tenant", cluster: { server: "https://tenant.invalid" } }],
            contexts: [{ name: "tenant", context: { cluster: "tenant", user: "tenant" } }],
            users: [{ name: "tenant", user: {} }],
            "current-context": "tenant",
        };
        fs.writeFileSync(path.resolve(ROOT, config.verify.tenant.kubeconfig), stringify(tenant), {
            mode: 0o600,
        });
    }
}

/** The keys and kubeconfigs made for the stand-ins live only as long as the rehearsal. */
function removeCredentials(config: StackConfig, pkiDir: string): void {
    fs.rmSync(pkiDir, { recursive: true, force: true });
    for (const file of [config.verify.operator?.kubeconfig, config.verify.tenant?.kubeconfig]) {
        if (file) {
            fs.rmSync(path.resolve(ROOT, file), { force: true });
        }
    }
}
