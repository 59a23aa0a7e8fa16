// `capi-mgmt-ingress audit` (`npm run audit`) against a group on the local OpenStack seeded with every kind of rule.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { createSecurityGroup, deleteSecurityGroup } from "../../tools/localcloud/admin";
import { networkRequest, openSession, Session } from "../../components/openstack/keystone";
import { createRule, deleteRule, RuleCreate } from "../../components/openstack/networking";
import { roleDescription } from "../../components/model/rules";
import { seedBefore } from "../../tools/localcloud/seed";
import { cloudOrSkip } from "../../tools/localcloud/cloud";
import { createGuardedGroup, GuardedGroup } from "../support/guarded-group";
import { launch, launchJson } from "../support/launcher";

const API = "10.20.0.50";

describe("capi-mgmt-ingress audit (local OpenStack)", function () {
    this.timeout(300000);
    let s: Session;
    let env: NodeJS.ProcessEnv;
    let groupId: string;
    let otherGroupId: string;
    let guarded: GuardedGroup;
    let addressGroupId: string;
    let stackFile: string;
    const expected = new Map<string, string>();

    before(async function () {
        const cloud = await cloudOrSkip(this);
        env = { ...process.env, ...cloud.env };
        const seed = await seedBefore(cloud);
        s = await openSession({ cloud: cloud.cloudName, env });
        const suffix = Date.now().toString(36);
        guarded = await createGuardedGroup(s, seed, `audit-${suffix}`, API);
        groupId = guarded.groupId;
        otherGroupId = (await createSecurityGroup(s, { name: `audit-other-${suffix}` })).id;
        const addressGroup = (await networkRequest(
            s,
            "POST",
            "/v2.0/address-groups",
            { address_group: { name: `audit-ag-${suffix}`, addresses: ["192.0.2.0/28"] } },
            [201],
        )) as { address_group: { id: string } };
        addressGroupId = addressGroup.address_group.id;

        const tcp = (port: number, remote: string | null, extra: Partial<RuleCreate> = {}) => ({
            security_group_id: groupId,
            direction: "ingress" as const,
            ethertype: remote?.includes(":") ? ("IPv6" as const) : ("IPv4" as const),
            protocol: "tcp",
            port_range_min: port,
            port_range_max: port,
            remote_ip_prefix: remote,
            ...extra,
        });
        const seedRule = async (
            cls: string,
            body: RuleCreate & { remote_address_group_id?: string },
        ) => {
            const rule = await createRule(s, body);
            expected.set(rule.id, cls);
        };
        await seedRule("managed", {
            ...tcp(6443, "10.20.0.31/32"),
            description: roleDescription("conductor"),
        });
        await seedRule("adoptable", {
            ...tcp(6443, "10.20.0.32/32"),
            description: "D-063, by hand",
        });
        await seedRule("retire", tcp(6443, "0.0.0.0/0"));
        await seedRule("retire", tcp(22, "::/0"));
        await seedRule("drift", tcp(1, "198.51.100.0/24", { port_range_max: 65535 }));
        await seedRule("drift", {
            ...tcp(0, "203.0.113.0/24"),
            protocol: null,
            port_range_min: null,
            port_range_max: null,
        });
        await seedRule("drift", tcp(6443, "2001:db8::/64"));
        await seedRule("drift", { ...tcp(6443, null), remote_group_id: otherGroupId });
        await seedRule("drift", { ...tcp(22, null), remote_address_group_id: addressGroupId });
        await seedRule("drift", tcp(22, "10.20.0.31/32"));
        await seedRule("unrelated", tcp(80, "0.0.0.0/0"));

        stackFile = path.join(
            fs.mkdtempSync(path.join(os.tmpdir(), "audit-")),
            "Pulumi.audit.yaml",
        );
        fs.writeFileSync(
            stackFile,
            stringify({
                config: {
                    "capi-mgmt-ingress:cloud": cloud.cloudName,
                    "capi-mgmt-ingress:securityGroup": { id: groupId },
                    "capi-mgmt-ingress:api": { address: API },
                    "capi-mgmt-ingress:conductors": {
                        static: {
                            addresses: ["10.20.0.31", "10.20.0.32"],
                            reason: "the audit test's units",
                        },
                    },
                    "capi-mgmt-ingress:operator": {
                        cidrs: ["203.0.113.1/32"],
                        reason: "the audit test's operator",
                    },
                    "capi-mgmt-ingress:hairpin": { subnets: ["capi-mgmt-subnet"] },
                    "capi-mgmt-ingress:verify": { conductors: { enabled: false } },
                },
            }),
        );
    });

    after(async () => {
        if (!s) {
            return;
        }
        await guarded.remove();
        await deleteSecurityGroup(s, otherGroupId);
        await networkRequest(
            s,
            "DELETE",
            `/v2.0/address-groups/${addressGroupId}`,
            undefined,
            [204, 404],
        );
        fs.rmSync(path.dirname(stackFile), { recursive: true, force: true });
    });

    interface AuditJson {
        rules: { id: string; class: string }[];
        missing: { role: string; port: number; source: string; admittedBy: string[] }[];
        findings: { rule: string; facts: string[] }[];
        failing: number;
    }

    const audit = (stack = stackFile) =>
        launchJson<AuditJson>(["audit", "--stack", stack, "--json"], env);

    it("classifies every rule, and exits non-zero on drift and retire targets", () => {
        const { status, json } = audit();
        assert.equal(status, 1);
        const classes = new Map(json.rules.map((r) => [r.id, r.class]));
        for (const [id, cls] of expected) {
            assert.equal(classes.get(id), cls, `rule ${id}`);
        }
        // The group's own egress rules are all that is left, and they are unrelated.
        const others = json.rules.filter((r) => !expected.has(r.id));
        assert.equal(others.length, 2);
        assert.ok(others.every((r) => r.class === "unrelated"));
        // The wide 6443 rule is a retire target and exposure beyond the allow-set: one finding.
        const wide = [...expected].find(([, c]) => c === "retire")![0];
        assert.deepEqual(json.findings.find((f) => f.rule === wide)?.facts, [
            "retire target",
            "exposes beyond the allow-set",
        ]);
        assert.equal(json.failing, new Set(json.findings.map((f) => f.rule)).size);
        assert.equal(json.failing, json.findings.length);
        const text = launch(["audit", "--stack", stackFile], env).stdout;
        assert.match(text, /^ID +CLASS +DIRECTION +ETHERTYPE/m);
        assert.match(text, new RegExp(`^${wide} +retire +ingress `, "m"));
        assert.match(text, new RegExp(`EXPOSED: rule ${wide} .*; also a retire target`));
        assert.match(
            text,
            new RegExp(`^${json.failing} rule\\(s\\) to act on, each counted once`, "m"),
        );
        assert.deepEqual(
            json.missing.map((m) => `${m.role} ${m.port} ${m.source}`),
            [
                "operator 22 203.0.113.1/32",
                "operator 6443 203.0.113.1/32",
                "hairpin 6443 10.20.0.0/24",
            ],
        );
        // The wide rule still admits the hairpin: not locked out while it is there.
        const hairpin = json.missing.find((m) => m.role === "hairpin");
        assert.ok(hairpin?.admittedBy.some((by) => by.startsWith(`rule ${wide} in `)));
        assert.doesNotMatch(text, /\(operator, hairpin\): those sources are not admitted/);
    });

    it("exits 2 when a lookup fails: the group is not there, a JSON error names it", () => {
        const missing = path.join(path.dirname(stackFile), "Pulumi.missing.yaml");
        const values = parse(fs.readFileSync(stackFile, "utf8"));
        values.config["capi-mgmt-ingress:securityGroup"] = { name: "no-such-group" };
        fs.writeFileSync(missing, stringify(values));
        const { status, json } = audit(missing) as unknown as {
            status: number;
            json: { error: { kind: string; command: string; message: string } };
        };
        assert.equal(status, 2);
        assert.equal(json.error.kind, "run");
        assert.equal(json.error.command, "audit");
        assert.match(json.error.message, /no-such-group/);
    });

    const reviewLive = () =>
        launchJson<ReviewJson>(["review", "--stack", stackFile, "--live", "--json"], env);

    interface ReviewJson {
        drift: number;
        refusing: number;
        markdown: string;
        stacks: {
            live: {
                retireTargets: { id: string }[];
                drift: { id: string }[];
                acceptedDrift: { id: string }[];
                previewRefuses: string[];
                warnings: string[];
            };
        }[];
    }

    async function deleteClass(cls: string): Promise<void> {
        for (const [id, c] of expected) {
            if (c === cls) {
                assert.equal(await deleteRule(s, id), "deleted");
                expected.delete(id);
            }
        }
    }

    it("review --live exits 1 while the preview would refuse: drift left beyond the allow-set, retire targets not approved", async () => {
        const drifting = reviewLive();
        assert.equal(drifting.status, 1);
        const drift = [...expected].filter(([, c]) => c === "drift").map(([id]) => id);
        assert.deepEqual(drifting.json.stacks[0].live.drift.map((d) => d.id).sort(), drift.sort());
        assert.equal(drifting.json.drift, drift.length);
        assert.match(
            drifting.json.stacks[0].live.previewRefuses.join("\n"),
            /^exposure: after this update the API's port would still admit sources outside/m,
        );
        // Each drift rule accepted by id with a reason: shown as accepted, no longer a finding
        // (the retire targets, not yet approved, still are).
        const values = parse(fs.readFileSync(stackFile, "utf8"));
        values.config["capi-mgmt-ingress:acceptedExposure"] = drift.map((rule) => ({
            rule,
            reason: "accepted by the audit test",
        }));
        fs.writeFileSync(stackFile, stringify(values));
        const accepted = reviewLive();
        assert.equal(accepted.json.drift, 0);
        assert.deepEqual(
            accepted.json.stacks[0].live.acceptedDrift.map((d) => d.id).sort(),
            drift.sort(),
        );
        assert.ok(audit().json.findings.every((f) => !f.facts.includes("drift")));
        delete values.config["capi-mgmt-ingress:acceptedExposure"];
        fs.writeFileSync(stackFile, stringify(values));
        await deleteClass("drift");

        // Only the wide rules left: the change itself, but the stack does not approve it yet.
        const unapproved = reviewLive();
        assert.equal(unapproved.status, 1, JSON.stringify(unapproved.json));
        assert.equal(unapproved.json.drift, 0);
        assert.equal(unapproved.json.refusing, 1);
        assert.equal(unapproved.json.stacks[0].live.retireTargets.length, 2);
        assert.deepEqual(
            unapproved.json.stacks[0].live.previewRefuses.map((r) => r.split(":")[0]),
            ["Refusing to retire"],
        );
        assert.match(
            unapproved.json.markdown,
            /\*\*Verdict \(`.*`\):\*\* the preview would refuse \(exit 1\)/,
        );
        const text = launch(["review", "--stack", stackFile, "--live"], env);
        assert.equal(text.status, 1, "the same verdict without --json");
        assert.match(text.stdout, /the preview would refuse \(exit 1\):\n\n- Refusing to retire/);

        // Approved with the digest the review printed: the preview goes ahead.
        const digest = unapproved.json.markdown.match(/digest: (sha256:[0-9a-f]+)/)![1];
        const config = parse(fs.readFileSync(stackFile, "utf8"));
        config.config["capi-mgmt-ingress:approvedRetirement"] = digest;
        fs.writeFileSync(stackFile, stringify(config));
        const approved = reviewLive();
        assert.equal(approved.status, 0, JSON.stringify(approved.json));
        assert.deepEqual(approved.json.stacks[0].live.previewRefuses, []);
        assert.match(
            approved.json.markdown,
            /the preview would go ahead and the group has no drift \(exit 0\)/,
        );
        assert.equal(audit().status, 1, "a retire target is still a finding for the audit");
    });

    it("exits 1 while an allow entry has no rule, 0 once only allowed and unrelated rules are left", async () => {
        await deleteClass("retire");
        const locked = audit();
        assert.equal(locked.status, 1, "missing allow entries lock their sources out");
        assert.equal(locked.json.failing, 0);
        assert.equal(locked.json.missing.length, 3);
        // With the wide rules gone nothing admits the hairpin's subnet: locked out.
        const hairpin = locked.json.missing.find((m) => m.role === "hairpin");
        assert.deepEqual(hairpin?.admittedBy, []);
        assert.match(
            launch(["audit", "--stack", stackFile], env).stdout,
            /^3 allow entries have no rule on the group \(operator, hairpin\)/m,
        );
        // The approval given above is spent now, and an accepted rule id that is gone is named.
        const values = parse(fs.readFileSync(stackFile, "utf8"));
        values.config["capi-mgmt-ingress:acceptedExposure"] = [
            { rule: "0b9d3a51-0000-4000-8000-00000000dead", reason: "a rule removed by hand" },
        ];
        fs.writeFileSync(stackFile, stringify(values));
        const warned = reviewLive().json.stacks[0].live.warnings;
        assert.equal(warned.length, 2, JSON.stringify(warned));
        assert.match(warned[0], /approvedRetirement sha256:[0-9a-f]{64} is spent/);
        assert.match(warned[1], /acceptedExposure\[0\] names rule 0b9d3a51-.*dead, which no/);
        for (const m of locked.json.missing) {
            await createRule(s, {
                security_group_id: groupId,
                direction: "ingress",
                ethertype: "IPv4",
                protocol: "tcp",
                port_range_min: m.port,
                port_range_max: m.port,
                remote_ip_prefix: m.source,
                description: roleDescription(m.role as Parameters<typeof roleDescription>[0]),
            });
        }
        const tight = audit();
        assert.equal(tight.status, 0, JSON.stringify(tight.json));
        assert.deepEqual(tight.json.missing, []);
    });
});
