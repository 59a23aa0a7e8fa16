// The example each config error offers: a value for the key the error names that makes that error
// go away when set there (test/unit/config-examples.test.ts applies every one of them).
import * as YAML from "yaml";

/** A key path as an operator writes it (`operator.cidrs[1]`) and a value to set there. */
export interface Example {
    path: (string | number)[];
    value: unknown;
}

const REASON = "operator workstation via the VR0 NAT";

/** Valid values by key path, indices written `[]`; the nearest listed ancestor is used. */
const VALID: Record<string, unknown> = {
    securityGroup: { name: "capi-mgmt-sg" },
    "securityGroup.name": "capi-mgmt-sg",
    "securityGroup.id": "6a1f0c3e-2b8d-4f43-9a57-0d6c2f1e9b10",
    api: { address: "10.12.7.222" },
    "api.address": "10.12.7.222",
    "api.fromKubeconfig": { path: "/etc/magnum/kubeconfig" },
    "api.fromKubeconfig.path": "/etc/magnum/kubeconfig",
    conductors: { juju: { model: "openstack" } },
    "conductors.juju": { model: "openstack", application: "magnum" },
    "conductors.juju.model": "openstack",
    "conductors.juju.application": "magnum",
    "conductors.juju.timeoutSeconds": 30,
    "conductors.juju.concurrency": 16,
    "conductors.juju.bin": "juju",
    "conductors.static": { addresses: ["10.12.4.154"], reason: "Magnum runs outside Juju here" },
    "conductors.static.addresses": ["10.12.4.154"],
    "conductors.static.addresses[]": "10.12.4.154",
    "conductors.static.reason": "Magnum runs outside Juju here",
    operator: { cidrs: ["10.12.4.1/32"], reason: REASON },
    "operator.cidrs": ["10.12.4.1/32"],
    "operator.cidrs[]": "10.12.4.1/32",
    "operator.reason": REASON,
    hairpin: { subnets: ["capi-mgmt-subnet"] },
    "hairpin.subnets": ["capi-mgmt-subnet"],
    "hairpin.subnets[]": "capi-mgmt-subnet",
    "hairpin.routers": ["capi-mgmt-router"],
    "hairpin.routers[]": "capi-mgmt-router",
    "hairpin.cidrs": [{ cidr: "10.20.0.0/24", reason: "the management cluster's own subnet" }],
    "hairpin.cidrs[]": { cidr: "10.20.0.0/24", reason: "the management cluster's own subnet" },
    "hairpin.cidrs[].cidr": "10.20.0.0/24",
    "hairpin.cidrs[].reason": "the management cluster's own subnet",
    protectedPorts: [6443, 22],
    retire: [{ remote: "0.0.0.0/0" }, { remote: "::/0" }],
    "retire[]": { remote: "0.0.0.0/0" },
    "retire[].remote": "0.0.0.0/0",
    minPrefixLength: 16,
    minPrefixLengthIpv6: 48,
    waivers: [],
    "waivers[]": { cidr: "10.0.0.0/8", reason: "the whole private range on purpose" },
    "waivers[].cidr": "10.0.0.0/8",
    "waivers[].reason": "the whole private range on purpose",
    acceptedExposure: [],
    "acceptedExposure[]": { rule: "5b0e7c1a-3f2d-4e8b-9c6a-1d2e3f4a5b6c", reason: REASON },
    "acceptedExposure[].group": "default",
    "acceptedExposure[].rule": "5b0e7c1a-3f2d-4e8b-9c6a-1d2e3f4a5b6c",
    "acceptedExposure[].reason": REASON,
    allowDestroy: false,
    approvedRetirement: `sha256:${"0".repeat(64)}`,
    cloud: "mycloud",
    verify: { mode: "onChange" },
    "verify.mode": "onChange",
    "verify.conductors.timeoutSeconds": 5,
    "verify.operator": { kubeconfig: "~/.kube/mgmt.yaml" },
    "verify.operator.kubeconfig": "~/.kube/mgmt.yaml",
    "verify.operator.context": "mgmt-admin",
    "verify.operator.timeoutSeconds": 10,
    "verify.tenant": { kubeconfig: "~/.kube/beta.yaml", image: "busybox:1.36" },
    "verify.tenant.kubeconfig": "~/.kube/beta.yaml",
    "verify.tenant.context": "beta-admin",
    "verify.tenant.namespace": "default",
    "verify.tenant.pod": "probe",
    "verify.tenant.image": "busybox:1.36",
    "verify.tenant.kubectl": "kubectl",
    "verify.tenant.timeoutSeconds": 5,
    "verify.custom": [],
    "verify.custom[]": { name: "resize", command: "./resize.sh" },
    "verify.custom[].name": "resize",
    "verify.custom[].command": "./resize.sh",
    "verify.custom[].expect": { exitCode: 0 },
    "verify.custom[].expect.exitCode": 0,
    "verify.custom[].expect.stdoutMatches": "^ok$",
    "verify.custom[].timeoutSeconds": 600,
};

/** `operator.cidrs[1]` from ["operator", "cidrs", 1]. */
export function formatPath(path: readonly PropertyKey[]): string {
    return path
        .map((part, i) =>
            typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`,
        )
        .join("");
}

function get(raw: unknown, path: (string | number)[]): unknown {
    let value = raw;
    for (const part of path) {
        value = value !== null && typeof value === "object" ? (value as never)[part] : undefined;
    }
    return value;
}

/** The protected ports as configured when they are valid, else the default. */
function protectedPorts(raw: unknown): number[] {
    const ports = get(raw, ["protectedPorts"]);
    const valid = (p: unknown) =>
        Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
    return Array.isArray(ports) && ports.length > 0 && ports.every(valid)
        ? (ports as number[])
        : [6443, 22];
}

/**
 * An example for an issue at `path`: the value at the path itself when one is known (ports taken
 * from the configured protectedPorts, the handshake switch from the conductors' kind), else the
 * nearest ancestor's. Undefined for the config's root (an unknown key: remove it).
 */
export function exampleFor(path: (string | number)[], raw: unknown): Example | undefined {
    for (let end = path.length; end > 0; end--) {
        const at = path.slice(0, end);
        const pattern = formatPath(at.map((p) => (typeof p === "number" ? -1 : p))).replace(
            /\[-1\]/g,
            "[]",
        );
        const contextual = contextualValue(pattern, at, raw);
        if (contextual !== undefined) {
            return { path: at, value: contextual };
        }
        if (pattern in VALID) {
            return { path: at, value: VALID[pattern] };
        }
    }
    return undefined;
}

function contextualValue(pattern: string, path: (string | number)[], raw: unknown): unknown {
    const ports = protectedPorts(raw);
    switch (pattern) {
        case "api.port":
            return ports[0];
        case "protectedPorts[]":
        case "operator.ports[]":
        case "hairpin.ports[]":
        case "retire[].ports[]": {
            // A protected port the list does not hold yet, so the fix adds no duplicate.
            const list = get(raw, path.slice(0, -1));
            const taken = Array.isArray(list) ? list : [];
            return ports.find((p) => !taken.includes(p)) ?? ports[0];
        }
        case "operator.ports":
        case "retire[].ports":
            return ports;
        case "hairpin.ports": {
            // The API's port alone (crossfield.ts, hairpinPortsMessage).
            const apiPort = get(raw, ["api", "port"]);
            return [typeof apiPort === "number" ? apiPort : ports[0]];
        }
        case "verify.conductors":
        case "verify.conductors.enabled":
            return withStaticConductors(raw)
                ? pattern.endsWith("enabled")
                    ? false
                    : { enabled: false }
                : pattern.endsWith("enabled")
                  ? true
                  : { enabled: true };
        default:
            return undefined;
    }
}

function withStaticConductors(raw: unknown): boolean {
    return get(raw, ["conductors", "static"]) !== undefined;
}

/** `key: value` in YAML's flow style, as written under the stack file's `config:`. */
export function formatExample(example: Example): string {
    const value = YAML.stringify(example.value, { collectionStyle: "flow", lineWidth: 0 }).trim();
    return `${formatPath(example.path)}: ${value}`;
}
