// The CrossGuard pack: `pulumi preview --policy-pack policy` (see README.md).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("capi-mgmt-ingress", {
    description:
        "The management cluster's API and SSH stay tight: no any-address source, conductor host routes, waived wide prefixes.",
    policies,
});
