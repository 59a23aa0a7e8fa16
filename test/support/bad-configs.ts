// Stack configs that must be refused, each a change to a valid one: the config-error suite applies
// each error's example to them, and the fault table counts them among the bad inputs.
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../../components/config/schema";

export const validConfig = (): Record<string, unknown> => ({
    securityGroup: { name: "capi-mgmt-sg" },
    api: { address: "10.12.7.222" },
    conductors: { juju: { model: "openstack" } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator via the VR0 masquerade" },
});

const valid = validConfig;

/** The problems parseStackConfig names for the valid config with `change` applied; none if valid. */
export function configProblems(change: Record<string, unknown>): string[] {
    try {
        parseStackConfig({ ...valid(), ...change });
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
    }
    return [];
}

export const BAD_CONFIGS: [string, Record<string, unknown>][] = [
    ["securityGroup with neither name nor id", { securityGroup: {} }],
    ["securityGroup with both", { securityGroup: { name: "a", id: "b" } }],
    ["securityGroup name empty", { securityGroup: { name: "" } }],
    ["api with both forms", { api: { address: "10.12.7.222", fromKubeconfig: {} } }],
    ["api with neither form", { api: {} }],
    ["api address not an IP", { api: { address: "10.12.7" } }],
    ["api port outside protectedPorts", { api: { address: "10.12.7.222", port: 8443 } }],
    ["api port with fromKubeconfig", { api: { fromKubeconfig: {}, port: 6443 } }],
    ["conductors with both", { conductors: { juju: { model: "m" }, static: {} } }],
    ["conductors with neither", { conductors: {} }],
    [
        "static reason of spaces",
        {
            conductors: { static: { addresses: ["10.0.0.1"], reason: "          " } },
            verify: { conductors: { enabled: false } },
        },
    ],
    [
        "static conductors with the handshake on",
        { conductors: { static: { addresses: ["10.0.0.1"], reason: "no Juju in this lab" } } },
    ],
    ["juju concurrency 0", { conductors: { juju: { model: "m", concurrency: 0 } } }],
    [
        "operator cidr with host bits",
        { operator: { cidrs: ["10.12.4.1/24"], reason: "a real reason here" } },
    ],
    ["operator reason of spaces", { operator: { cidrs: ["10.12.4.1/32"], reason: "\t   \t   " } }],
    ["operator ports outside", { operator: { ...(valid().operator as object), ports: [80] } }],
    ["hairpin ports outside", { hairpin: { ports: [8080] } }],
    [
        "hairpin cidr not a prefix",
        { hairpin: { cidrs: [{ cidr: "10.0.0.0/x8", reason: "the cluster's own" }] } },
    ],
    ["retire remote not a prefix", { retire: [{ remote: "any" }] }],
    ["retire ports outside", { retire: [{ remote: "0.0.0.0/0", ports: [443] }] }],
    ["protectedPorts empty", { protectedPorts: [] }],
    ["protectedPorts port 0", { protectedPorts: [0, 6443] }],
    ["minPrefixLength 40", { minPrefixLength: 40 }],
    ["minPrefixLengthIpv6 as text", { minPrefixLengthIpv6: "48" }],
    ["waiver without reason", { waivers: [{ cidr: "10.0.0.0/8" }] }],
    ["allowDestroy as text", { allowDestroy: "yes" }],
    ["cloud as a number", { cloud: 5 }],
    ["verify mode unknown", { verify: { mode: "sometimes" } }],
    [
        "tenant with pod and image",
        { verify: { tenant: { kubeconfig: "k", pod: "p", image: "i" } } },
    ],
    ["tenant with neither pod nor image", { verify: { tenant: { kubeconfig: "k" } } }],
    ["custom check name", { verify: { custom: [{ name: "Resize!", command: "./r" }] } }],
    [
        "custom check regexp",
        { verify: { custom: [{ name: "r", command: "./r", expect: { stdoutMatches: "(" } }] } },
    ],
    [
        "operator timeout negative",
        { verify: { operator: { kubeconfig: "k", timeoutSeconds: -1 } } },
    ],
];
