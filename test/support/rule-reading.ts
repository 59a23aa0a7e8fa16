// One rule read by the exposure model with the protected ports 22 and 6443, from a rule that
// admits 10.0.0.1/32 unless `fields` say otherwise.
import { RemoteAddresses } from "../../components/model/exposure";
import { readRule } from "../../components/model/rule-reading";
import { NeutronRule } from "../../components/model/rules";
import { neutronRule } from "./rules";

export const PORTS = [22, 6443];
export const none = (): RemoteAddresses => ({ groups: new Map(), addressGroups: new Map() });

export function read(fields: Record<string, unknown>, remotes = none()) {
    const rule = {
        ...neutronRule({
            security_group_id: "sg",
            remote_ip_prefix: "10.0.0.1/32",
            description: null,
        }),
        ...fields,
    } as unknown as NeutronRule;
    return readRule(rule, remotes, PORTS);
}

export const cidrs = (r: ReturnType<typeof read>) => r.sources.map((s) => s.range.cidr);
