// The SecGroupRule stand-in's import check: which declared inputs differ from the live rule.
import * as assert from "node:assert/strict";
import { importDiff, ruleBody, RuleInputs } from "../../tools/rehearsal/openstack-standin";
import type { NeutronRule } from "../../components/model/rules";
import { neutronRule } from "../support/rules";

const live: NeutronRule = neutronRule({
    security_group_id: "g1",
    remote_ip_prefix: "203.0.113.12/32",
    description: "",
});

const declared: RuleInputs = {
    securityGroupId: "g1",
    direction: "ingress",
    ethertype: "IPv4",
    protocol: "tcp",
    portRangeMin: 6443,
    portRangeMax: 6443,
    remoteIpPrefix: "203.0.113.12/32",
};

describe("SecGroupRule stand-in: import", () => {
    it("matches a live rule with the declared inputs", () => {
        assert.deepEqual(importDiff(declared, live), []);
    });

    it("names each input that differs, with both values", () => {
        assert.deepEqual(importDiff({ ...declared, portRangeMin: 22, portRangeMax: 22 }, live), [
            "~portRangeMin: declared 22, live 6443",
            "~portRangeMax: declared 22, live 6443",
        ]);
        assert.deepEqual(importDiff({ ...declared, ethertype: "IPv6" }, live), [
            '~ethertype: declared "IPv6", live "IPv4"',
        ]);
        assert.deepEqual(importDiff(declared, { ...live, security_group_id: "g2" }), [
            '~securityGroupId: declared "g1", live "g2"',
        ]);
    });

    it("lets the provider compute what is not declared, except the description", () => {
        assert.deepEqual(importDiff({ ...declared, protocol: undefined }, live), []);
        assert.deepEqual(importDiff(declared, { ...live, description: "by hand" }), [
            '~description: declared "", live "by hand"',
        ]);
        assert.deepEqual(importDiff({ ...declared, description: "by hand" }, live), [
            '~description: declared "by hand", live ""',
        ]);
    });

    it("creates with what is declared and leaves the rest to Neutron", () => {
        const { id, remote_group_id, ...body } = live;
        assert.equal(id, "r1");
        assert.equal(remote_group_id, null);
        assert.deepEqual(ruleBody({ ...declared, description: "capi-mgmt-ingress: conductor" }), {
            ...body,
            description: "capi-mgmt-ingress: conductor",
        });
    });
});
