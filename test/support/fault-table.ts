// The fault table's rows and bad inputs: each attempt records whether it was refused naming its
// subject and what it deleted; routes, servers, clouds.yaml files and Networking API answers.
import * as fs from "node:fs";
import * as path from "node:path";
import { JujuTarget } from "../../components/juju/units";
import { FakeAnswer } from "../support/scripted-openstack";
import { neutronRule } from "./rules";

export interface Row {
    area: string;
    kind: string;
    ended: "refused" | "accepted";
    /** The key, unit, file or rule the message must name. */
    names: string;
    named: boolean;
    deleted: number;
    message: string;
}

export interface StatusJson {
    applications: Record<string, { units: Record<string, unknown>; "status-error"?: string }>;
}

export const FAKE = path.resolve(__dirname, "..", "..", "tools", "fakes", "juju");
export const rows: Row[] = [];

export async function attempt(
    area: string,
    kind: string,
    names: string,
    run: () => unknown,
    deleted: () => number = () => 0,
): Promise<void> {
    let row: Row;
    try {
        await run();
        row = {
            area,
            kind,
            ended: "accepted",
            names,
            named: false,
            deleted: deleted(),
            message: "",
        };
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        row = {
            area,
            kind,
            ended: "refused",
            names,
            named: message.includes(names),
            deleted: deleted(),
            message,
        };
    }
    rows.push(row);
}

/** A copy of the juju3-lxd scenario with magnum/1's answers replaced by `files`. */
export function jujuTarget(
    tmp: string,
    files: Record<string, string>,
    status?: (s: StatusJson) => void,
): JujuTarget {
    const dir = fs.mkdtempSync(path.join(tmp, "juju-"));
    fs.cpSync(path.join(FAKE, "scenarios", "juju3-lxd"), dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, "units", "magnum-1", file), text);
    }
    if (status) {
        const file = path.join(dir, "status.json");
        const parsed = JSON.parse(fs.readFileSync(file, "utf8"));
        status(parsed);
        fs.writeFileSync(file, JSON.stringify(parsed));
    }
    return {
        model: "openstack",
        application: "magnum",
        bin: path.join(FAKE, "juju"),
        timeoutSeconds: 3,
        concurrency: 4,
        env: { ...process.env, FAKE_JUJU_SCENARIO: dir },
    };
}

export const ROUTES: [string, string, string?][] = [
    ["empty output", ""],
    ["text instead of JSON", "10.12.7.222 via 10.12.4.1 dev eth0 src 10.12.4.155"],
    ["no route", "[]"],
    [
        "two routes",
        JSON.stringify([
            { dst: "10.12.7.222", prefsrc: "10.12.4.155" },
            { dst: "10.12.7.222", prefsrc: "10.12.4.156" },
        ]),
    ],
    ["no prefsrc", JSON.stringify([{ dst: "10.12.7.222", dev: "eth0" }])],
    ["prefsrc not an address", JSON.stringify([{ dst: "10.12.7.222", prefsrc: "10.12.4" }])],
    [
        "route for another destination",
        JSON.stringify([{ dst: "10.12.7.223", prefsrc: "10.12.4.155" }]),
    ],
    [
        "unreachable route",
        JSON.stringify([{ type: "unreachable", dst: "10.12.7.222", prefsrc: "10.12.4.155" }]),
    ],
    ["blackhole route", JSON.stringify([{ type: "blackhole", dst: "10.12.7.222" }])],
    ["exit 2, network unreachable", "", "2"],
];

export const SERVERS: [string, string][] = [
    ["no server line", ""],
    ["http instead of https", "http://10.12.7.222:6443\n"],
    ["host name instead of an address", "https://mgmt.example:6443\n"],
    ["two servers", "https://10.12.7.222:6443\nhttps://10.12.7.223:6443\n"],
    ["port out of range", "https://10.12.7.222:99999\n"],
];

export const CLOUDS: [string, string, string][] = [
    ["not YAML", "clouds: [unclosed\n", "clouds.yaml"],
    ["no clouds key", "other: {}\n", "lab"],
    ["cloud missing", "clouds:\n  other:\n    auth: {auth_url: http://x/v3}\n", "lab"],
    [
        "no auth_url",
        "clouds:\n  lab:\n    auth: {username: a, password: b, project_name: p}\n",
        "auth_url",
    ],
    [
        "token auth",
        "clouds:\n  lab:\n    auth_type: token\n    auth: {auth_url: http://x/v3, token: t}\n",
        "token",
    ],
    ["tab indentation", "clouds:\n\tlab:\n\t\tauth: {}\n", "clouds.yaml"],
    [
        "duplicate key",
        "clouds:\n  lab:\n    auth: {auth_url: http://x/v3}\n  lab:\n    auth: {}\n",
        "clouds.yaml",
    ],
    ["auth is a list", "clouds:\n  lab:\n    auth: [a, b]\n", "auth"],
];

export const RULE = neutronRule({ security_group_id: "g1" });
export const list = (rules: unknown[]): FakeAnswer => ({
    status: 200,
    body: { security_group_rules: rules },
});
export const LISTS: [string, FakeAnswer][] = [
    ["500 from neutron", { status: 500, body: { NeutronError: { message: "boom" } } }],
    ["403 from neutron", { status: 403, body: { NeutronError: { message: "policy" } } }],
    ["body not JSON", { status: 200, text: "<html>proxy error</html>" }],
    ["no rule list", { status: 200, body: { rules: [] } }],
    ["rule without id", list([{ ...RULE, id: undefined }])],
    ["rule of another group", list([{ ...RULE, security_group_id: "g2" }])],
    ["unknown direction", list([{ ...RULE, direction: "sideways" }])],
    ["unknown ethertype", list([{ ...RULE, ethertype: "IPv5" }])],
    ["port as text", list([{ ...RULE, port_range_min: "6443" }])],
];

export function shapeOf(rule: typeof RULE) {
    return {
        direction: rule.direction,
        ethertype: rule.ethertype,
        protocol: rule.protocol,
        portRangeMin: rule.port_range_min,
        portRangeMax: rule.port_range_max,
        remoteIpPrefix: rule.remote_ip_prefix,
        remoteGroupId: rule.remote_group_id,
    };
}
