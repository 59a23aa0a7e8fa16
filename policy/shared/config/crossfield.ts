// Copied from components/config/crossfield.ts by `npm run policy:shared`: edit the original.
// The stack config's checks across keys: every port list within protectedPorts, hairpin sources on
// the API's port only, the managed group accepted by rule id only, no conductor handshake without
// Juju. They run on the whole config, even partly invalid, so each reads a field's shape first.
import { z } from "zod";
import { DEFAULT_API_PORT, objectOrEmpty, validPorts } from "./fields";

/** The checks across keys, as a zod `superRefine` on the stack config object. */
export function checkAcrossKeys(c: Record<string, unknown>, ctx: z.RefinementCtx): void {
    const protectedPorts = validPorts(c.protectedPorts) ?? [];
    const outside = (ports: unknown, path: (string | number)[]) => {
        if (protectedPorts.length === 0) {
            return;
        }
        (validPorts(ports) ?? []).forEach((p, i) => {
            if (!protectedPorts.includes(p)) {
                ctx.addIssue({
                    code: "custom",
                    path: [...path, i],
                    message: `port ${p} is not one of protectedPorts (${protectedPorts.join(", ")})`,
                });
            }
        });
    };
    const api = objectOrEmpty(c.api);
    // Like `outside`: a refused protectedPorts is reported once, by its own key.
    if (
        protectedPorts.length > 0 &&
        validPorts([api.port]) &&
        !protectedPorts.includes(api.port as number)
    ) {
        ctx.addIssue({
            code: "custom",
            path: ["api", "port"],
            message: `port ${api.port} is not one of protectedPorts (${protectedPorts.join(", ")})`,
        });
    }
    outside(objectOrEmpty(c.operator).ports, ["operator", "ports"]);
    outside(objectOrEmpty(c.hairpin).ports, ["hairpin", "ports"]);
    // With fromKubeconfig the API's port is known at preview time (plan.ts checks it then).
    const apiPort =
        api.fromKubeconfig === undefined
            ? validPorts([api.port ?? DEFAULT_API_PORT])?.[0]
            : undefined;
    const hairpinPorts = validPorts(objectOrEmpty(c.hairpin).ports) ?? [];
    const notApi = hairpinPorts.filter((p) => p !== apiPort);
    // An API port outside protectedPorts is reported by api.port alone.
    const apiProtected = protectedPorts.length === 0 || protectedPorts.includes(apiPort!);
    if (apiPort !== undefined && apiProtected && notApi.length > 0) {
        ctx.addIssue({
            code: "custom",
            path: ["hairpin", "ports"],
            message: hairpinPortsMessage(notApi, apiPort),
        });
    }
    if (Array.isArray(c.retire)) {
        c.retire.forEach((s, i) => outside(objectOrEmpty(s).ports, ["retire", i, "ports"]));
    }
    // The managed group's rules are what this program manages: accept one by rule id.
    const managed = objectOrEmpty(c.securityGroup);
    if (Array.isArray(c.acceptedExposure)) {
        c.acceptedExposure.forEach((a, i) => {
            const entry = objectOrEmpty(a);
            const group = entry.group;
            if (
                entry.rule === undefined &&
                typeof group === "string" &&
                (group === managed.name || group === managed.id)
            ) {
                ctx.addIssue({
                    code: "custom",
                    path: ["acceptedExposure", i, "group"],
                    message:
                        `names the managed group ${group} as a whole; its rules are what ` +
                        "this program manages, so accept a rule in it by id (rule: <rule id>)",
                });
            }
        });
    }
    const verify = objectOrEmpty(c.verify);
    if (
        verify.mode !== "never" &&
        objectOrEmpty(c.conductors).static !== undefined &&
        objectOrEmpty(c.conductors).juju === undefined &&
        objectOrEmpty(verify.conductors).enabled !== false
    ) {
        ctx.addIssue({
            code: "custom",
            path: ["verify", "conductors", "enabled"],
            message:
                "the conductor handshake runs through Juju; set it false with static conductors",
        });
    }
}

/**
 * Hairpin sources reach the API's port only: SSH (22) admits the operator's source and nothing
 * else (the ruling, D-063: hairpin /24 on 6443, 22 from the operator alone; docs/runbook.md "Why
 * SSH stays operator-only").
 */
export function hairpinPortsMessage(notApi: number[], apiPort: number): string {
    return (
        `${notApi.length > 1 ? "ports" : "port"} ${notApi.join(", ")} ` +
        `${notApi.length > 1 ? "are" : "is"} not the API's port ${apiPort}: ` +
        "hairpin sources reach the API only, and SSH admits the operator alone (the ruling, " +
        'D-063; docs/runbook.md "Why SSH stays operator-only")'
    );
}
