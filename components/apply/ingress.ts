// Declares what the plan computed: the tight rules, then the read-back gate, then the retirement of
// the wide rules, then the checks. The engine's dependency order is the safety order.
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { AllowEntry, entryName } from "../model/allowset";
import { declareChecks, DeclareChecksArgs } from "../verify/resources";
import { ReadbackGate } from "./gate";
import { Plan } from "../plan/plan";
import { WideRuleRetirement } from "./retirement";
import { roleDescription } from "../model/rules";

export interface ManagementIngressArgs {
    plan: Plan;
    /** clouds.yaml entry for the dynamic resources ("" = OS_* variables); never a credential. */
    cloud: string;
    allowDestroy: boolean;
    checks: Omit<DeclareChecksArgs, "allowSet" | "retired">;
}

export class ManagementIngress extends pulumi.ComponentResource {
    declare readonly rules: openstack.networking.SecGroupRule[];
    declare readonly gate: ReadbackGate;
    declare readonly retirement: WideRuleRetirement;
    declare readonly checkResults: pulumi.Output<string[]>;

    constructor(name: string, args: ManagementIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("capi-mgmt-ingress:ingress:ManagementIngress", name, {}, opts);
        this.rules = args.plan.allowSet.map(
            (entry) =>
                new openstack.networking.SecGroupRule(
                    `${name}-${entryName(entry)}`,
                    ruleArgs(entry, args.plan),
                    {
                        parent: this,
                        // A replacement must never open a window: the new rule exists before the old goes.
                        deleteBeforeReplace: false,
                        import: args.plan.adoptions.get(entry)?.id,
                    },
                ),
        );
        const { plan } = args;
        this.gate = new ReadbackGate(
            `${name}-readback`,
            {
                cloud: args.cloud,
                groupId: plan.groupId,
                entries: plan.allowSet,
                ruleIds: this.rules.map((r) => r.id),
                allowDestroy: args.allowDestroy,
            },
            { parent: this, dependsOn: this.rules },
        );
        this.retirement = new WideRuleRetirement(
            `${name}-retirement`,
            {
                cloud: args.cloud,
                groupId: plan.groupId,
                entries: plan.allowSet,
                targets: plan.retireTargets.map(({ id, shape }) => ({ id, shape })),
                allowDestroy: args.allowDestroy,
                readbackRuleCount: this.gate.rules.apply((rules) => rules.length),
            },
            { parent: this, dependsOn: [this.gate] },
        );
        const checks = declareChecks(
            name,
            {
                ...args.checks,
                allowSet: plan.allowSet,
                retired: this.retirement.retired.apply((retired) => retired.map((r) => r.id)),
            },
            { parent: this, dependsOn: [this.retirement] },
        );
        this.checkResults = checks.results;
        this.registerOutputs({ checkResults: this.checkResults });
    }
}

/** Inputs in Neutron's canonical form, so that a second preview is empty. */
export function ruleArgs(entry: AllowEntry, plan: Plan): openstack.networking.SecGroupRuleArgs {
    const adopted = plan.adoptions.get(entry);
    return {
        securityGroupId: plan.groupId,
        direction: "ingress",
        ethertype: entry.ethertype,
        // An adopted rule keeps how Neutron wrote its protocol ("tcp" or "6"): no diff on import.
        protocol: adopted?.protocol ?? entry.protocol,
        portRangeMin: entry.port,
        portRangeMax: entry.port,
        remoteIpPrefix: entry.remoteIpPrefix,
        // Every field is ForceNew and Neutron's duplicate key ignores the description, so a
        // description-only change would replace a rule with itself and fail with 409: an adopted
        // rule keeps the description it has.
        description: adopted ? adopted.description || undefined : roleDescription(entry.role),
    };
}
