// The program under Pulumi's mock runtime for the program tests: setMocks first (here, on
// import), the program imported after it; an in-memory cloud answers discovery's lookups.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Captured, captureOptions } from "./mocks";
import { installMocks, outputValue, Registered, registered, reset } from "../../tools/mock/runtime";
import { FakeCloud, fakeLookups } from "../../tools/mock/fake-cloud";
import { loadStackConfig } from "../../components/config/stackfile";
import type { StackConfig } from "../../components/config/schema";
import type { NeutronRule } from "../../components/model/rules";
import { retirementDigest } from "../../components/plan/approval";

installMocks();

/** The cloud the next run looks up; tests replace or change it. */
export const fake: { cloud: FakeCloud } = { cloud: undefined as unknown as FakeCloud };

export const FAKE_JUJU = path.resolve(__dirname, "..", "..", "tools", "fakes", "juju", "juju");
export const SCENARIOS = path.resolve(__dirname, "..", "..", "tools", "fakes", "juju", "scenarios");
export const GROUP = "0d5c6a52-2a39-4bb0-9f59-6a2e3b1d9c01";
export const RULE = "openstack:networking/secGroupRule:SecGroupRule";
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export function wide(
    id: string,
    port: number,
    prefix: string | null,
    ethertype: "IPv4" | "IPv6" = "IPv4",
): NeutronRule {
    return {
        id,
        security_group_id: GROUP,
        direction: "ingress",
        ethertype,
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: prefix,
        remote_group_id: null,
        description: "",
    };
}

export function shape(port: number) {
    return {
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: port,
        portRangeMax: port,
        remoteIpPrefix: "0.0.0.0/0",
        remoteGroupId: null,
    };
}

export function rulingCloud(): FakeCloud {
    return {
        groups: [
            { id: GROUP, name: "capi-mgmt-sg" },
            { id: "default", name: "default" },
        ],
        subnets: [
            {
                id: "9a7e3c1e-1111-4000-8000-000000000001",
                name: "capi-mgmt-subnet",
                cidr: "10.20.0.0/24",
            },
        ],
        routers: [
            {
                id: "9a7e3c1e-2222-4000-8000-000000000002",
                name: "capi-mgmt-router",
                ips: ["10.12.4.37"],
            },
        ],
        floatingIps: [{ address: "10.12.7.222", portId: "port-api" }],
        ports: [{ id: "port-api", fixedIp: "10.20.0.10", securityGroupIds: [GROUP, "default"] }],
        rules: [
            wide("wide-6443", 6443, "0.0.0.0/0"),
            wide("wide-22", 22, "0.0.0.0/0"),
            {
                ...wide("egress", 0, null),
                direction: "egress",
                protocol: null,
                port_range_min: null,
                port_range_max: null,
            },
        ],
    };
}

export function exampleConfig(overrides: Partial<StackConfig> = {}): StackConfig {
    const config = loadStackConfig("example");
    return {
        ...config,
        conductors: {
            juju: { ...config.conductors.juju!, bin: FAKE_JUJU, env: undefined } as never,
        },
        // The ruling's two wide rules, approved (test/unit/approval.test.ts covers the refusals).
        approvedRetirement: {
            digest: retirementDigest(GROUP, [
                { id: "wide-6443", shape: shape(6443) },
                { id: "wide-22", shape: shape(22) },
            ]),
        },
        ...overrides,
    };
}

export async function run(config: StackConfig, scenario = "juju3-lxd") {
    reset();
    const captured: Captured[] = [];
    process.env.FAKE_JUJU_SCENARIO = path.isAbsolute(scenario)
        ? scenario
        : path.join(SCENARIOS, scenario);
    const outputs = await (
        await import("../../components/program")
    ).runProgram("capi-mgmt", config, fakeLookups(fake.cloud), {
        transformations: [captureOptions(captured)],
    });
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
        resolved[key] = await outputValue(value as pulumi.Output<unknown>);
    }
    return { outputs: resolved, captured };
}

export const ruleRows = () =>
    registered
        .filter((r) => r.type === RULE)
        .map(
            (r) =>
                `${r.name} ${r.inputs.portRangeMin}/${r.inputs.protocol} ${r.inputs.remoteIpPrefix}`,
        )
        .sort();

/** The group as an update leaves it: each declared rule live, as `tight-<n>`. */
export function tightRules(declared: Registered[]): NeutronRule[] {
    return declared.map((r, i) => ({
        ...wide(`tight-${i}`, r.inputs.portRangeMin as number, r.inputs.remoteIpPrefix as string),
        description: r.inputs.description as string,
    }));
}
