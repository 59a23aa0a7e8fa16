// The rehearsal through the Pulumi engine: preview and up of the `rehearsal` stack through the
// Automation API, on a local file backend with a passphrase made for this run. The project file
// is written beside the program (under the state dir), so the tracked stack file is never changed
// (the passphrase provider would add its salt to it).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { NAMESPACE } from "../../components/config/fields";
import { runRaw } from "./run";

export interface EngineSettings {
    stack: string;
    /** Holds Pulumi.yaml and the stack's settings; its `main` points at the program. */
    workDir: string;
    /** The file backend's directory. */
    backendDir: string;
    project: { name: string; runtime: { name: string; options: object }; main: string };
    /** For the CLI and the program: backend, passphrase and the cloud's client config. */
    envVars: Record<string, string>;
    /** The stack's config as the Automation API takes it (objects as JSON text). */
    config: Record<string, { value: string }>;
    policyPacks: string[];
}

/** The pulumi executable on PATH, or undefined. */
export async function findPulumiCli(): Promise<string | undefined> {
    const found = await runRaw(["sh", "-c", "command -v pulumi"]);
    return found.code === 0 ? found.stdout.trim() : undefined;
}

export function engineSettings(options: {
    root: string;
    stateDir: string;
    stack: string;
    /** The stack's config values, keys without the namespace. */
    values: Record<string, unknown>;
    env: Record<string, string>;
}): EngineSettings {
    const workDir = path.join(options.stateDir, "project");
    const backendDir = path.join(options.stateDir, "state");
    return {
        stack: options.stack,
        workDir,
        backendDir,
        project: {
            name: NAMESPACE,
            runtime: { name: "nodejs", options: { typescript: true } },
            main: path.relative(workDir, options.root),
        },
        envVars: {
            ...options.env,
            PULUMI_BACKEND_URL: `file://${backendDir}`,
            // Made for this run and never shown: the state is the rehearsal's own.
            PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("base64url"),
        },
        config: Object.fromEntries(
            Object.entries(stackConfigText(options.values)).map(([key, value]) => [key, { value }]),
        ),
        policyPacks: [path.join(options.root, "policy")],
    };
}

/**
 * The stack's config as the engine hands it to the program: namespaced keys, objects as JSON
 * text (components/program.ts reads them back); keys without a value are left out.
 */
export function stackConfigText(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(values)
            .filter(([, value]) => value !== undefined)
            .map(([key, value]) => [
                `${NAMESPACE}:${key}`,
                typeof value === "string" ? value : JSON.stringify(value),
            ]),
    );
}

/** A fresh project directory and backend: every rehearsal starts from empty state. */
export function prepareEngineProject(settings: EngineSettings): void {
    for (const dir of [settings.workDir, settings.backendDir]) {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    fs.writeFileSync(path.join(settings.workDir, "Pulumi.yaml"), stringify(settings.project));
}

/** Preview, then up; the engine's own output goes to `write`. Throws when either fails. */
export async function previewAndUp(
    settings: EngineSettings,
    write: (text: string) => void,
): Promise<Record<string, unknown>> {
    const auto = await import("@pulumi/pulumi/automation");
    prepareEngineProject(settings);
    const stack = await auto.LocalWorkspace.createOrSelectStack(
        { stackName: settings.stack, workDir: settings.workDir },
        { envVars: settings.envVars, secretsProvider: "passphrase" },
    );
    await stack.setAllConfig(settings.config);
    await stack.preview({ onOutput: write, diff: true, policyPacks: settings.policyPacks });
    const up = await stack.up({ onOutput: write, policyPacks: settings.policyPacks });
    return Object.fromEntries(
        Object.entries(up.outputs).map(([key, out]) => [key, out.secret ? "[secret]" : out.value]),
    );
}
