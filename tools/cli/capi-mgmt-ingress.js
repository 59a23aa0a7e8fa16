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
const { main, processIo, interrupt, stopChildren } = require("./main.ts");

// Interrupted: every child the command started is ended and its cleanups run, then it exits 130,
// saying so; a second signal exits at once. A tool with its own handler (rehearse removes its
// stand-ins first, bench stops) ends with 130 itself.
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
        if (process.listenerCount(signal) === 1) {
            interrupted = true;
            interrupt(process.argv.slice(2), signal).then((code) => process.exit(code));
        }
    });
}

const loadTools = () => {
    revert();
    require("ts-node").register({ transpileOnly: true, projectSearchDir: root });
};

// Whatever way the command ends, no child it started runs on (one a tool gave up waiting for);
// interrupted, interrupt ends them after the cleanups, which must not be stopped here.
main(process.argv.slice(2), processIo(loadTools)).then(
    (code) => interrupted || stopChildren().then(() => interrupted || process.exit(code)),
    (err) => {
        process.stderr.write(`capi-mgmt-ingress: ${err instanceof Error ? err.stack : err}\n`);
        return interrupted || stopChildren().then(() => interrupted || process.exit(2));
    },
);
