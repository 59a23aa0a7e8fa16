// The stack config schema for editors and Pulumi.yaml: derived from the zod schema, committed
// up to date, and as strict as the zod schema where JSON Schema can say it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import {
    configValuesSchema,
    pulumiConfigDeclarations,
    stackFileSchema,
} from "../../components/config/jsonschema";
import { KEY_DESCRIPTIONS } from "../../components/config/descriptions";
import { parseStackConfig } from "../../components/config/schema";
import { programValue } from "../../components/config/values";
import { generatedFiles, SCHEMA_MODELINE } from "../../tools/config-schema";

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = path.join(ROOT, "stacks");

function stackDocument(name: string): Record<string, unknown> {
    return parse(fs.readFileSync(path.join(STACKS, `Pulumi.${name}.yaml`), "utf8"));
}

describe("stack config schema", () => {
    it("the committed files are what `npm run schema` writes", async function () {
        this.timeout(60000);
        for (const { file, text } of await generatedFiles()) {
            const relative = path.relative(ROOT, file);
            assert.ok(fs.existsSync(file), `${relative} is missing: run npm run schema`);
            assert.equal(
                fs.readFileSync(file, "utf8"),
                text,
                `${relative} is stale: run npm run schema`,
            );
        }
    });

    it("every stack file names the schema on its first line", () => {
        const stacks = fs.readdirSync(STACKS).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
        assert.ok(stacks.length >= 2);
        for (const file of stacks) {
            const first = fs.readFileSync(path.join(STACKS, file), "utf8").split("\n")[0];
            assert.equal(first, SCHEMA_MODELINE, file);
        }
        assert.ok(fs.existsSync(path.join(STACKS, "config.schema.json")));
    });

    describe("validates a whole stack file as an editor would", () => {
        const ajv = new Ajv({ strict: true, allErrors: true });
        const validate = ajv.compile(stackFileSchema());
        const errors = (doc: unknown) =>
            validate(doc)
                ? []
                : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
        const withConfig = (name: string, change: (config: Record<string, unknown>) => void) => {
            const doc = structuredClone(stackDocument(name)) as { config: Record<string, unknown> };
            change(doc.config);
            return doc;
        };

        for (const name of ["example", "rehearsal"]) {
            it(`accepts stacks/Pulumi.${name}.yaml, which the zod schema accepts too`, () => {
                assert.deepEqual(errors(stackDocument(name)), []);
                const raw = Object.fromEntries(
                    Object.entries(stackDocument(name).config as object).map(([k, v]) => [
                        k.replace(/^capi-mgmt-ingress:/, ""),
                        v,
                    ]),
                );
                assert.doesNotThrow(() => parseStackConfig(raw));
            });
        }

        const rejected: [string, (c: Record<string, unknown>) => void, RegExp][] = [
            [
                "a misspelled key",
                (c) => (c["capi-mgmt-ingress:protectedPort"] = [6443]),
                /\/config must NOT have additional properties/,
            ],
            [
                "an unknown nested key",
                (c) => (c["capi-mgmt-ingress:api"] = { adress: "10.0.0.1" }),
                /\/config\/capi-mgmt-ingress:api must NOT have additional properties/,
            ],
            [
                "a text that is no integer where an integer belongs",
                (c) => (c["capi-mgmt-ingress:minPrefixLength"] = "sixteen"),
                /\/config\/capi-mgmt-ingress:minPrefixLength must match pattern/,
            ],
            [
                "a text that is no boolean where a boolean belongs",
                (c) => (c["capi-mgmt-ingress:allowDestroy"] = "yes"),
                /\/config\/capi-mgmt-ingress:allowDestroy must be equal to one of the allowed values/,
            ],
            [
                "a port out of range",
                (c) => (c["capi-mgmt-ingress:protectedPorts"] = [6443, 70000]),
                /\/config\/capi-mgmt-ingress:protectedPorts\/1 must be <= 65535/,
            ],
            [
                "a verify mode that does not exist",
                (c) => (c["capi-mgmt-ingress:verify"] = { mode: "sometimes" }),
                /\/config\/capi-mgmt-ingress:verify\/mode must be equal to one of the allowed values/,
            ],
            [
                "a missing required key",
                (c) => delete c["capi-mgmt-ingress:operator"],
                /\/config must have required property 'capi-mgmt-ingress:operator'/,
            ],
            [
                "a reason too short to say anything",
                (c) => (c["capi-mgmt-ingress:waivers"] = [{ cidr: "10.0.0.0/8", reason: "ok" }]),
                /:waivers\/0\/reason must NOT have fewer than 8 characters/,
            ],
        ];
        for (const [what, change, message] of rejected) {
            it(`rejects ${what}, as the zod schema does`, () => {
                const doc = withConfig("example", change);
                assert.match(errors(doc).join("\n"), message);
                const raw = Object.fromEntries(
                    Object.entries(doc.config).map(([k, v]) => [
                        k.replace(/^capi-mgmt-ingress:/, ""),
                        v,
                    ]),
                );
                assert.throws(() => parseStackConfig(raw), /The stack config is not valid/);
            });
        }

        it("accepts a top-level boolean or integer as `pulumi config set` stores it, as the program does", () => {
            const doc = withConfig("example", (c) => {
                c["capi-mgmt-ingress:allowDestroy"] = "true";
                c["capi-mgmt-ingress:minPrefixLength"] = "16";
            });
            assert.deepEqual(errors(doc), []);
            const raw = Object.fromEntries(
                Object.entries(doc.config).map(([k, v]) => [
                    k.replace(/^capi-mgmt-ingress:/, ""),
                    programValue(k.replace(/^capi-mgmt-ingress:/, ""), v),
                ]),
            );
            const config = parseStackConfig(raw);
            assert.deepEqual([config.allowDestroy, config.minPrefixLength], [true, 16]);
        });

        it("leaves other namespaces' keys alone", () => {
            const doc = withConfig("example", (c) => {
                c["openstack:cloud"] = "production";
                c["openstack:insecure"] = { secure: "v1:abc" };
            });
            assert.deepEqual(errors(doc), []);
        });
    });

    describe("Pulumi.yaml declarations", () => {
        it("types the scalar and array keys with zod's defaults, so Pulumi applies the same values", () => {
            const { typed, untyped } = pulumiConfigDeclarations();
            assert.deepEqual(Object.keys(typed).sort(), [
                "allowDestroy",
                "cloud",
                "minPrefixLength",
                "minPrefixLengthIpv6",
                "protectedPorts",
            ]);
            assert.deepEqual(typed.protectedPorts.items, { type: "integer" });
            const defaults = parseStackConfig({
                securityGroup: { name: "g" },
                api: { address: "10.0.0.1" },
                conductors: { static: { addresses: ["10.0.0.2"], reason: "a test's unit" } },
                operator: { cidrs: ["10.0.0.3/32"], reason: "a test's operator" },
                verify: { conductors: { enabled: false } },
            }) as Record<string, unknown>;
            for (const [key, declaration] of Object.entries(typed)) {
                assert.deepEqual(declaration.default, defaults[key], key);
            }
            // Every key is either typed or listed as untyped in Pulumi.yaml's comment.
            const all = Object.keys(configValuesSchema().properties as object);
            assert.deepEqual([...Object.keys(typed), ...untyped].sort(), [...all].sort());
            assert.ok(untyped.includes("retire"), "optional without a default: not declarable");
        });
    });

    describe("descriptions", () => {
        it("every key has one, and one description per key", () => {
            const saved = KEY_DESCRIPTIONS["api.port"];
            delete KEY_DESCRIPTIONS["api.port"];
            KEY_DESCRIPTIONS["api.prot"] = "a typo";
            try {
                assert.throws(
                    () => configValuesSchema(),
                    /no description for api\.port; no config key api\.prot/,
                );
            } finally {
                KEY_DESCRIPTIONS["api.port"] = saved;
                delete KEY_DESCRIPTIONS["api.prot"];
            }
            const schema = configValuesSchema() as {
                properties: Record<string, { description?: string }>;
            };
            assert.equal(schema.properties.cloud.description, KEY_DESCRIPTIONS.cloud);
        });
    });
});
