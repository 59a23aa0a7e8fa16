// Runs a CrossGuard pack the way the engine's Node.js host does: `node .../run-policy-pack
// <engine address> .` from the pack's directory, which compiles the pack with ts-node (type
// checking on) and serves the Analyzer service on a loopback port printed as the first stdout line.
// The client here sends the engine's requests to that port.
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    AnalyzeRequest,
    AnalyzeResponse,
    AnalyzerInfo,
    AnalyzerResource,
    AnalyzeStackRequest,
    AnalyzerResourceOptions,
    ConfigureAnalyzerRequest,
    EnforcementLevel,
    PolicyConfig,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";

const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
// The host passes the engine's address first; a pack never dials it.
const ENGINE_ADDRESS = "127.0.0.1:1";
const STOP_GRACE_MS = 5_000;

export type Level = "advisory" | "mandatory" | "remediate" | "disabled";

const LEVEL_VALUES: Record<Level, EnforcementLevel> = {
    advisory: EnforcementLevel.ADVISORY,
    mandatory: EnforcementLevel.MANDATORY,
    remediate: EnforcementLevel.REMEDIATE,
    disabled: EnforcementLevel.DISABLED,
};

const LEVELS = Object.fromEntries(
    Object.entries(LEVEL_VALUES).map(([level, value]) => [value, level]),
) as Record<EnforcementLevel, Level>;

export interface PolicyListing {
    name: string;
    enforcementLevel: Level;
    /** The config keys its schema declares, sorted; empty when it takes no config. */
    configKeys: string[];
}

export interface PackListing {
    name: string;
    version: string;
    policies: PolicyListing[];
}

export interface Diagnostic {
    policyName: string;
    enforcementLevel: Level;
    description: string;
    /** As the engine prints it: the policy's description, a newline, then what the policy reported. */
    message: string;
}

export interface Analysis {
    diagnostics: Diagnostic[];
    /** Policies that declared themselves not applicable to the resource's type. */
    notApplicable: string[];
}

export type Properties = { [key: string]: JavaScriptValue };

export interface PolicyConfigInput {
    enforcementLevel: Level;
    properties: Properties;
}

/** The pack's Analyzer service, reached over loopback gRPC. */
export class PolicyAnalyzer {
    constructor(
        private readonly client: AnalyzerClient,
        private readonly stack: { project: string; stack: string },
    ) {}

    async info(): Promise<PackListing> {
        const info = await unary<AnalyzerInfo>((done) =>
            this.client.getAnalyzerInfo(new Empty(), done),
        );
        return {
            name: info.getName(),
            version: info.getVersion(),
            policies: info.getPoliciesList().map((policy) => ({
                name: policy.getName(),
                enforcementLevel: LEVELS[policy.getEnforcementlevel()],
                configKeys: Object.keys(
                    policy.getConfigschema()?.getProperties()?.toJavaScript() ?? {},
                ).sort(),
            })),
        };
    }

    /** What the engine sends before creating or updating a resource: its type, name and inputs. */
    async analyze(type: string, name: string, properties: Properties): Promise<Analysis> {
        const request = new AnalyzeRequest();
        request.setType(type);
        request.setName(name);
        request.setUrn(`urn:pulumi:${this.stack.stack}::${this.stack.project}::${type}::${name}`);
        request.setProperties(Struct.fromJavaScript(properties));
        request.setOptions(new AnalyzerResourceOptions());
        const response = await unary<AnalyzeResponse>((done) => this.client.analyze(request, done));
        return {
            diagnostics: response.getDiagnosticsList().map((diagnostic) => ({
                policyName: diagnostic.getPolicyname(),
                enforcementLevel: LEVELS[diagnostic.getEnforcementlevel()],
                description: diagnostic.getDescription(),
                message: diagnostic.getMessage(),
            })),
            notApplicable: response.getNotApplicableList().map((entry) => entry.getPolicyName()),
        };
    }

    /** What the engine sends once every resource is registered: all of them, for stack policies. */
    async analyzeStack(
        resources: { type: string; name: string; properties: Properties }[],
    ): Promise<Diagnostic[]> {
        const request = new AnalyzeStackRequest();
        request.setResourcesList(
            resources.map(({ type, name, properties }) => {
                const resource = new AnalyzerResource();
                resource.setType(type);
                resource.setName(name);
                resource.setUrn(
                    `urn:pulumi:${this.stack.stack}::${this.stack.project}::${type}::${name}`,
                );
                resource.setProperties(Struct.fromJavaScript(properties));
                resource.setOptions(new AnalyzerResourceOptions());
                return resource;
            }),
        );
        const response = await unary<AnalyzeResponse>((done) =>
            this.client.analyzeStack(request, done),
        );
        return response.getDiagnosticsList().map((diagnostic) => ({
            policyName: diagnostic.getPolicyname(),
            enforcementLevel: LEVELS[diagnostic.getEnforcementlevel()],
            description: diagnostic.getDescription(),
            message: diagnostic.getMessage(),
        }));
    }

    /** `--policy-pack-config`: replaces the whole pack's config (policies left out get none). */
    async configure(config: Record<string, PolicyConfigInput>): Promise<void> {
        const request = new ConfigureAnalyzerRequest();
        for (const [policyName, { enforcementLevel, properties }] of Object.entries(config)) {
            const policyConfig = new PolicyConfig();
            policyConfig.setEnforcementlevel(LEVEL_VALUES[enforcementLevel]);
            policyConfig.setProperties(Struct.fromJavaScript(properties));
            request.getPolicyconfigMap().set(policyName, policyConfig);
        }
        await unary<Empty>((done) => this.client.configure(request, done));
    }

    close(): void {
        this.client.close();
    }
}

/**
 * The pack's process. Spawned in the constructor so whoever holds it can always stop it, also
 * when waiting for the port fails or times out.
 */
export class PolicyPackProcess {
    private readonly child: ChildProcess;
    private readonly exited: Promise<void>;
    private analyzer: PolicyAnalyzer | undefined;
    private stderr = "";
    // A safety net for a test process that exits without running its after hooks.
    private readonly killOnExit = () => this.child.kill("SIGKILL");

    /** Resolves once the pack serves; rejects, with its stderr, if it exits or prints no port. */
    readonly ready: Promise<PolicyAnalyzer>;

    constructor(packDir: string, stack = { project: "capi-mgmt-ingress", stack: "dev" }) {
        this.child = spawn(process.execPath, [RUN_POLICY_PACK, ENGINE_ADDRESS, "."], {
            cwd: path.resolve(packDir),
            stdio: ["ignore", "pipe", "pipe"],
        });
        process.once("exit", this.killOnExit);
        // A process that could not be spawned emits "error" and may never emit "exit".
        this.exited = new Promise((resolve) => {
            this.child.once("exit", () => resolve());
            this.child.once("error", () => resolve());
        });
        this.child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
        this.ready = new Promise((resolve, reject) => {
            let stdout = "";
            const command = `node run-policy-pack ${ENGINE_ADDRESS} . (in ${packDir})`;
            this.child.once("error", (err) => reject(new Error(`${command}: ${err.message}`)));
            this.child.once("exit", (code, signal) =>
                reject(
                    new Error(
                        `${command} exited (code ${code}, signal ${signal}) before printing its port; stderr:\n${this.stderr}`,
                    ),
                ),
            );
            this.child.stdout?.on("data", (chunk: Buffer) => {
                if (this.analyzer) {
                    return;
                }
                stdout += chunk.toString();
                const newline = stdout.indexOf("\n");
                if (newline < 0) {
                    return;
                }
                const line = stdout.slice(0, newline).trim();
                if (!/^\d{1,5}$/.test(line)) {
                    reject(
                        new Error(
                            `${command}: expected a port on the first stdout line, got "${line}"`,
                        ),
                    );
                    return;
                }
                const client = new AnalyzerClient(
                    `127.0.0.1:${line}`,
                    grpc.credentials.createInsecure(),
                );
                this.analyzer = new PolicyAnalyzer(client, stack);
                resolve(this.analyzer);
            });
        });
    }

    /** Closes the client and ends the pack: SIGTERM, then SIGKILL if it lingers. */
    async stop(): Promise<void> {
        this.analyzer?.close();
        process.removeListener("exit", this.killOnExit);
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
            return;
        }
        this.child.kill("SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const lingered = await Promise.race([
            this.exited.then(() => false),
            new Promise<boolean>(
                (resolve) => (timer = setTimeout(() => resolve(true), STOP_GRACE_MS)),
            ),
        ]);
        clearTimeout(timer);
        if (lingered) {
            this.child.kill("SIGKILL");
            await this.exited;
        }
    }
}

/** A unary gRPC call as a promise; the error keeps the pack's status and message. */
function unary<T>(
    invoke: (done: (err: grpc.ServiceError | null, res: T) => void) => void,
): Promise<T> {
    return new Promise((resolve, reject) =>
        invoke((err, res) => (err ? reject(err) : resolve(res))),
    );
}
