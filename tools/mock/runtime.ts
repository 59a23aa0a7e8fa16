// Pulumi's mock runtime for evaluating the program without an engine or cloud: every
// registration is recorded, every invoke throws (the program makes none: its lookups go through
// the Networking API), and the resources the engine would run report a clean run.
import { spawnSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** The `import` id; the mock runtime passes "" for a resource that is not imported. */
    id?: string;
}

export const registered: Registered[] = [];
export const invoked: string[] = [];

export function installMocks(preview = false): void {
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                registered.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    id: args.id,
                });
                const id = args.id || `${args.name}-id`;
                return { id, state: { ...args.inputs, ...engineOutputs(args) } };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                invoked.push(args.token);
                throw new Error(`unmocked invoke ${args.token}`);
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

export function outputValue<T>(output: pulumi.Output<T> | T): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/**
 * A value with every secret unwrapped, as the engine hands inputs to a provider that accepts no
 * secrets (MockResourceArgs keeps them as `{[specialSigKey]: specialSecretSig, value}`, rpc.ts).
 */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[specialSigKey] === specialSecretSig) {
            return unwrapSecrets(record.value);
        }
        return Object.fromEntries(
            Object.entries(record).map(([key, inner]) => [key, unwrapSecrets(inner)]),
        );
    }
    return value;
}

/**
 * What the engine would report for the resources it cannot run here: dynamic resources as after
 * a clean run of their providers (tested for real elsewhere), and a local.Command really run.
 */
function engineOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    if (args.type.startsWith("pulumi-nodejs:dynamic/")) {
        return { rules: [], missing: [], retired: [], results: [] };
    }
    if (args.type === "command:local:Command") {
        const { stdout, stderr } = runLocalCommand(args.inputs);
        return { stdout, stderr };
    }
    return {};
}

/** Runs a local.Command's `create` with its environment, as @pulumi/command does. */
export function runLocalCommand(inputs: Record<string, unknown>): {
    stdout: string;
    stderr: string;
    status: number | null;
} {
    const { create, environment } = unwrapSecrets(inputs) as {
        create: string;
        environment?: Record<string, string>;
    };
    const run = spawnSync("/bin/sh", ["-c", create], {
        encoding: "utf8",
        env: { ...process.env, ...environment },
    });
    return { stdout: run.stdout.trim(), stderr: run.stderr.trim(), status: run.status };
}
