// The differential probes can fail: with the API namespace's nftables mirroring one group fewer
// than the port carries, or leaving out the groups' IPv6 rules, the probes from the missing
// rules' sources disagree with the model and are named; mirroring every group, every probe
// agrees, inside and outside the computed set, IPv4 and IPv6.
// Traffic stays inside the namespaces this test makes (documentation addresses only). Needs root
// (CAP_NET_ADMIN) and nftables.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { computeExposure, Ethertype, PortExposure } from "../../components/model/exposure";
import { NeutronRule } from "../../components/model/rules";
import { ApiServer, generatePki, startApiServer } from "../../tools/rehearsal/api-server";
import {
    DifferentialResult,
    disagreements,
    runDifferential,
} from "../../tools/rehearsal/differential";
import { startFirewallSync } from "../../tools/rehearsal/firewall";
import {
    createTopology,
    namespaceSupport,
    nftablesSupport,
    Topology,
} from "../../tools/rehearsal/topology";

const API = "192.0.2.202";
const OPERATOR = "203.0.113.202";
const MANAGED = "7c1e0d5a-managed-group";
const SECOND = "9f3a6b21-second-group";
const BASTION = "198.51.100.128/25";
const OPERATOR_V6 = "2001:db8:0:a::1/128";
const BASTION_V6 = "2001:db8:ba5::/48";

function rule(group: string, id: string, remote: string): NeutronRule {
    return {
        id,
        security_group_id: group,
        direction: "ingress",
        ethertype: remote.includes(":") ? "IPv6" : "IPv4",
        protocol: "tcp",
        port_range_min: 6443,
        port_range_max: 6443,
        remote_ip_prefix: remote,
        remote_group_id: null,
        description: null,
    };
}

describe("differential probes against the nftables mirror", function () {
    this.timeout(120_000);
    let stateDir: string;
    let topology: Topology | undefined;
    let server: ApiServer | undefined;
    let rules: NeutronRule[];
    let exposure: Record<Ethertype, PortExposure>;

    before(async function () {
        const unsupported = (await namespaceSupport()) ?? (await nftablesSupport());
        if (unsupported) {
            console.warn(`    skipped: ${unsupported}`);
            this.skip();
        }
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-differential-"));
        topology = await createTopology({
            apiAddress: API,
            stateDir,
            addresses: { operator: OPERATOR },
        });
        const pki = await generatePki(path.join(stateDir, "pki"), API);
        server = await startApiServer({
            namespace: topology.state.api.namespace,
            host: "::",
            pki,
        });
        rules = [
            rule(MANAGED, "managed-unit", `${topology.state.units[0].source}/32`),
            rule(MANAGED, "managed-operator", `${OPERATOR}/32`),
            rule(SECOND, "second-bastion", BASTION),
            rule(MANAGED, "managed-operator6", OPERATOR_V6),
            rule(SECOND, "second-bastion6", BASTION_V6),
        ];
        const groups = new Map([
            [MANAGED, "capi-mgmt-sg"],
            [SECOND, "bastion-sg"],
        ]);
        const ports = computeExposure({
            rules: rules.map((r) => ({
                group: { id: r.security_group_id, name: groups.get(r.security_group_id)! },
                rule: r,
            })),
            remotes: { groups: new Map(), addressGroups: new Map() },
            protectedPorts: [6443],
            portSecurity: true,
        }).ports.filter((p) => p.port === 6443);
        exposure = {
            IPv4: ports.find((p) => p.ethertype === "IPv4")!,
            IPv6: ports.find((p) => p.ethertype === "IPv6")!,
        };
    });

    after(async () => {
        await server?.stop();
        await topology?.destroy();
        if (stateDir) {
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
    });

    /**
     * Mirrors the rules of `groupIds` (of `families`) into the API namespace, then probes one
     * family against the model.
     */
    async function probeWithMirrorOf(
        groupIds: string[],
        ethertype: Ethertype = "IPv4",
        families: Ethertype[] = ["IPv4", "IPv6"],
    ): Promise<DifferentialResult> {
        const sync = startFirewallSync({
            namespace: topology!.state.api.namespace,
            groupIds,
            listRules: async () => rules.filter((r) => families.includes(r.ethertype as Ethertype)),
        });
        try {
            await sync.syncNow();
            return await runDifferential({
                topology: topology!.state,
                port: 6443,
                ethertype,
                exposure: exposure[ethertype],
                against: "after",
                timeoutMs: 1500,
            });
        } finally {
            await sync.stop();
        }
    }

    it("fails, naming each probe, when nftables mirror one group fewer than the port has", async () => {
        const result = await probeWithMirrorOf([MANAGED]);
        const named = disagreements(result);
        assert.ok(named.length > 0, "the missing group's sources must disagree");
        assert.ok(result.agreements < result.total);
        for (const sample of result.samples.filter((s) => !s.agrees)) {
            // Only the second group's sources: the model admits them, the mirror drops them.
            assert.match(sample.source, /^198\.51\.100\.(1[2-9]\d|2\d\d)$/);
            assert.deepEqual([sample.expected, sample.outcome], ["connected", "timeout"]);
            assert.ok(
                named.includes(
                    `probe from ${sample.source} to port 6443 (IPv4): expected connected, got timeout`,
                ),
            );
        }
        assert.ok(result.samples.some((s) => s.source === "198.51.100.128" && !s.agrees));
    });

    it("fails, naming each probe, when nftables mirror the groups without their IPv6 rules", async () => {
        const result = await probeWithMirrorOf([MANAGED, SECOND], "IPv6", ["IPv4"]);
        const named = disagreements(result);
        const inside = result.samples.filter((s) => s.expected === "connected");
        assert.ok(inside.length > 0, JSON.stringify(result));
        // Every IPv6 source the model admits is dropped, and named; every other one agrees.
        assert.deepEqual(
            result.samples.filter((s) => !s.agrees).map((s) => s.source),
            inside.map((s) => s.source),
        );
        for (const sample of inside) {
            assert.equal(sample.outcome, "timeout");
            assert.ok(
                named.includes(
                    `probe from ${sample.source} to port 6443 (IPv6): expected connected, got timeout`,
                ),
            );
        }
        assert.ok(inside.some((s) => s.source === "2001:db8:0:a::1"));
        assert.ok(inside.some((s) => s.source === "2001:db8:ba5::"));
    });

    it("agrees on every IPv6 probe, inside and outside the computed set, when every rule is mirrored", async () => {
        const result = await probeWithMirrorOf([MANAGED, SECOND], "IPv6");
        assert.deepEqual(disagreements(result), []);
        assert.ok(result.inside > 0 && result.outside > 0, JSON.stringify(result));
        const outcome = (source: string) =>
            result.samples.find((s) => s.source === source)?.outcome;
        assert.equal(outcome("2001:db8:0:a::"), "timeout");
        assert.equal(outcome("2001:db8:0:a::1"), "connected");
        assert.equal(outcome("2001:db8:0:a::2"), "timeout");
        assert.equal(outcome("2001:db8:ba5::"), "connected");
        assert.equal(outcome("2001:db8:ba4:ffff:ffff:ffff:ffff:ffff"), "timeout");
    });

    it("agrees on every probe, inside and outside the computed set, when every group is mirrored", async () => {
        const result = await probeWithMirrorOf([MANAGED, SECOND]);
        assert.deepEqual(disagreements(result), []);
        assert.ok(result.inside > 0 && result.outside > 0, JSON.stringify(result));
        const outcome = (source: string) =>
            result.samples.find((s) => s.source === source)?.outcome;
        // Each side of the bastion network's lower boundary, and of the operator's /32.
        assert.equal(outcome("198.51.100.127"), "timeout");
        assert.equal(outcome("198.51.100.128"), "connected");
        assert.equal(outcome("203.0.113.201"), "timeout");
        assert.equal(outcome("203.0.113.203"), "timeout");
        assert.equal(outcome("192.0.2.0"), "timeout");
    });
});
