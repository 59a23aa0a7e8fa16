// Mutation testing of the pure modules that hold safety checks (`npm run test:mutation`; the
// scores and the equivalent mutants are in docs/mutation.md). Each module is mutated against the
// unit tests that exercise it; STRYKER_MODULES=cidr,rules runs only those (one at a time keeps a
// run tractable on two cores). A new module: add its files and its tests here.
const MODULES = {
    cidr: {
        mutate: ["components/model/cidr.ts"],
        spec: ["cidr", "allowset", "rules", "rule-reading", "rule-reading-refused"],
    },
    rules: {
        mutate: ["components/model/rules.ts", "components/model/rule-reach.ts"],
        spec: ["rules", "plan", "destroy-guard", "rule-readings", "guard-rule-forms"],
    },
    allowset: {
        mutate: ["components/model/allowset.ts"],
        spec: ["allowset", "allowset-checks", "allowset-schema", "plan"],
    },
    plan: {
        mutate: ["components/plan/plan.ts"],
        spec: ["plan", "config-examples"],
    },
    config: {
        mutate: [
            "components/config/schema.ts",
            "components/config/fields.ts",
            "components/config/crossfield.ts",
            "components/config/issues.ts",
            "components/config/examples.ts",
        ],
        spec: [
            "config",
            "config-checks",
            "config-example-values",
            "config-schema",
            "config-examples",
        ],
    },
    // The examples alone, without the JSON-schema suite, which offers no example: each of the
    // example table's mutants reloads every test file.
    examples: {
        mutate: ["components/config/examples.ts"],
        spec: ["config", "config-checks", "config-example-values", "config-examples"],
    },
    parse: {
        mutate: ["components/juju/parse*.ts"],
        spec: ["parse-juju", "parse-safety", "parse-juju-checks", "juju-measurements"],
    },
    // The route parser only: the rest of measure.ts runs the fake juju, not unit tests.
    route: {
        mutate: ["components/juju/measure.ts:167-219"],
        spec: ["parse-juju", "parse-safety", "juju-measurements"],
    },
    // The application-wide call and its cross-check, against the fake juju.
    application: {
        mutate: ["components/juju/application.ts"],
        spec: ["juju-application"],
    },
    "probe-output": {
        mutate: ["components/verify/probe-output.ts"],
        spec: ["parse-probes", "parse-safety", "probe-output-checks"],
    },
    "destroy-guard": {
        mutate: ["components/apply/destroy-guard.ts"],
        spec: ["destroy-guard", "guard-rule-forms"],
    },
    exposure: {
        mutate: [
            "components/model/exposure.ts",
            "components/model/addressset.ts",
            "components/model/range-order.ts",
            "components/model/rule-reading.ts",
            "components/model/rule-sources.ts",
            "components/model/protocols.ts",
        ],
        // The property tests take minutes per run of the whole module on two shared cores.
        spec: [
            "exposure",
            "exposure-admitters",
            "exposure-words",
            "rule-reading",
            "rule-reading-refused",
            "addressset",
            "addressset-parse",
            "addressset-runs",
            "range-order",
        ],
    },
    acceptance: {
        mutate: ["components/plan/exposure.ts"],
        spec: ["exposure-acceptance", "verify-exposure"],
    },
    // The refusal's ways out, what a rule alone admits of the allow-set among them.
    "ways-out": {
        mutate: ["components/plan/ways-out.ts"],
        spec: ["ways-out-alone", "ways-out-why", "ways-out-family", "exposure-ways-out"],
    },
    approval: {
        mutate: ["components/plan/approval.ts"],
        spec: ["approval"],
    },
    // Credentials masked in free text and in the error document (safety invariant 5).
    mask: {
        mutate: ["components/mask.ts"],
        spec: ["mask", "mask-forms", "error-document-masking"],
    },
    // Stack values as the program receives them, and plain-text check env credentials.
    values: {
        mutate: ["components/config/values.ts"],
        spec: ["stackfile-values"],
    },
};

const chosen = (process.env.STRYKER_MODULES ?? Object.keys(MODULES).join(","))
    .split(",")
    .map((name) => {
        const module = MODULES[name.trim()];
        if (!module) {
            throw new Error(
                `STRYKER_MODULES: no module "${name}" (${Object.keys(MODULES).join(", ")})`,
            );
        }
        return module;
    });

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
    testRunner: "mocha",
    coverageAnalysis: "perTest",
    concurrency: 2,
    mutate: chosen.flatMap((m) => m.mutate),
    mochaOptions: {
        config: ".mocharc.json",
        spec: [...new Set(chosen.flatMap((m) => m.spec))].map(
            (name) => `test/unit/${name}.test.ts`,
        ),
    },
    ignorePatterns: [".cloud", ".cache", ".rehearsal", ".ci", "reports"],
    tempDirName: ".stryker-tmp",
    reporters: ["clear-text", "progress-append-only", "json"],
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    thresholds: { high: 95, low: 90, break: null },
    timeoutMS: 10000,
};
