// Runs a dynamic provider the way the engine does: serialized by the SDK's closure serializer
// (as @pulumi/pulumi/dynamic does), then loaded from that text with require-from-string in a
// fresh plain `node` process (no ts-node), where its methods are called one JSON line at a time.
// The engine-less rehearsal runs the program's gate, retirement and checks here; tests use it to
// run each provider as the engine would.
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import * as pulumi from "@pulumi/pulumi";

const ROOT = path.resolve(__dirname, "..", "..");
const DIR = path.join(ROOT, ".cache", "providers");

// The engine's host (cmd/dynamic-provider) does `requireFromString(text).handler()` from the
// program's directory; so does this driver, and it refuses to run if ts-node is loaded.
const DRIVER = `"use strict";
const fs = require("node:fs");
const readline = require("node:readline");
const requireFromString = require("require-from-string");
if (require.extensions[".ts"] || process.execArgv.some((a) => a.includes("ts-node"))) {
    throw new Error("the provider driver must run without ts-node");
}
const provider = requireFromString(fs.readFileSync(process.argv[2], "utf8")).handler();
const reply = (value) => process.stdout.write(JSON.stringify(value) + "\\n");
reply({ ready: true });
const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
    const { method, args } = JSON.parse(line);
    queue = queue.then(async () => {
        if (typeof provider[method] !== "function") {
            reply({ ok: true, value: null, missing: true });
            return;
        }
        try {
            reply({ ok: true, value: (await provider[method](...args)) ?? null });
        } catch (err) {
            reply({
                ok: false,
                error: {
                    name: err && err.name,
                    message: err && err.message,
                    id: err && err.id,
                    properties: err && err.properties,
                    reasons: err && err.reasons,
                },
            });
        }
    });
});
`;

export interface ProviderError {
    name?: string;
    message: string;
    /** Set when the provider reports a partial failure the engine records (init failure). */
    id?: string;
    properties?: Record<string, unknown>;
    reasons?: string[];
}

/** `missing`: the provider has no such method (the engine then uses its default, e.g. for check). */
export type CallResult<T> =
    { ok: true; value: T; missing?: boolean } | { ok: false; error: ProviderError };

/** Serializes the provider exactly as `pulumi.dynamic.Resource` does; returns the file written. */
export async function serializeProvider(
    name: string,
    provider: pulumi.dynamic.ResourceProvider,
): Promise<string> {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, {
        allowSecrets: true,
    });
    if (serialized.containsSecrets) {
        throw new Error(`the serialized ${name} provider captured a secret`);
    }
    return writeProvider(name, serialized.text);
}

/** Writes a serialized provider (the text a dynamic resource's `__provider` input carries). */
export function writeProvider(name: string, text: string): string {
    fs.mkdirSync(DIR, { recursive: true });
    const file = path.join(DIR, `${name}.js`);
    replaceFile(file, text);
    replaceFile(path.join(DIR, "driver.js"), DRIVER);
    return file;
}

/**
 * Writes by rename, and only when the text differs: a provider process started a moment ago may
 * still be reading the file, and a truncated driver.js runs as an empty script that exits 0.
 */
function replaceFile(file: string, text: string): void {
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) {
        return;
    }
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
}

/** A file name for a serialized provider: the same text, the same file. */
export function providerFileName(text: string): string {
    return `p-${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

/** One provider process: like the engine's, it deserializes once and serves many calls. */
export class ProviderProcess {
    private readonly pending: ((line: string) => void)[] = [];
    private stderr = "";

    private constructor(private readonly child: ChildProcessWithoutNullStreams) {
        readline
            .createInterface({ input: child.stdout })
            .on("line", (line) => this.pending.shift()?.(line));
        child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    }

    static async start(file: string, env: NodeJS.ProcessEnv): Promise<ProviderProcess> {
        const clean = { ...env };
        delete clean.NODE_OPTIONS;
        for (const key of Object.keys(clean).filter((k) => k.startsWith("TS_NODE"))) {
            delete clean[key];
        }
        const child = spawn(process.execPath, [path.join(DIR, "driver.js"), file], {
            cwd: ROOT,
            env: clean,
        });
        const processHandle = new ProviderProcess(child);
        const ready = await processHandle.next();
        if (!(JSON.parse(ready) as { ready?: boolean }).ready) {
            throw new Error(`provider process did not start: ${ready}`);
        }
        return processHandle;
    }

    call<T>(method: string, ...args: unknown[]): Promise<CallResult<T>> {
        const answer = this.next();
        this.child.stdin.write(JSON.stringify({ method, args }) + "\n");
        return answer.then((line) => JSON.parse(line) as CallResult<T>);
    }

    /** Calls a method that must succeed; throws with the provider's message otherwise. */
    async ok<T>(method: string, ...args: unknown[]): Promise<T> {
        const result = await this.call<T>(method, ...args);
        if (!result.ok) {
            throw new Error(`${method} failed: ${result.error.message}`);
        }
        return result.value;
    }

    async stop(): Promise<void> {
        if (this.child.exitCode === null) {
            const exited = new Promise((resolve) => this.child.once("exit", resolve));
            this.child.stdin.end();
            this.child.kill();
            await exited;
        }
    }

    private next(): Promise<string> {
        return new Promise((resolve, reject) => {
            const onExit = (code: number | null) =>
                reject(new Error(`provider process exited (${code}): ${this.stderr.trim()}`));
            this.child.once("exit", onExit);
            this.pending.push((line) => {
                this.child.off("exit", onExit);
                resolve(line);
            });
        });
    }
}
