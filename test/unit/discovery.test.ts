// Discovery's preflight on what the Networking API reports about the API address's ports.
import * as assert from "node:assert/strict";
import { discover } from "../../components/discover/discovery";
import { parseStackConfig } from "../../components/config/schema";
import { JujuTarget } from "../../components/juju/units";
import { FakeCloud, fakeLookups } from "../../tools/mock/fake-cloud";
import { calls, target } from "../support/fake-juju";
import { neutronRule } from "../support/rules";

const GROUP = "0d5c6a52-2a39-4bb0-9f59-6a2e3b1d9c01";
const OTHER = "7e0b6f7a-3c1d-4e55-9a0b-5d2c1e3f4a02";

const config = parseStackConfig({
    securityGroup: { name: "capi-mgmt-sg" },
    api: { address: "10.12.7.222" },
    conductors: { static: { addresses: ["10.12.4.154"], reason: "measured by hand on the unit" } },
    verify: { mode: "never", conductors: { enabled: false } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator NAT" },
});

function cloud(): FakeCloud {
    return {
        groups: [
            { id: GROUP, name: "capi-mgmt-sg" },
            { id: OTHER, name: "lb-extra" },
        ],
        subnets: [],
        routers: [],
        floatingIps: [{ address: "10.12.7.222", portId: "port-lb" }],
        ports: [
            { id: "port-lb", fixedIp: "10.20.0.10", securityGroupIds: [GROUP, OTHER] },
            { id: "port-vip", fixedIp: "10.12.7.222", securityGroupIds: [GROUP] },
        ],
        rules: [],
    };
}

describe("discovery preflight", () => {
    it("finds every port that receives the API address, with all its groups", async () => {
        const found = await discover(config, fakeLookups(cloud()));
        assert.deepEqual(found.apiPorts, [
            {
                id: "port-lb",
                via: "floating-ip",
                portSecurityEnabled: true,
                securityGroupIds: [GROUP, OTHER],
            },
            {
                id: "port-vip",
                via: "fixed-ip",
                portSecurityEnabled: true,
                securityGroupIds: [GROUP],
            },
        ]);
    });

    it("fails naming a group on the port that the credentials cannot see (its rules count)", async () => {
        const c = cloud();
        c.groups = c.groups.filter((g) => g.id !== OTHER);
        await assert.rejects(
            discover(config, fakeLookups(c)),
            new RegExp(`security group\\(s\\) ${OTHER} on the API's port are not visible`),
        );
    });

    it("reads the rules of every group on those ports for the exposure", async () => {
        const c = cloud();
        c.rules = [neutronRule({ id: "other-6443", security_group_id: OTHER })];
        const found = await discover(config, fakeLookups(c));
        assert.deepEqual(found.exposure.groups.map((g) => g.name).sort(), [
            "capi-mgmt-sg",
            "lb-extra",
        ]);
        assert.deepEqual(
            found.exposure.rules.map((r) => [r.group.name, r.rule.id]),
            [["lb-extra", "other-6443"]],
        );
        assert.equal(found.exposure.portSecurity, true);
    });

    it("fails naming the port when port security is off on one of them", async () => {
        const c = cloud();
        c.ports[1].portSecurityEnabled = false;
        await assert.rejects(
            discover(config, fakeLookups(c)),
            /preflight: the API address 10\.12\.7\.222 \(fixed-ip on port port-vip\) has port security disabled/,
        );
    });

    it("fails when any port that receives the address lacks the managed group", async () => {
        const c = cloud();
        c.ports[1].securityGroupIds = [OTHER];
        await assert.rejects(
            discover(config, fakeLookups(c)),
            /fixed-ip on port port-vip\) is guarded by \[7e0b6f7a-.*\], not by capi-mgmt-sg/,
        );
    });

    it("fails when no port holds the address", async () => {
        const c = cloud();
        c.floatingIps = [];
        c.ports = [];
        await assert.rejects(
            discover(config, fakeLookups(c)),
            /preflight: no port holds the API address 10\.12\.7\.222/,
        );
    });
});

describe("discovery: the Juju lookups start at once", () => {
    const withJuju = (t: JujuTarget) => ({
        ...config,
        conductors: { juju: { ...t, bin: t.bin! } },
    });

    it("measures the conductors while the Networking API lookups run", async () => {
        const t = target("juju3-lxd");
        const lookups = fakeLookups(cloud());
        const apiPorts = lookups.apiPorts;
        // The port lookup answers only once the measurement has started.
        lookups.apiPorts = async (address) => {
            for (let i = 0; !calls(t).some((c) => c.startsWith("exec ")); i++) {
                assert.ok(i < 250, "no juju exec started while the ports were looked up");
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
            return apiPorts(address);
        };
        const found = await discover(withJuju(t), lookups);
        assert.deepEqual(
            found.conductors.map((c) => c.source),
            ["10.12.4.154", "10.12.4.155", "10.12.4.156"],
        );
    });

    it("still reports a failed group lookup first", async () => {
        const c = cloud();
        c.groups = [];
        const t = { ...target("juju3-lxd"), model: "elsewhere" };
        await assert.rejects(discover(withJuju(t), fakeLookups(c)), /capi-mgmt-sg/);
    });
});
