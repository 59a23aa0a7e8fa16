// The probe parsers' checks, one case per way a broken check would let a wrong line pass: the
// unit probe's fields, which lines count as the probe line, and the pod probe's nc outcomes.
import * as assert from "node:assert/strict";
import {
    parseCustomVerdict,
    parseNcProbe,
    parseReadyz,
    parseTcpProbe,
} from "../../components/verify/probe-output";

const fieldsError = (problems: string, line: string) => (err: Error) =>
    err.message === `the probe line does not have the expected fields (${problems}): ${line}`;

describe("parseTcpProbe: the probe line's fields", () => {
    it("names each wrong field", () => {
        const cases: [string, string][] = [
            ['{"probe":"udp","outcome":"refused","ms":1}', 'probe: expected "tcp"'],
            [
                '{"probe":"tcp","outcome":"closed","ms":1}',
                "outcome: expected one of connected, refused, timeout, error",
            ],
            [
                '{"probe":"tcp","outcome":1,"ms":1}',
                "outcome: expected one of connected, refused, timeout, error",
            ],
            [
                '{"probe":"tcp","outcome":"refused","ms":"1"}',
                "ms: expected a number of milliseconds, 0 or more",
            ],
            [
                '{"probe":"tcp","outcome":"refused","ms":-1}',
                "ms: expected a number of milliseconds, 0 or more",
            ],
            [
                '{"probe":"tcp","outcome":"connected","ms":1,"source":""}',
                "source: expected the connection's local address",
            ],
            [
                '{"probe":"tcp","outcome":"connected","ms":1,"source":7}',
                "source: expected the connection's local address",
            ],
            ['{"probe":"tcp","outcome":"timeout","ms":1,"error":5}', "error: expected a string"],
            [
                '{"probe":"tcp","outcome":"nope","ms":-2}',
                "outcome: expected one of connected, refused, timeout, error; " +
                    "ms: expected a number of milliseconds, 0 or more",
            ],
        ];
        for (const [line, problems] of cases) {
            assert.throws(() => parseTcpProbe(line), fieldsError(problems, line), line);
        }
    });

    it("accepts 0 ms and a string error", () => {
        assert.deepEqual(parseTcpProbe('{"probe":"tcp","outcome":"timeout","ms":0,"error":"t"}'), {
            outcome: "timeout",
            ms: 0,
            error: "t",
        });
    });

    it("counts as probe lines only those that start with { and name a probe", () => {
        const probe = '{"probe":"tcp","outcome":"refused","ms":4}';
        const noise = ['{"log":"starting"}', 'the "probe" ran', "probe", `  ${probe}  `].join("\n");
        assert.deepEqual(parseTcpProbe(noise), { outcome: "refused", ms: 4, error: undefined });
        assert.throws(
            () => parseTcpProbe(`${probe}\n${probe}`),
            /expected exactly one \{"probe":"tcp",\.\.\.\} line, found 2 in output/,
        );
    });
});

describe("parseNcProbe: the pod probe's outcomes", () => {
    const line = (rc: number, cs: number, err: string, state = "exited", timeout = "5") =>
        `tcp-probe state=${state} rc=${rc} elapsed_cs=${cs} timeout_s=${timeout} err=${err}`;

    it("reports a missing nc as an error whatever its code and duration", () => {
        assert.deepEqual(parseNcProbe(line(127, 1, "", "missing")), {
            outcome: "error",
            ms: 10,
            error: "no nc in the pod",
        });
        assert.deepEqual(parseNcProbe(line(0, 600, "sh: nc: not found  ", "missing")), {
            outcome: "error",
            ms: 6000,
            error: "sh: nc: not found",
        });
        assert.equal(parseNcProbe(line(137, 600, "", "missing")).outcome, "error");
    });

    it("counts codes from 128 up as a connection the watchdog ended", () => {
        assert.equal(parseNcProbe(line(128, 500, "")).outcome, "connected");
        assert.deepEqual(parseNcProbe(line(127, 20, "")), {
            outcome: "error",
            ms: 200,
            error: "nc exited 127 after 200 ms without a message",
        });
    });

    it("reads every wording of a timeout, and nothing else, as a timeout", () => {
        for (const err of ["nc: timed out", "Timed Out", "timeout", "time out", "time-out"]) {
            assert.deepEqual(parseNcProbe(line(1, 20, err)), {
                outcome: "timeout",
                ms: 200,
                error: err,
            });
        }
        for (const err of ["timer outage", "nc: bad address", "times-out"]) {
            assert.equal(parseNcProbe(line(1, 20, err)).outcome, "error", err);
        }
        // A message that is not a timeout stays an error, however long it took.
        assert.deepEqual(parseNcProbe(line(1, 500, "nc: bad address 'api'")), {
            outcome: "error",
            ms: 5000,
            error: "nc: bad address 'api'",
        });
    });

    it("reads the line's fields exactly, trailing blanks aside", () => {
        assert.deepEqual(parseNcProbe(`${line(1, 20, "  Connection refused")}  \r`), {
            outcome: "refused",
            ms: 200,
            error: "Connection refused",
        });
        // A timeout of 10 s: 9 s of silence is an error, 9.5 s a timeout.
        assert.equal(parseNcProbe(line(1, 900, "", "exited", "10")).outcome, "error");
        assert.equal(parseNcProbe(line(1, 950, "", "exited", "10")).outcome, "timeout");
        for (const bad of [
            `x${line(1, 20, "")}`,
            `${line(1, 20, "").replace("err=", "error=")}`,
            `${line(1, 20, "").replace("timeout_s=5", "timeout_s=")}`,
        ]) {
            assert.throws(() => parseNcProbe(bad), /the probe line does not have|found 0/, bad);
        }
        // A carriage return inside the line is not a field's text.
        assert.throws(
            () => parseNcProbe(line(1, 20, "refused\rjunk")),
            /the probe line does not have the expected fields/,
        );
    });

    it("counts only lines that start with tcp-probe", () => {
        const text = `echo tcp-probe state=exited\n ${line(0, 1, "")}\n${line(1, 20, "refused")}`;
        assert.equal(parseNcProbe(text).outcome, "refused");
    });
});

describe("parseReadyz and the output excerpt", () => {
    it("lists only lines that start with [-]", () => {
        assert.deepEqual(
            parseReadyz(500, "[-]etcd failed: x\n [-]not-a-check\n[+]ping ok").failing,
            ["etcd failed: x"],
        );
    });

    it("quotes short output whole and long output cut at 300 characters", () => {
        const exactly = "a".repeat(300);
        assert.throws(
            () => parseTcpProbe(`  ${exactly}  `),
            (err: Error) => err.message.endsWith(`in output "${exactly}"`),
        );
        assert.throws(
            () => parseTcpProbe(`${exactly}b`),
            (err: Error) => err.message.endsWith(`in output "${exactly}..."`),
        );
        assert.throws(
            () => parseCustomVerdict('{"customCheck":'),
            /the verdict line is not JSON \(.+\): \{"customCheck":/,
        );
    });
});
