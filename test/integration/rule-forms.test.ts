// Rule forms the real local Neutron refuses on create, stored anyway by an edit of its database
// (as an older release or another tool could): its rule listing returns them as stored, and the
// exposure model reports each by id and field instead of reading it as valid, unless what the
// drivers are given has a certain reading.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { computeExposure } from "../../components/model/exposure";
import { readRule } from "../../components/model/rule-reading";
import { networkRequest, openSession, Session } from "../../components/openstack/keystone";
import { createRule, listRules, RuleCreate } from "../../components/openstack/networking";
import { createSecurityGroup, deleteSecurityGroup } from "../../tools/localcloud/admin";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
import { dataFile } from "../../tools/localcloud/layout";

/** Sets columns of one rule's row in neutron-server's SQLite database (WAL: it stays up). */
function editRow(ruleId: string, columns: Record<string, unknown>): void {
    const script = [
        "import json, sqlite3, sys",
        "cols = json.loads(sys.argv[3])",
        "con = sqlite3.connect(sys.argv[1], timeout=30)",
        "sets = ', '.join(k + ' = ?' for k in cols)",
        "cur = con.execute('UPDATE securitygrouprules SET ' + sets + ' WHERE id = ?', [*cols.values(), sys.argv[2]])",
        "con.commit()",
        "sys.exit(0 if cur.rowcount == 1 else 3)",
    ].join("\n");
    const args = ["-c", script, dataFile("neutron.db"), ruleId, JSON.stringify(columns)];
    const done = spawnSync("/usr/bin/python3", args, { encoding: "utf8" });
    assert.equal(done.status, 0, `editing rule ${ruleId}: ${done.stderr}`);
}

// Each: the form, how it is created, Neutron's refusal, the stored row, what the model reports
// (undefined: read, the drivers being given the clean normalized_cidr).
const REFUSED: [string, Partial<RuleCreate>, string, Record<string, unknown>, string?][] = [
    [
        "an IPv6 prefix on an IPv4 rule",
        { remote_ip_prefix: "::/0" },
        "SecurityGroupRuleParameterConflict",
        { remote_ip_prefix: "::/0" },
        'remote_ip_prefix "::/0" (IPv6, the rule is IPv4)',
    ],
    [
        "a max without a min",
        { port_range_min: null },
        "SecurityGroupInvalidPortRange",
        { port_range_min: null, port_range_max: 80 },
        "port range null-80 (one bound alone)",
    ],
    [
        "a protocol with a blank",
        { protocol: "tcp " },
        "SecurityGroupRuleInvalidProtocol",
        { protocol: "tcp " },
        'protocol "tcp "',
    ],
    [
        "an IPv6 prefix with a blank",
        { ethertype: "IPv6", remote_ip_prefix: " 2001:db8::/32" },
        "InvalidCIDR",
        // An IPv4 prefix with blanks is accepted and stored without them: only an edit has them.
        { remote_ip_prefix: " 10.0.0.0/8" },
    ],
];

describe("rule forms Neutron refuses (local OpenStack)", function () {
    this.timeout(300000);
    let s: Session;
    let groupId: string;
    // Distinct ports, as Neutron refuses a second rule of one key. A prefix is read (and its
    // family checked) only where the rule reaches a protected port; the other forms are
    // reported beside them too.
    const PORTS = [6443, 6000, 6001, 22];
    const ids: string[] = [];
    const body = (fields: Partial<RuleCreate>): RuleCreate => ({
        security_group_id: groupId,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        port_range_min: 6443,
        port_range_max: 6443,
        remote_ip_prefix: "10.0.0.0/8",
        ...fields,
    });

    before(async function () {
        const cloud = await cloudOrSkip(this);
        s = await openSession({ cloud: cloud.cloudName, env: { ...process.env, ...cloud.env } });
        groupId = (await createSecurityGroup(s, { name: `rule-forms-${Date.now().toString(36)}` }))
            .id;
    });
    after(async () => {
        // Neutron cannot load a group holding such rows, so it could not delete it: restored.
        ids.forEach((id, i) =>
            editRow(id, {
                protocol: "tcp",
                port_range_min: PORTS[i],
                port_range_max: PORTS[i],
                remote_ip_prefix: "10.0.0.0/8",
            }),
        );
        if (groupId) await deleteSecurityGroup(s, groupId);
    });

    it("refuses each form on create", async () => {
        for (const [name, fields, type] of REFUSED) {
            await assert.rejects(
                networkRequest(
                    s,
                    "POST",
                    "/v2.0/security-group-rules",
                    {
                        security_group_rule: body(fields),
                    },
                    [201],
                ),
                (err: { status?: number; type?: string }) =>
                    err.status === 400 && err.type === type,
                name,
            );
        }
    });

    it("lists each form as stored, and the model reports it by id and field", async () => {
        // Every rule first: Neutron cannot create a rule in a group holding a row it cannot load.
        for (const port of PORTS) {
            ids.push(
                (await createRule(s, body({ port_range_min: port, port_range_max: port }))).id,
            );
        }
        REFUSED.forEach(([, , , columns], i) => editRow(ids[i], columns));
        const listed = await listRules(s, groupId);
        const e = computeExposure({
            rules: listed.map((rule) => ({ group: { id: groupId, name: "forms" }, rule })),
            remotes: { groups: new Map(), addressGroups: new Map() },
            protectedPorts: [6443, 22],
            portSecurity: true,
        });
        const found = new Map(e.unreadable.map((u) => [u.ruleId, u.what]));
        REFUSED.forEach(([name, , , , what], i) => assert.equal(found.get(ids[i]), what, name));
        const edited = listed.find((rule) => rule.id === ids[3])!;
        assert.deepEqual(
            [edited.remote_ip_prefix, edited.normalized_cidr],
            [" 10.0.0.0/8", "10.0.0.0/8"],
        );
        const read = readRule(edited, { groups: new Map(), addressGroups: new Map() }, [22]);
        assert.deepEqual(
            read.sources.map((source) => source.admits),
            ["10.0.0.0/8 (stored as  10.0.0.0/8)"],
        );
        const ipv4 = e.ports.filter((p) => p.ethertype === "IPv4").map((p) => p.parts[0]?.cidr);
        assert.deepEqual(ipv4, ["0.0.0.0/0", "0.0.0.0/0"]);
    });
});
