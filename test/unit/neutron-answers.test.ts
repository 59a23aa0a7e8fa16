// A Networking API answer that does not fit its schema, from a replaying Neutron on 127.0.0.1:
// the error names the request (method, path, endpoint; masked), what was expected, and which item
// and field failed, by type; never a value of the answer, which may hold anything.
import { strict as assert } from "node:assert";
import { openSession } from "../../components/openstack/keystone";
import { getRule, listRules } from "../../components/openstack/networking";
import {
    addressGroupAddresses,
    listRulesOfGroups,
} from "../../components/openstack/exposure-lookups";
import { findSecurityGroups, portsGuardingAddress } from "../../components/openstack/resources";
import { envFor, FAST_RETRY, rule, useFakeCloud } from "../support/fake-openstack";

const MARK = "S8LEAKanswer";

describe("openstack: a malformed Networking API answer", () => {
    const startCloud = useFakeCloud();

    /** A session on a fake cloud answering each network request with the next of `answers`. */
    async function sessionAnswering(answers: unknown[], suffix = "") {
        const catalog: unknown[] = [];
        const cloud = await startCloud((_req, n) => ({ status: 200, body: answers[n - 1] }), {
            catalog,
        });
        const endpoint = `${cloud.base}${suffix}`;
        catalog.push({ type: "network", endpoints: [{ interface: "public", url: endpoint }] });
        const s = await openSession({ env: envFor(cloud.base), retry: FAST_RETRY });
        return { s, base: cloud.base };
    }

    async function refusal(promise: Promise<unknown>): Promise<string> {
        try {
            await promise;
        } catch (err) {
            const message = (err as Error).message;
            assert.equal(message.includes(MARK), false, `a value in: ${message}`);
            assert.equal(message.includes("\n"), false, `an issue list in: ${message}`);
            return message;
        }
        assert.fail("accepted");
    }

    it("a listing's item: the request, the expectation, the item and field by type", async () => {
        const bad = { ...rule("b"), id: 7, description: MARK };
        const { s, base } = await sessionAnswering([{ security_group_rules: [rule("a"), bad] }]);
        assert.equal(
            await refusal(listRules(s, "group-1")),
            `GET /v2.0/security-group-rules?security_group_id=group-1 on ${base}: expected ` +
                "security group rules, each with an id and a security_group_id; the answer " +
                "differs at security_group_rules[1].id: expected string, got an integer",
        );
    });

    it("one resource shown: named without an index; the endpoint's credential masked", async () => {
        const { s, base } = await sessionAnswering(
            [{ security_group_rule: { id: "r", security_group_id: null, remote: MARK } }],
            `/net?token=${MARK}`,
        );
        assert.equal(
            await refusal(getRule(s, "r")),
            `GET /v2.0/security-group-rules/r on ${base}/net?token=****: expected a security ` +
                "group rule with an id and a security_group_id; the answer differs at " +
                "security_group_rule.security_group_id: expected string, got null",
        );
    });

    it("a page that is not a list: its type, not its text", async () => {
        const { s, base } = await sessionAnswering([{ security_group_rules: MARK }]);
        assert.equal(
            await refusal(listRules(s, "group-1")),
            `GET /v2.0/security-group-rules?security_group_id=group-1 on ${base}: expected an ` +
                'object with a "security_group_rules" list, got a string under "security_group_rules"',
        );
    });

    it("many failing fields: three named, the rest counted", async () => {
        const { s, base } = await sessionAnswering([
            {
                security_groups: [
                    { id: "g", name: 1, project_id: [MARK] },
                    { id: 2, name: MARK },
                ],
            },
        ]);
        assert.equal(
            await refusal(findSecurityGroups(s, "web")),
            `GET /v2.0/security-groups?name=web&fields=id&fields=name&fields=project_id&` +
                `fields=description on ${base}: expected security groups with an id, a name and ` +
                "a project_id; the answer differs at security_groups[0].name: expected string, " +
                "got an integer; security_groups[0].project_id: expected string, got a list; " +
                "security_groups[1].id: expected string, got an integer; and 1 more",
        );
    });

    it("a port shown behind a floating IP: the port's request, not the listing's", async () => {
        const { s, base } = await sessionAnswering([
            { floatingips: [{ id: "f", port_id: "p1" }] },
            { port: { id: "p1", name: MARK, device_owner: "", device_id: "", fixed_ips: [] } },
        ]);
        assert.equal(
            await refusal(portsGuardingAddress(s, "203.0.113.5")),
            `GET /v2.0/ports/p1 on ${base}: expected ports with an id, a name, a device_owner, ` +
                "a device_id, security_groups and fixed_ips; the answer differs at " +
                "port.security_groups: expected array, got nothing",
        );
    });

    it("the exposure lookups: a rule without a group, an address that is not text", async () => {
        const { s, base } = await sessionAnswering([
            { security_group_rules: [{ id: "r", description: MARK }] },
            { address_group: { addresses: ["10.0.0.1/32", 5, MARK] } },
        ]);
        assert.equal(
            await refusal(listRulesOfGroups(s, ["g1", "g2"])),
            `GET /v2.0/security-group-rules?security_group_id=g1&security_group_id=g2 on ` +
                `${base}: expected rules, each with an id and a security_group_id; the answer ` +
                "differs at security_group_rules[0].security_group_id: expected string, got nothing",
        );
        assert.equal(
            await refusal(addressGroupAddresses(s, "ag")),
            `GET /v2.0/address-groups/ag on ${base}: expected an address_group with a list of ` +
                "addresses; the answer differs at address_group.addresses[1]: expected string, " +
                "got an integer",
        );
    });
});
