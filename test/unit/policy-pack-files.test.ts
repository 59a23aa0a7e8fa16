// The policy pack is publishable on its own: policy/ imports nothing outside itself, its copies of
// the program's modules are current, its packages are its own, and its config example is the one
// the example stack generates (waivers live in the stack file only).
import * as assert from "node:assert/strict";
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { packFiles, POLICY_DIR, staleFiles } from "../../tools/policy-shared";
import { policyConfigFor } from "../../tools/policy-config";
import { loadStackConfig } from "../../components/config/stackfile";
import { policies } from "../../policy/policies";

const manifest = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));

function importsOf(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    return [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)"([^"]+)"/g)].map((m) => m[1]);
}

function sharedFiles(dir = path.join(POLICY_DIR, "shared")): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const file = path.join(dir, e.name);
        return e.isDirectory() ? sharedFiles(file) : [file];
    });
}

describe("policy pack files", () => {
    it("holds current copies of the program's modules it uses (npm run policy:shared)", () => {
        assert.deepEqual(staleFiles(), []);
    });

    it("imports nothing from outside policy/, and only its own packages", () => {
        const dependencies = new Set(Object.keys(manifest.dependencies));
        const devDependencies = new Set(Object.keys(manifest.devDependencies));
        for (const file of [...packFiles(), ...sharedFiles()]) {
            const isTest = file.includes(`${path.sep}test${path.sep}`);
            for (const spec of importsOf(file)) {
                if (spec.startsWith(".")) {
                    const target = path.resolve(path.dirname(file), spec);
                    assert.ok(
                        target.startsWith(`${POLICY_DIR}${path.sep}`),
                        `${file} imports ${spec}`,
                    );
                    continue;
                }
                const pkg = spec.startsWith("@")
                    ? spec.split("/").slice(0, 2).join("/")
                    : spec.split("/")[0];
                const known =
                    builtinModules.includes(spec.replace(/^node:/, "")) ||
                    dependencies.has(pkg) ||
                    (isTest && devDependencies.has(pkg));
                assert.ok(
                    known,
                    `${path.relative(POLICY_DIR, file)} imports ${spec}, not in policy/package.json`,
                );
            }
        }
    });

    it("has its own lockfile for exactly its package.json", () => {
        const lock = JSON.parse(
            fs.readFileSync(path.join(POLICY_DIR, "package-lock.json"), "utf8"),
        );
        assert.deepEqual(lock.packages[""].dependencies, manifest.dependencies);
        assert.deepEqual(lock.packages[""].devDependencies, manifest.devDependencies);
    });

    it("ships the config example the example stack generates, for policies that take config", () => {
        const example = JSON.parse(
            fs.readFileSync(path.join(POLICY_DIR, "policy-config.example.json"), "utf8"),
        );
        assert.deepEqual(example, policyConfigFor(loadStackConfig("example")));
        const configurable = policies
            .filter((p) => p.configSchema)
            .map((p) => p.name)
            .sort();
        assert.deepEqual(Object.keys(example).sort(), configurable);
    });
});
