// The settings rows of `review --against` and `review --base`: effective values compared, so a
// key absent on one side and an empty list or the default on the other is no difference, while a
// key stated to another value than the other side's effective one still is.
import * as assert from "node:assert/strict";
import { diffSettings, diffStack } from "../../components/review/diff";
import { renderDiffReport } from "../../components/review/diff-markdown";
import { renderComparison } from "../../components/review/markdown";
import { parseStackConfig } from "../../components/config/schema";
import { readStackFile } from "../../components/config/stackfile";

const SENTINEL = "s3cr3t-sentinel-settings-diff";

/** The committed rehearsal stack's values (namespace removed), with `changes` on top. */
function rehearsal(changes: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...readStackFile("rehearsal"), ...changes };
}

function verifyWith(extra: Record<string, unknown>): Record<string, unknown> {
    return { ...(readStackFile("rehearsal").verify as Record<string, unknown>), ...extra };
}

/** `review --against` of two stack files' values: the rows of "Settings that differ". */
function against(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
    const text = renderComparison(
        { stack: "a", config: parseStackConfig(a) },
        { stack: "b", config: parseStackConfig(b) },
    );
    const section = text.slice(text.indexOf("### Settings that differ"));
    return section.split("\n").filter((l) => l.startsWith("| ") && !/^\| (key|---) /.test(l));
}

const check = (name: string, command: string) => ({ name, command, timeoutSeconds: 60 });

// Each side states, as empty lists or defaults, what the committed rehearsal stack leaves unset.
const SPELLED_OUT = {
    hairpin: {
        subnets: ["capi-mgmt-subnet"],
        routers: ["capi-mgmt-router"],
        cidrs: [],
        ports: [6443],
    },
    protectedPorts: [6443, 22],
    retire: [
        { remote: "0.0.0.0/0", ports: [6443, 22] },
        { remote: "::/0", ports: [6443, 22] },
    ],
    minPrefixLength: 16,
    waivers: [],
    acceptedExposure: [],
    allowDestroy: false,
    verify: verifyWith({ custom: [] }),
};

describe("review: settings compared by their effective values", () => {
    it("--against: empty lists and defaults spelled out against keys left unset differ in nothing", () => {
        assert.deepEqual(against(rehearsal(), rehearsal(SPELLED_OUT)), []);
        assert.deepEqual(against(rehearsal(SPELLED_OUT), rehearsal()), []);
    });

    it("--against: a list with entries against an empty one shows the entries, not the list as (unset) / (none)", () => {
        const checked = rehearsal({
            verify: verifyWith({ custom: [check("api-auth", `curl -u admin:${SENTINEL} x`)] }),
            waivers: [{ cidr: "10.0.0.0/8", reason: "the lab's whole range, for now" }],
        });
        for (const none of [rehearsal(), rehearsal(SPELLED_OUT)]) {
            const rows = against(checked, none);
            assert.deepEqual(rows, [
                "| verify.custom[api-auth].command | (not shown) | (unset) |",
                "| verify.custom[api-auth].expect.exitCode | 0 | (unset) |",
                "| verify.custom[api-auth].timeoutSeconds | 60 | (unset) |",
                "| waivers[0].cidr | 10.0.0.0/8 | (unset) |",
                "| waivers[0].reason | the lab's whole range, for now | (unset) |",
            ]);
            assert.ok(!rows.join("\n").includes(SENTINEL));
        }
    });

    it("--against: a key stated to another value than the other side's effective one is shown", () => {
        const rows = against(
            rehearsal(),
            rehearsal({
                operator: { ...(readStackFile("rehearsal").operator as object), ports: [6443] },
                minPrefixLength: 24,
            }),
        );
        assert.deepEqual(rows, [
            "| minPrefixLength | 16 | 24 |",
            "| operator.ports | 6443, 22 | 6443 |",
        ]);
        // A check's hidden command is compared by its text, though shown on neither side.
        const command = (c: string) =>
            rehearsal({ verify: verifyWith({ custom: [check("api-auth", c)] }) });
        assert.deepEqual(against(command(`a ${SENTINEL}`), command(`b ${SENTINEL}`)), [
            "| verify.custom[api-auth].command | (not shown) | (not shown) |",
        ]);
    });

    it("--against: an empty approvedRetirement.targets is not the same as none (it lists no target)", () => {
        const digest = "sha256:" + "a".repeat(64);
        const rows = against(
            rehearsal({ approvedRetirement: digest }),
            rehearsal({ approvedRetirement: { digest, targets: [] } }),
        );
        assert.deepEqual(rows, ["| approvedRetirement.targets | (unset) | (none) |"]);
    });

    it("--against: with api.fromKubeconfig an unset hairpin.ports is the API's port, known at preview", () => {
        const example = readStackFile("example");
        const unset = { ...example, hairpin: { subnets: ["capi-mgmt-subnet"] } };
        const stated = { ...example, hairpin: { subnets: ["capi-mgmt-subnet"], ports: [6443] } };
        assert.deepEqual(against(unset, stated), [
            "| hairpin.ports | (the API's port, from the kubeconfig) | 6443 |",
        ]);
    });

    it("--base: stating defaults and empty lists changes no setting; a default changed says it was one", () => {
        assert.deepEqual(diffSettings(rehearsal(), rehearsal(SPELLED_OUT)), []);
        assert.deepEqual(diffSettings(rehearsal(SPELLED_OUT), rehearsal()), []);
        assert.deepEqual(diffSettings(rehearsal(), rehearsal({ minPrefixLengthIpv6: 56 })), [
            { key: "minPrefixLengthIpv6", change: "changed", base: "48 (default)", head: "56" },
        ]);
        const diff = diffStack(
            "rehearsal",
            { raw: rehearsal() },
            { raw: rehearsal(SPELLED_OUT) },
            false,
        );
        const text = renderDiffReport({ base: "main", head: "HEAD", stacks: [diff] });
        assert.match(text, /#### Settings\n\nNo setting changed\./, text);
    });

    it("--base: an approval given as a digest string is stated, not a default, once parsed", () => {
        const [a, b] = ["a", "b"].map((c) => "sha256:" + c.repeat(64));
        assert.deepEqual(
            diffSettings(
                rehearsal({ approvedRetirement: a }),
                rehearsal({ approvedRetirement: { digest: b, targets: ["r1"] } }),
            ),
            [
                { key: "approvedRetirement.digest", change: "changed", base: a, head: b },
                { key: "approvedRetirement.targets", change: "added", head: "r1" },
            ],
        );
    });

    it("--base: a check removed shows its rows removed, not the list as added (none)", () => {
        const checked = rehearsal({
            verify: verifyWith({ custom: [check("api-auth", `curl -u admin:${SENTINEL} x`)] }),
        });
        for (const head of [rehearsal(), rehearsal({ verify: verifyWith({ custom: [] }) })]) {
            const changes = diffSettings(checked, head);
            assert.deepEqual(
                changes.map((c) => `${c.key} ${c.change}`),
                [
                    "verify.custom[api-auth].command removed",
                    "verify.custom[api-auth].expect.exitCode removed",
                    "verify.custom[api-auth].timeoutSeconds removed",
                ],
            );
            assert.equal(changes[1].base, "0 (default)");
            assert.ok(!JSON.stringify(changes).includes(SENTINEL));
        }
    });

    it("--base: a side the schema refuses (a key set to null) is compared as written, and named as a problem", () => {
        const nulled = rehearsal({ waivers: null, acceptedExposure: [] });
        const diff = diffStack("rehearsal", { raw: rehearsal() }, { raw: nulled }, false);
        assert.match(
            diff.problems.join("\n"),
            /^head: [^]*capi-mgmt-ingress:waivers: expected array/,
        );
        assert.deepEqual(diff.settings, [
            { key: "acceptedExposure", change: "added", head: "(none)" },
            { key: "waivers", change: "added", head: "null" },
        ]);
    });

    it("--base and --against: a reordered set-like list is no change; acceptedExposure's order still is", () => {
        const reason = "a reason of a few words";
        const both = (first: boolean) => {
            const two = <T>(a: T, b: T) => (first ? [a, b] : [b, a]);
            return rehearsal({
                conductors: {
                    static: { addresses: two("10.0.0.5", "10.0.0.6"), reason },
                },
                operator: {
                    cidrs: two("10.1.0.0/24", "10.2.0.9/32"),
                    ports: two(6443, 22),
                    reason,
                },
                hairpin: {
                    subnets: two("s1", "s2"),
                    routers: two("r1", "r2"),
                    cidrs: two({ cidr: "10.3.0.0/24", reason }, { cidr: "10.4.0.0/24", reason }),
                    ports: [6443],
                },
                protectedPorts: two(6443, 22),
                retire: two(
                    { remote: "0.0.0.0/0", ports: two(6443, 22) },
                    { remote: "::/0", ports: [22] },
                ),
                waivers: two({ cidr: "10.16.0.0/12", reason }, { cidr: "10.64.0.0/11", reason }),
                verify: verifyWith({ conductors: { enabled: false } }),
                approvedRetirement: {
                    digest: "sha256:" + "a".repeat(64),
                    targets: two("t1", "t2"),
                },
            });
        };
        assert.deepEqual(diffSettings(both(true), both(false)), []);
        assert.deepEqual(against(both(true), both(false)), []);
        // Shown as written, in the file's own order.
        assert.ok(
            against(rehearsal(), both(false)).includes(
                "| operator.cidrs | 203.0.113.1/32 | 10.2.0.9/32, 10.1.0.0/24 |",
            ),
        );

        const accepted = (rule: string) => [
            { rule: "r-1", reason: `first ${reason}` },
            { rule, reason: `second ${reason}` },
        ];
        const reordered = diffSettings(
            rehearsal({ acceptedExposure: accepted("r-2") }),
            rehearsal({ acceptedExposure: accepted("r-2").reverse() }),
        );
        assert.deepEqual(
            reordered.map((c) => c.key),
            [
                "acceptedExposure[0].reason",
                "acceptedExposure[0].rule",
                "acceptedExposure[1].reason",
                "acceptedExposure[1].rule",
            ],
        );
    });
});
