// Pulumi's mock runtime for the program tests: a small fake cloud answers the openstack invokes,
// every other invoke token throws, and resource options are captured with `transformations`.
import { spawnSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { NeutronRule } from "../../components/model/rules";

export interface FakeCloud {
    groups: { id: string; name: string }[];
    subnets: { id: string; name: string; cidr: string }[];
    routers: { id: string; name: string; ips: string[] }[];
    floatingIps: { address: string; portId: string }[];
    ports: { id: string; fixedIp: string; securityGroupIds: string[] }[];
    rules: NeutronRule[];
}

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    id?: string;
}

export interface Captured {
    type: string;
    name: string;
    opts: pulumi.CustomResourceOptions;
}

export const registered: Registered[] = [];
export const invoked: string[] = [];

export function installMocks(cloud: () => FakeCloud, preview = false): void {
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                registered.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    id: args.id,
                });
                // An empty import id means "not an import".
                const id = args.id || `${args.name}-id`;
                return { id, state: { ...args.inputs, ...engineOutputs(args) } };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                invoked.push(args.token);
                return answer(cloud(), args.token, args.inputs);
            },
        },
        "capi-mgmt-ingress",
        "example",
        preview,
    );
}

export function reset(): void {
    registered.length = 0;
    invoked.length = 0;
}

/** A transformation that records every resource's options, children included. */
export function captureOptions(into: Captured[]): pulumi.ResourceTransformation {
    return (args) => {
        into.push({
            type: args.type,
            name: args.name,
            opts: args.opts as pulumi.CustomResourceOptions,
        });
        return undefined;
    };
}

export function outputValue<T>(output: pulumi.Output<T> | T): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * What the engine would report for the resources it cannot run here: dynamic resources as after
 * a clean run of their providers (tested for real elsewhere), and a local.Command really run.
 */
function engineOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    if (args.type.startsWith("pulumi-nodejs:dynamic/")) {
        return { rules: [], missing: [], retired: [], results: [] };
    }
    if (args.type === "command:local:Command") {
        const environment = args.inputs.environment ?? {};
        const run = spawnSync("/bin/sh", ["-c", args.inputs.create], {
            encoding: "utf8",
            input: args.inputs.stdin,
            env: { ...process.env, ...(environment[SECRET_SIG] ? environment.value : environment) },
        });
        return { stdout: run.stdout.trim(), stderr: run.stderr.trim() };
    }
    return {};
}

function answer(cloud: FakeCloud, token: string, inputs: Record<string, string>) {
    const one = <T>(found: T[], what: string): T => {
        if (found.length !== 1) {
            throw new Error(`${what}: ${found.length === 0 ? "no match" : "more than one match"}`);
        }
        return found[0];
    };
    switch (token) {
        case "openstack:networking/getSecGroup:getSecGroup": {
            const group = one(
                cloud.groups.filter((g) => g.name === inputs.name || g.id === inputs.secgroupId),
                "security group",
            );
            return {
                id: group.id,
                name: group.name,
                tenantId: "tenant",
                region: "RegionOne",
                allTags: [],
            };
        }
        case "openstack:networking/getSubnet:getSubnet": {
            const subnet = one(
                cloud.subnets.filter((s) => s.name === inputs.name || s.id === inputs.subnetId),
                "subnet",
            );
            return { ...subnet, subnetId: subnet.id };
        }
        case "openstack:networking/getRouter:getRouter": {
            const router = one(
                cloud.routers.filter((r) => r.name === inputs.name || r.id === inputs.routerId),
                "router",
            );
            return {
                id: router.id,
                name: router.name,
                externalFixedIps: router.ips.map((ipAddress) => ({ ipAddress, subnetId: "ext" })),
            };
        }
        case "openstack:networking/getFloatingIp:getFloatingIp": {
            const fip = one(
                cloud.floatingIps.filter((f) => f.address === inputs.address),
                "floating IP",
            );
            return { id: `fip-${fip.address}`, address: fip.address, portId: fip.portId };
        }
        case "openstack:networking/getPort:getPort": {
            const port = one(
                cloud.ports.filter((p) => p.id === inputs.portId || p.fixedIp === inputs.fixedIp),
                "port",
            );
            return {
                id: port.id,
                allSecurityGroupIds: port.securityGroupIds,
                allFixedIps: [port.fixedIp],
            };
        }
        default:
            throw new Error(`unmocked invoke ${token}`);
    }
}
