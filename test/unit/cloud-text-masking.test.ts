// Free text read from the cloud (security group and router names, and discovery's warnings, which
// quote them) and from the conductor units through Juju (their output, the kubeconfig's server)
// reaches stack outputs (state), the program's log, the preview's errors, the audit, verify and
// the review: each masks what looks like a credential in it, and keeps the rest.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { exampleConfig, fake, GROUP, rulingCloud, run, SCENARIOS, wide } from "../support/program";
import { registered } from "../../tools/mock/runtime";
import { planIngress } from "../../components/plan/plan";
import { renderReview } from "../../components/review/markdown";
import { auditExposure, formatAudit, missingEntries } from "../../tools/audit";
import { groupResults } from "../../tools/verify";
import { paint } from "../../tools/cli/output";
import { foundExposure, staticConductorConfig, staticConductorFound } from "../support/exposure";
import { portRule } from "../support/rules";
import { httpError } from "../../components/openstack/http";
import type { AuthSettings } from "../../components/openstack/credentials";

const SENTINEL = "s3cr3t-sentinel-cloud-text";
// A name Cluster API Provider OpenStack would give, so discovery warns quoting it.
const CAPO_NAME = `k8s-cluster-magnum-secgroup-password=${SENTINEL}`;
const CAPO_MASKED = "k8s-cluster-magnum-secgroup-password=****";
const OTHER_NAME = `lab, token: ${SENTINEL}`;
const OTHER_MASKED = "lab, token: ****";

/** `text` as a regular expression matching it literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The "default" group on the API's port, named OTHER_NAME, admitting `prefix` on 6443. */
function otherGroupAdmits(prefix: string) {
    fake.cloud.groups[1].name = OTHER_NAME;
    fake.cloud.rules.push({ ...wide("other-6443", 6443, prefix), security_group_id: "default" });
}

/** Runs `body` with pulumi.log.warn recorded; the messages it logged. */
async function warnings(body: () => Promise<unknown>): Promise<string[]> {
    const logged: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = async (message: string) => {
        logged.push(message);
    };
    try {
        await body();
    } finally {
        pulumi.log.warn = original;
    }
    return logged;
}

describe("cloud free text masked in outputs, the log and the preview's errors (mock runtime)", function () {
    this.timeout(180_000);

    beforeEach(() => {
        fake.cloud = rulingCloud();
        fake.cloud.groups[0].name = CAPO_NAME;
    });

    it("stack outputs and the log: the group's name, the warning quoting it, another group's name", async () => {
        otherGroupAdmits("198.51.100.0/24");
        const config = exampleConfig({
            securityGroup: { id: GROUP },
            acceptedExposure: [{ group: "default", reason: "the lab's bastions" }],
        });
        let outputs: Record<string, unknown> = {};
        const logged = await warnings(async () => ({ outputs } = await run(config)));
        assert.equal(outputs.securityGroup, `${CAPO_MASKED} (${GROUP})`);
        const capo = new RegExp(
            `^${literal(`security group ${CAPO_MASKED} looks managed by Cluster API Provider OpenStack, `)}`,
        );
        assert.match((outputs.warnings as string[])[0], capo);
        assert.ok(
            logged.some((l) => capo.test(l)),
            logged.join("\n"),
        );
        const exposure = outputs.exposure as { accepted: { rule: string; group: string }[] };
        assert.deepEqual(
            exposure.accepted.map((r) => [r.rule, r.group]),
            [["other-6443", `${OTHER_MASKED} (default)`]],
        );
        assert.ok(!JSON.stringify(outputs).includes(SENTINEL));
        assert.ok(!logged.join("\n").includes(SENTINEL));
    });

    it("the preflight's error: the managed group's name", async () => {
        fake.cloud.ports[0].securityGroupIds = ["default"];
        await assert.rejects(run(exampleConfig({ securityGroup: { id: GROUP } })), (err: Error) => {
            assert.match(
                err.message,
                new RegExp(literal(`not by ${CAPO_MASKED} (${GROUP}); refusing`)),
            );
            assert.ok(!err.message.includes(SENTINEL));
            return true;
        });
        assert.equal(registered.length, 0, "nothing declared");
    });

    it("the hairpin's error: a router's name", async () => {
        const router = fake.cloud.routers[0];
        router.name = `edge, secret ${SENTINEL}`;
        router.ips = [];
        const config = exampleConfig({ securityGroup: { id: GROUP } });
        config.hairpin.routers = [router.id];
        await assert.rejects(run(config), (err: Error) => {
            assert.match(
                err.message,
                /^router edge, secret \*\*\*\* \(.*\) has no external gateway/,
            );
            assert.ok(!err.message.includes(SENTINEL));
            return true;
        });
    });

    it("the refusal: the name of the group holding the responsible rule", async () => {
        otherGroupAdmits("198.51.100.0/24");
        await assert.rejects(run(exampleConfig({ securityGroup: { id: GROUP } })), (err: Error) => {
            assert.match(
                err.message,
                new RegExp(literal(`rule other-6443 in group ${OTHER_MASKED} (default)`)),
            );
            assert.ok(!err.message.includes(SENTINEL));
            return true;
        });
    });
});

describe("cloud free text masked in the audit (text and --json), verify and the review", () => {
    const managed = { id: "managed", name: CAPO_NAME };
    const other = { id: "other", name: OTHER_NAME };
    // The operator's 22 has no rule of its own: another group's rule admits it (missing entry).
    const managedRules = [
        portRule("c", managed.id, 6443, "10.12.4.154/32"),
        portRule("o", managed.id, 6443, "10.12.4.1/32"),
    ];
    const otherRules = [portRule("peer", other.id, 22, "10.12.4.0/24")];
    const warning = `security group ${CAPO_NAME} looks managed by Cluster API Provider OpenStack`;
    const found = {
        ...staticConductorFound(
            managed,
            managedRules,
            foundExposure([managed, other], [...managedRules, ...otherRules]),
        ),
        warnings: [warning],
    };
    const plan = planIngress(staticConductorConfig({ id: managed.id }, []), found);

    it("the audit: groups read, the responsible rule's group, a missing entry's admitting rule", () => {
        const exposure = auditExposure(plan.exposure);
        assert.deepEqual(
            exposure.groups.map((g) => g.name),
            [CAPO_MASKED, OTHER_MASKED],
        );
        assert.deepEqual(
            exposure.beyondAllowSet.map((r) => [r.rule, r.group]),
            [["peer", `${OTHER_MASKED} (other)`]],
        );
        const missing = missingEntries(
            plan.allowSet.filter((e) => !plan.adoptions.has(e)),
            plan.exposure.before,
        );
        assert.deepEqual(
            missing.map((m) => [m.role, m.port, m.admittedBy]),
            [["operator", 22, [`rule peer in ${OTHER_MASKED} (other)`]]],
        );
        const report = { stack: "test", group: `${CAPO_MASKED} (managed)`, rules: [], missing };
        const text = formatAudit({ ...report, exposure, findings: [], failing: 0 }, paint(false));
        assert.ok(text.includes(`groups read: ${CAPO_MASKED} (managed), ${OTHER_MASKED} (other)`));
        assert.match(
            text,
            new RegExp(literal(`EXPOSED: rule peer in ${OTHER_MASKED} (other) admits`)),
        );
        assert.ok(!JSON.stringify({ ...report, exposure }).includes(SENTINEL));
        assert.ok(!text.includes(SENTINEL));
    });

    it("verify: the responsible rule's group", () => {
        const results = groupResults(plan);
        const peer = results.find((r) => r.target === "peer");
        assert.match(
            peer!.detail,
            new RegExp(`^${literal(`rule peer in group ${OTHER_MASKED} (other) admits`)}`),
        );
        assert.ok(!JSON.stringify(results).includes(SENTINEL));
    });

    it("the review's Markdown: the group, discovery's warning, the exposure's groups", () => {
        const md = renderReview({
            stack: "test",
            config: staticConductorConfig({ id: managed.id }, []),
            live: {
                plan,
                group: `${CAPO_NAME} (managed)`,
                api: "10.12.7.222:6443",
                warnings: [warning],
            },
        });
        assert.ok(md.includes(`Security group: ${CAPO_MASKED} (managed);`));
        assert.ok(
            md.includes(
                `> **Warning:** security group ${CAPO_MASKED} looks managed by Cluster API Provider OpenStack`,
            ),
        );
        assert.ok(md.includes(`${OTHER_MASKED} (other)`));
        assert.ok(!md.includes(SENTINEL));
    });
});

describe("Juju's free text masked in the preview's errors and outputs (mock runtime)", function () {
    this.timeout(180_000);
    let dir: string;

    /** The recorded Juju 3 scenario with `file` of every unit replaced by `text`. */
    function scenario(file: string, text: string): string {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-text-juju-"));
        fs.cpSync(path.join(SCENARIOS, "juju3-lxd"), dir, { recursive: true });
        for (const unit of fs.readdirSync(path.join(dir, "units"))) {
            fs.writeFileSync(path.join(dir, "units", unit, file), text);
        }
        return dir;
    }

    beforeEach(() => {
        fake.cloud = rulingCloud();
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a unit's output quoted in the error", async () => {
        const units = scenario("ip.stdout", `route lookup failed, token=${SENTINEL}\n`);
        await assert.rejects(run(exampleConfig(), units), (err: Error) => {
            assert.match(err.message, /magnum\/0.*stdout "route lookup failed, token=\*\*\*\*/);
            assert.ok(!err.message.includes(SENTINEL));
            return true;
        });
        assert.equal(registered.length, 0, "nothing declared");
    });

    it("the kubeconfig's server URL in the API's provenance", async () => {
        const units = scenario("sed.stdout", `https://admin:${SENTINEL}@10.12.7.222:6443\n`);
        const { outputs } = await run(exampleConfig(), units);
        assert.match(
            String(outputs.api),
            /^10\.12\.7\.222:6443 \(server https:\/\/admin:\*\*\*\*@10\.12\.7\.222:6443 in /,
        );
        assert.ok(!JSON.stringify(outputs).includes(SENTINEL));
    });
});

describe("the cloud's error text masked in the Networking API's errors", () => {
    const settings = { source: "cloud test" } as AuthSettings;
    const reply = (status: number, body: unknown) => ({
        status,
        headers: {},
        body: typeof body === "string" ? body : JSON.stringify(body),
    });

    it("NeutronError's message, and a body that is not Neutron's", () => {
        const neutron = httpError(
            "DELETE",
            "/v2.0/security-groups/g",
            "https://neutron",
            reply(409, {
                NeutronError: {
                    type: "SecurityGroupInUse",
                    message: `Security Group lab, token: ${SENTINEL} in use.`,
                },
            }),
            [204],
            settings,
        );
        assert.equal(
            neutron.message,
            "DELETE /v2.0/security-groups/g on https://neutron: expected 204, got 409 " +
                "SecurityGroupInUse: Security Group lab, token: **** in use.",
        );
        const proxy = httpError(
            "GET",
            "/v2.0/ports",
            "https://neutron",
            reply(502, `<html>upstream https://admin:${SENTINEL}@10.0.0.9/ failed</html>`),
            [200],
            settings,
        );
        assert.match(
            proxy.message,
            /got 502: <html>upstream https:\/\/admin:\*\*\*\*@10\.0\.0\.9\//,
        );
        assert.ok(!`${neutron.message}${proxy.message}`.includes(SENTINEL));
    });
});
