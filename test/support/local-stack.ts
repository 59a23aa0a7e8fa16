// A stack file for the tools run against the local cloud: a static conductor, an operator,
// custom checks and optionally the tenant check (the conductor handshake needs Juju, which the
// local cloud has not).
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";

export interface LocalStack {
    cloud: string | undefined;
    groupId: string;
    api: string;
    conductor: string;
    operator: string;
    /** Said in the reasons, e.g. "the verify test's". */
    whose: string;
    custom: object[];
    /** verify.tenant, e.g. with the fake kubectl. */
    tenant?: object;
}

/** Writes `<dir>/Pulumi.<name>.yaml` and returns its path. */
export function writeLocalStack(dir: string, name: string, stack: LocalStack): string {
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(
        file,
        stringify({
            config: {
                "capi-mgmt-ingress:cloud": stack.cloud,
                "capi-mgmt-ingress:securityGroup": { id: stack.groupId },
                "capi-mgmt-ingress:api": { address: stack.api },
                "capi-mgmt-ingress:conductors": {
                    static: { addresses: [stack.conductor], reason: `${stack.whose} unit` },
                },
                "capi-mgmt-ingress:operator": {
                    cidrs: [stack.operator],
                    reason: `${stack.whose} operator`,
                },
                "capi-mgmt-ingress:verify": {
                    conductors: { enabled: false },
                    custom: stack.custom,
                    ...(stack.tenant ? { tenant: stack.tenant } : {}),
                },
            },
        }),
    );
    return file;
}
