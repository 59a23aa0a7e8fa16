// The Juju parsers' remaining checks: what a status, exec, run or version output must look like
// before a unit, a machine status or a return code is taken from it, and the errors naming why.
import * as assert from "node:assert/strict";
import {
    parseJujuExec3,
    parseJujuRun29,
    parseJujuStatus,
    parseJujuVersion,
} from "../../components/juju/parse";

const message = (expected: string) => (err: Error) => err.message === expected;
const unit = (fields: Record<string, unknown> = {}) => ({
    machine: "1",
    "workload-status": { current: "active" },
    "juju-status": { current: "idle" },
    ...fields,
});
const status = (app: Record<string, unknown>, machines: Record<string, unknown> = {}) =>
    JSON.stringify({ machines, applications: { magnum: app } });

describe("parse checks: juju status", () => {
    it("names the applications present when the one asked for is not", () => {
        assert.throws(
            () => parseJujuStatus('{"applications":{}}', "magnum"),
            message('application "magnum" is not in the status (applications: none)'),
        );
        assert.throws(
            () => parseJujuStatus('{"applications":{"nova":{},"keystone":{}}}', "magnum"),
            message('application "magnum" is not in the status (applications: nova, keystone)'),
        );
    });

    it("says which application a unitless subordinate belongs to", () => {
        assert.throws(
            () => parseJujuStatus(status({ "subordinate-to": ["nova", "magnum"] }), "magnum"),
            message('application "magnum" has no units; it is subordinate to nova, magnum'),
        );
        assert.throws(
            () => parseJujuStatus(status({ units: {} }), "magnum"),
            message('application "magnum" has no units'),
        );
    });

    it("lists a unit's subordinates in unit order", () => {
        const subordinates = { "filebeat/10": {}, "filebeat/2": {}, "ntp/1": {} };
        const [u] = parseJujuStatus(
            status({ units: { "magnum/0": unit({ subordinates }) } }),
            "magnum",
        );
        assert.deepEqual(u.subordinates, ["filebeat/2", "filebeat/10", "ntp/1"]);
    });

    it("refuses fields of the wrong type", () => {
        const bad: [string, string][] = [
            [status({ units: { "magnum/0": unit({ "juju-status": { current: 5 } }) } }), "current"],
            [status({ units: { "magnum/0": unit({ machine: 7 }) } }), "machine"],
            [status({ units: { "magnum/0": unit({ leader: "yes" }) } }), "leader"],
            [
                status(
                    { units: { "magnum/0": unit() } },
                    { "1": { "juju-status": { current: 1 } } },
                ),
                "current",
            ],
            [status({ units: { "magnum/0": unit() }, "status-error": 5 }), "status-error"],
            [status({ units: { "magnum/0": unit() }, "subordinate-to": "nova" }), "subordinate-to"],
        ];
        for (const [json, field] of bad) {
            assert.throws(() => parseJujuStatus(json, "magnum"), new RegExp(field), json);
        }
    });

    it("reads a status error inside a status, and an absent status as unknown", () => {
        const [u] = parseJujuStatus(
            status({
                units: {
                    "magnum/0": unit({
                        "workload-status": { current: "active", "status-error": "hook failed" },
                        "juju-status": { message: "idle" },
                    }),
                },
            }),
            "magnum",
        );
        assert.deepEqual(u.workload, { current: "unknown", message: "hook failed" });
        assert.deepEqual(u.agent, { current: "unknown", message: "idle" });
    });

    it("finds no machine status under a machine without containers or without a status", () => {
        const machines = { "1": { "juju-status": { current: "started" } }, "3": {} };
        const units = parseJujuStatus(
            status(
                {
                    units: {
                        "magnum/0": unit({ machine: "1/lxd/0" }),
                        "magnum/1": unit({ machine: "3" }),
                    },
                },
                machines,
            ),
            "magnum",
        );
        assert.deepEqual(
            units.map((x) => x.machineStatus),
            [undefined, undefined],
        );
    });
});

describe("parse checks: juju exec and juju run output", () => {
    it("refuses a Juju 3 task whose unit field is not a string", () => {
        assert.throws(
            () => parseJujuExec3(JSON.stringify({ "magnum/0": { unit: 0, results: {} } })),
            /unit/,
        );
    });

    it("names the unit and stream of an unknown encoding", () => {
        assert.throws(
            () =>
                parseJujuExec3(
                    JSON.stringify({
                        "magnum/0": { results: { stdout: "x", "stdout-encoding": "hex" } },
                    }),
                ),
            message('magnum/0 stdout has an unknown encoding "hex"'),
        );
        assert.throws(
            () =>
                parseJujuExec3(
                    JSON.stringify({
                        "magnum/0": { results: { stderr: "x", "stderr-encoding": "hex" } },
                    }),
                ),
            message('magnum/0 stderr has an unknown encoding "hex"'),
        );
        for (const stream of ["Stdout", "Stderr"]) {
            assert.throws(
                () =>
                    parseJujuRun29(
                        JSON.stringify([
                            {
                                UnitId: "magnum/3",
                                Stdout: "",
                                [stream]: "x",
                                [`${stream}-encoding`]: "hex",
                            },
                        ]),
                    ),
                message(`magnum/3 ${stream} has an unknown encoding "hex"`),
            );
        }
    });

    it("takes an empty encoding for plain text", () => {
        const json = JSON.stringify({
            "magnum/0": { results: { stdout: "aGk=", "stdout-encoding": "" } },
        });
        assert.equal(parseJujuExec3(json)[0].stdout, "aGk=");
    });

    it("accepts both 2.9 encoding keys when they agree, and refuses them when they differ", () => {
        const entry = { UnitId: "magnum/0", Stdout: "aGk=" };
        const both = (dot: string) =>
            JSON.stringify([{ ...entry, "Stdout-encoding": "base64", "Stdout.encoding": dot }]);
        assert.equal(parseJujuRun29(both("base64"))[0].stdout, "hi");
        assert.throws(
            () => parseJujuRun29(both("utf8")),
            message('magnum/0 has both Stdout-encoding "base64" and Stdout.encoding "utf8"'),
        );
    });

    it("gives no return code to an entry with an Error, even with output", () => {
        const [r] = parseJujuRun29('[{"UnitId":"magnum/0","Stdout":"","Error":"lost"}]');
        assert.equal(r.returnCode, undefined);
        assert.equal(r.message, "lost");
    });
});

describe("parse checks: juju version", () => {
    it("reads the first line's major and minor version", () => {
        const cases: [string, number, number][] = [
            ["3.4.2-genericlinux-amd64\n", 3, 4],
            ["  2.9.46-ubuntu-amd64  \nWARNING something\n", 2, 9],
            ["10.12\n", 10, 12],
            ["3.10.1", 3, 10],
            ["\n3.6.0-ubuntu-amd64\n", 3, 6],
        ];
        for (const [text, major, minor] of cases) {
            const v = parseJujuVersion(text);
            assert.deepEqual(
                [v.major, v.minor, v.text],
                [major, minor, text.trim().split("\n")[0].trim()],
            );
        }
    });

    it("refuses what is not a version", () => {
        for (const text of ["v3.4.2", "3.4.2 beta", "3", "", "\n"]) {
            assert.throws(
                () => parseJujuVersion(text),
                message(`${JSON.stringify(text.trim())} is not a Juju version`),
                text,
            );
        }
    });
});
