// What the verification tests share: the API, an allow-set, and a unit's `juju exec` outcome.
import type { AllowEntry } from "../../components/model/allowset";
import type { UnitRun } from "../../components/juju/units";
import { allowEntry } from "./rules";

export const api = { address: "10.12.7.222", port: 6443 };

export const entry = (role: AllowEntry["role"], cidr: string, port = 6443): AllowEntry =>
    allowEntry(role, port, cidr);

export const allowSet = [
    entry("conductor", "10.12.4.154/32"),
    entry("operator", "10.12.4.1/32"),
    entry("operator", "10.12.4.1/32", 22),
    entry("hairpin", "10.20.0.0/24"),
];

export const unitRun = (stdout: string, extra: Partial<UnitRun> = {}): UnitRun => ({
    unit: "magnum/0",
    ok: true,
    returnCode: 0,
    stdout,
    stderr: "",
    timedOut: false,
    ms: 40,
    commandLine: "juju exec ...",
    ...extra,
});

export const probeLine = (fields: Record<string, unknown>) =>
    JSON.stringify({ probe: "tcp", ...fields });
