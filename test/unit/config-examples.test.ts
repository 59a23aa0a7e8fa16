// Every config error names the key to change and offers a value for it; this suite sets that
// value in the config and checks that the error is gone (and nothing else is wrong at that key).
import * as assert from "node:assert/strict";
import * as YAML from "yaml";
import { ConfigError, parseStackConfig } from "../../components/config/schema";
import { NAMESPACE } from "../../components/config/fields";
import { configuredSources, planIngress } from "../../components/plan/plan";
import { BAD_CONFIGS, validConfig as valid } from "../support/bad-configs";
import { nothingMeasured } from "../../components/discover/exposure";

function problems(raw: Record<string, unknown>): string[] {
    try {
        parseStackConfig(raw);
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
    }
}

/** `operator.cidrs[1]` to ["operator", "cidrs", 1]. */
function parsePath(text: string): (string | number)[] {
    return [...text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
        m[2] === undefined ? m[1] : Number(m[2]),
    );
}

/** Sets the example the problem offers, as an operator would in the stack file. */
function applyExample(raw: Record<string, unknown>, problem: string): Record<string, unknown> {
    const example = /\(for example ([^:]+): (.*)\)$/.exec(problem);
    assert.ok(example, `no example in: ${problem}`);
    const path = parsePath(example[1]);
    const copy = structuredClone(raw);
    let at: Record<string | number, unknown> = copy;
    for (const part of path.slice(0, -1)) {
        at[part] ??= typeof part === "number" ? [] : {};
        at = at[part] as Record<string | number, unknown>;
    }
    at[path[path.length - 1]] = YAML.parse(example[2]);
    return copy;
}

const keyOf = (problem: string) => problem.slice(0, problem.indexOf(": "));

describe("config errors: each example fixes its error", () => {
    for (const [label, change] of BAD_CONFIGS) {
        it(label, () => {
            const raw = { ...valid(), ...change };
            const found = problems(raw);
            assert.ok(found.length > 0, "the config must be refused");
            for (const problem of found) {
                assert.ok(problem.startsWith(`${NAMESPACE}:`), problem);
                const fixed = problems(applyExample(raw, problem));
                assert.ok(!fixed.includes(problem), `still there after the example: ${problem}`);
                const key = keyOf(problem);
                assert.deepEqual(
                    fixed.filter((p) => keyOf(p) === key),
                    [],
                    `the example for ${key} leaves a problem at that key`,
                );
            }
            assert.equal(new Set(found).size, found.length, "one message per problem");
        });
    }

    it("reports cross-field problems in the same round as shape problems", () => {
        const found = problems({
            ...valid(),
            operator: { cidrs: ["not-an-ip"], reason: "a real reason here", ports: [80] },
            minPrefixLength: "x",
        });
        assert.ok(found.some((p) => p.startsWith(`${NAMESPACE}:operator.cidrs[0]: `)));
        assert.ok(found.some((p) => p.startsWith(`${NAMESPACE}:minPrefixLength: `)));
        assert.ok(
            found.some((p) => p.startsWith(`${NAMESPACE}:operator.ports[0]: port 80 is not one`)),
            found.join("\n"),
        );
    });

    it("with static conductors, offers verify.conductors.enabled: false", () => {
        const raw = {
            ...valid(),
            conductors: { static: { addresses: ["10.12.4.154"], reason: "no Juju in this lab" } },
        };
        assert.deepEqual(problems(raw), [
            `${NAMESPACE}:verify.conductors.enabled: the conductor handshake runs through Juju; ` +
                `set it false with static conductors (for example verify.conductors.enabled: false)`,
        ]);
        assert.deepEqual(problems({ ...raw, verify: { mode: "never" } }), []);
    });

    it("names each rule of exactly-one with its message", () => {
        const message = (change: Record<string, unknown>) => problems({ ...valid(), ...change })[0];
        assert.match(
            message({ securityGroup: {} }),
            /^capi-mgmt-ingress:securityGroup: give exactly one of name or id/,
        );
        assert.match(
            message({ api: {} }),
            /^capi-mgmt-ingress:api: give exactly one of address or fromKubeconfig/,
        );
        assert.match(
            message({ verify: { tenant: { kubeconfig: "k" } } }),
            /^capi-mgmt-ingress:verify.tenant: give exactly one of pod .* or image/,
        );
        assert.match(
            message({ api: { address: "10.12.7.222", port: 8443 } }),
            /^capi-mgmt-ingress:api.port: port 8443 is not one of protectedPorts \(6443, 22\) \(for example api.port: 6443\)$/,
        );
        assert.match(
            message({ operator: { cidrs: ["10.12.4.1/32"], reason: "        " } }),
            /^capi-mgmt-ingress:operator.reason: a reason of a few words is required/,
        );
    });

    it("an API port from the kubeconfig that is not protected: one message, naming protectedPorts", () => {
        const raw = {
            ...valid(),
            api: { fromKubeconfig: {} },
            conductors: {
                static: { addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3"], reason: "no Juju here" },
            },
            verify: { conductors: { enabled: false } },
        };
        const plan = (r: Record<string, unknown>) => {
            const config = parseStackConfig(r);
            return planIngress(config, {
                group: { id: "g", name: "capi-mgmt-sg" },
                api: {
                    address: "10.12.7.222",
                    port: 8443,
                    provenance: "server URL of /etc/magnum/kubeconfig",
                },
                ...configuredSources(config),
                apiPorts: [],
                exposure: nothingMeasured(),
                rules: [],
                warnings: [],
            });
        };
        let refused: string[] = [];
        try {
            plan(raw);
        } catch (err) {
            assert.ok(err instanceof ConfigError, String(err));
            refused = err.problems;
        }
        assert.deepEqual(refused, [
            `${NAMESPACE}:protectedPorts: the API's port 8443 (server URL of /etc/magnum/kubeconfig) ` +
                `is not one of protectedPorts (6443, 22) (for example protectedPorts: [ 6443, 22, 8443 ])`,
        ]);
        const fixed = plan(applyExample(raw, refused[0]));
        assert.deepEqual(
            fixed.allowSet.filter((e) => e.role === "conductor").map((e) => e.port),
            [8443, 8443, 8443],
        );
    });
});
