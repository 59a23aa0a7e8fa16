#!/usr/bin/env node
// The `capi-mgmt-ingress` command (package.json `bin`). The command line itself is compiled with
// sucrase and the result kept in .cache/cli/ by content hash, so `--help` and argument errors
// load no compiler and answer at once. A subcommand that runs switches to ts-node, the compiler
// everything else runs under (tests, the program, its serialized dynamic providers), before it
// loads its tool.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
const cacheDir = path.join(root, ".cache", "cli");

function transpile(code, filePath) {
    const key = crypto.createHash("sha256").update(filePath).update("\0").update(code);
    const cached = path.join(cacheDir, `${key.digest("hex")}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // Not compiled yet.
    }
    const { transform } = require("sucrase");
    const js = transform(code, {
        transforms: ["typescript", "imports"],
        disableESTransforms: true,
        filePath,
    }).code;
    try {
        fs.mkdirSync(cacheDir, { recursive: true });
        const partial = `${cached}.${process.pid}`;
        fs.writeFileSync(partial, js);
        fs.renameSync(partial, cached);
    } catch {
        // A read-only checkout: compile every time.
    }
    return js;
}

const revert = require("pirates").addHook(transpile, { exts: [".ts"] });
const { main, processIo, reportInterrupted } = require("./main.ts");

// Interrupted: exit 130, saying so. A tool with its own handler (rehearse removes its stand-ins
// first) exits 130 itself.
for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
        if (process.listenerCount(signal) === 1) {
            process.exit(reportInterrupted(process.argv.slice(2), processIo(), signal));
        }
    });
}

const loadTools = () => {
    revert();
    require("ts-node").register({ transpileOnly: true, projectSearchDir: root });
};

main(process.argv.slice(2), processIo(loadTools)).then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`capi-mgmt-ingress: ${err instanceof Error ? err.stack : err}\n`);
        process.exit(2);
    },
);
