import * as assert from "node:assert/strict";
import { parseStackConfig } from "../../components/config/schema";
import { NeutronRule } from "../../components/model/rules";
import { configuredSources, Discovered, planIngress } from "../../components/plan/plan";
import { nothingMeasured } from "../../components/discover/exposure";
import { numberedRules } from "../support/rules";

const G = "sg-1";
const rule = numberedRules(G, { description: null });

// Built inside each test: mutation testing attributes what runs at import to no test.
const config = () =>
    parseStackConfig({
        securityGroup: { name: "capi-mgmt-sg" },
        api: { address: "10.12.7.222" },
        conductors: { static: { addresses: ["10.12.4.154"], reason: "no juju in this lab" } },
        operator: { cidrs: ["10.12.4.1/32"], reason: "operator via the VR0 masquerade" },
        hairpin: { cidrs: [{ cidr: "10.20.0.0/24", reason: "the cluster's own subnet" }] },
        verify: { conductors: { enabled: false } },
    });

function found(rules: NeutronRule[]): Discovered {
    return {
        group: { id: G, name: "capi-mgmt-sg" },
        api: { address: "10.12.7.222", port: 6443, provenance: "config" },
        ...configuredSources(config()),
        apiPorts: [],
        exposure: nothingMeasured(),
        rules,
        warnings: [],
    };
}

describe("plan", () => {
    it("takes static conductors and hairpin CIDRs from the config, with their provenance", () => {
        const sources = configuredSources(config());
        assert.deepEqual(sources.conductors, [
            {
                source: "10.12.4.154",
                provenance: "config conductors.static.addresses[0]: no juju in this lab",
            },
        ]);
        assert.deepEqual(sources.hairpin, [
            {
                source: "10.20.0.0/24",
                provenance: "config hairpin.cidrs[0]: the cluster's own subnet",
            },
        ]);
    });

    it("computes the exposure after the update without the wide rules it retires", () => {
        const wide = rule({});
        const measured = found([wide]);
        measured.exposure = {
            ...nothingMeasured(),
            groups: [{ id: G, name: "capi-mgmt-sg" }],
            rules: [{ group: { id: G, name: "capi-mgmt-sg" }, rule: wide }],
        };
        const { exposure, retireTargets } = planIngress(config(), measured);
        assert.deepEqual(
            retireTargets.map((t) => t.id),
            [wide.id],
        );
        assert.ok(exposure.beyondBefore.length > 0, "the wide rule is exposure now");
        assert.ok(!exposure.afterRules.some((r) => r.rule.id === wide.id));
        assert.deepEqual(exposure.beyondAfter, []);
        assert.equal(exposure.refusal, undefined);
    });

    it("has no configured conductors when Juju lists them", () => {
        const juju = parseStackConfig({
            securityGroup: { name: "capi-mgmt-sg" },
            api: { address: "10.12.7.222" },
            conductors: { juju: { model: "openstack" } },
            operator: { cidrs: ["10.12.4.1/32"], reason: "operator via the VR0 masquerade" },
        });
        assert.deepEqual(configuredSources(juju), { conductors: [], hairpin: [] });
    });

    it("derives the allow-set on the API's port and the operator's ports", () => {
        const plan = planIngress(config(), found([]));
        assert.equal(plan.groupId, G);
        assert.deepEqual(
            plan.allowSet.map((e) => `${e.role} ${e.port} ${e.remoteIpPrefix}`),
            [
                "conductor 6443 10.12.4.154/32",
                "operator 22 10.12.4.1/32",
                "operator 6443 10.12.4.1/32",
                "hairpin 6443 10.20.0.0/24",
            ],
        );
        const operator = plan.allowSet.find((e) => e.role === "operator")!;
        assert.deepEqual(operator.provenance, [
            "config operator.cidrs[0]: operator via the VR0 masquerade",
        ]);
    });

    it("retires only the wide rules, adopts matching ones, reports drift", () => {
        const wide = rule({});
        const wideSsh = rule({ port_range_min: 22, port_range_max: 22 });
        const byHand = rule({ remote_ip_prefix: "10.12.4.154/32", description: "by hand" });
        const own = rule({
            remote_ip_prefix: "10.20.0.0/24",
            description: "capi-mgmt-ingress: hairpin",
        });
        const stray = rule({ remote_ip_prefix: "192.0.2.0/24" });
        const egress = rule({ direction: "egress" });
        const plan = planIngress(config(), found([wide, wideSsh, byHand, own, stray, egress]));
        assert.deepEqual(
            plan.retireTargets.map((t) => [t.id, t.admits]),
            [
                [wide.id, "0.0.0.0/0 on tcp 6443"],
                [wideSsh.id, "0.0.0.0/0 on tcp 22"],
            ],
        );
        assert.deepEqual(plan.retireTargets[0].shape.remoteIpPrefix, "0.0.0.0/0");
        assert.deepEqual(
            [...plan.adoptions.entries()].map(([e, r]) => [e.role, r.id]),
            [
                ["conductor", byHand.id],
                ["hairpin", own.id],
            ],
        );
        assert.deepEqual(
            plan.drift.map((c) => c.rule.id),
            [stray.id],
        );
        assert.equal(plan.classified.length, 6);
    });

    it("says 'any address' for a wide rule with no prefix", () => {
        const noPrefix = rule({ remote_ip_prefix: null });
        const plan = planIngress(config(), found([noPrefix]));
        assert.deepEqual(
            plan.retireTargets.map((t) => t.admits),
            ["any address on tcp 6443"],
        );
    });

    it("passes the configured floors to the derivation", () => {
        const narrow = parseStackConfig({
            securityGroup: { name: "capi-mgmt-sg" },
            api: { address: "10.12.7.222" },
            conductors: { static: { addresses: ["10.12.4.154"], reason: "no juju in this lab" } },
            operator: { cidrs: ["10.12.0.0/20"], reason: "the operators' office range" },
            minPrefixLength: 24,
            verify: { conductors: { enabled: false } },
        });
        assert.throws(
            () =>
                planIngress(narrow, {
                    group: { id: G, name: "capi-mgmt-sg" },
                    api: { address: "10.12.7.222", port: 6443, provenance: "config" },
                    ...configuredSources(narrow),
                    apiPorts: [],
                    exposure: nothingMeasured(),
                    rules: [],
                    warnings: [],
                }),
            /operator source 10.12.0.0\/20 .* is wider than \/24/,
        );
    });
});

describe("plan: hairpin ports", () => {
    it("refuses hairpin ports other than the API's port read from the kubeconfig", () => {
        const fromKubeconfig = parseStackConfig({
            securityGroup: { name: "capi-mgmt-sg" },
            api: { fromKubeconfig: {} },
            conductors: { static: { addresses: ["10.12.4.154"], reason: "no juju in this lab" } },
            operator: { cidrs: ["10.12.4.1/32"], reason: "operator via the VR0 masquerade" },
            hairpin: { cidrs: [{ cidr: "10.20.0.0/24", reason: "own subnet" }], ports: [6443, 22] },
            verify: { conductors: { enabled: false } },
        });
        assert.throws(
            () => planIngress(fromKubeconfig, found([])),
            (err: Error) => {
                assert.match(
                    err.message,
                    /hairpin\.ports: port 22 is not the API's port 6443: .*SSH admits the operator alone \(the ruling, D-063/,
                );
                assert.match(err.message, /for example hairpin\.ports: \[ 6443 \]/);
                return true;
            },
        );
        const apiOnly = {
            ...fromKubeconfig,
            hairpin: { ...fromKubeconfig.hairpin, ports: [6443] },
        };
        const { allowSet } = planIngress(apiOnly, found([]));
        assert.deepEqual(
            allowSet.filter((e) => e.role === "hairpin").map((e) => e.port),
            [6443],
        );
    });
});
