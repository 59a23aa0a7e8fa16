// What the read-back gate and retirement tests against the local cloud share: the allow-set,
// wide rules, an observer of every source's admission, and the providers run in `node` processes.
import { AllowEntry, deriveAllowSet } from "../../components/model/allowset";
import { GateInputs, GateOutputs, readbackGateProvider } from "../../components/apply/gate";
import { createSecurityGroup, deleteSecurityGroup } from "../../tools/localcloud/admin";
import { openSession, Session } from "../../components/openstack/keystone";
import {
    createRule,
    entryRuleBody,
    listRules,
    RuleCreate,
} from "../../components/openstack/networking";
import {
    RetirementInputs,
    RetireTarget,
    wideRuleRetirementProvider,
} from "../../components/apply/retirement";
import { certainlyAdmits } from "../../components/apply/destroy-guard";
import {
    classifyRules,
    NeutronRule,
    RetireSelector,
    ruleShape,
} from "../../components/model/rules";
import { cloudOrSkip, LocalCloud } from "../../tools/localcloud/cloud";
import { ProviderProcess, serializeProvider } from "../../tools/rehearsal/provider-host";

export const PROTECTED = [22, 6443];
export const SELECTORS: RetireSelector[] = [
    { remote: "0.0.0.0/0", ports: PROTECTED },
    { remote: "::/0", ports: PROTECTED },
];

/** The allow-set of these conductors (magnum/0, /1, … in order), the operator's source on 22 and
 * 6443, and the cluster's own 10.20.0.0/24 on 6443. */
export function allowSet(conductors: string[], operator: string): AllowEntry[] {
    return deriveAllowSet({
        protectedPorts: PROTECTED,
        apiPort: 6443,
        minPrefixLength: { IPv4: 16, IPv6: 48 },
        waivers: [],
        conductors: conductors.map((source, i) => ({
            source,
            provenance: `magnum/${i} ip route get`,
        })),
        operator: { sources: [{ source: operator, provenance: "config" }], ports: [22, 6443] },
        hairpin: { sources: [{ source: "10.20.0.0/24", provenance: "subnet" }], ports: [6443] },
    });
}

/** The ruling's shape: three conductors, the operator's NAT address, the cluster's own /24. */
export const ENTRIES = allowSet(["10.30.0.11", "10.30.0.12", "10.30.0.13"], "198.51.100.7");

export function wide(
    groupId: string,
    port: number,
    ethertype: "IPv4" | "IPv6" = "IPv4",
): RuleCreate {
    return {
        security_group_id: groupId,
        direction: "ingress",
        ethertype,
        protocol: "tcp",
        port_range_min: port,
        port_range_max: port,
        remote_ip_prefix: ethertype === "IPv4" ? "0.0.0.0/0" : "::/0",
    };
}

/** True when some rule certainly lets the entry's whole source reach its port (as the guards
 * count it: a window the observer must see is one some driver would open). */
export function admitted(rules: NeutronRule[], entry: AllowEntry): boolean {
    return rules.some((r) => certainlyAdmits(r, entry));
}

export interface ObserverReport {
    observations: number;
    unobservable: number;
    /** Distinct rule sets seen: the intermediate states the change went through. */
    states: number;
    maxGapMs: number;
    violations: string[];
}

/**
 * Starts a listing of the group every 50 ms without waiting for the previous one (up to 4 in
 * flight): neutron-server here serves one request at a time, so queued listings land between
 * the change's own requests and sample each state it passes through.
 */
export function startObserver(s: Session, groupId: string, entries: AllowEntry[]) {
    const report: ObserverReport = {
        observations: 0,
        unobservable: 0,
        states: 0,
        maxGapMs: 0,
        violations: [],
    };
    const seen = new Set<string>();
    const inFlight = new Set<Promise<void>>();
    let last = Date.now();
    const observe = async () => {
        try {
            const rules = await listRules(s, groupId);
            report.observations++;
            report.maxGapMs = Math.max(report.maxGapMs, Date.now() - last);
            last = Date.now();
            seen.add(
                rules
                    .map((r) => r.id)
                    .sort()
                    .join(","),
            );
            for (const entry of entries.filter((e) => !admitted(rules, e))) {
                report.violations.push(
                    `${new Date().toISOString()}: ${entry.role} ${entry.remoteIpPrefix} not admitted ` +
                        `to ${entry.port}/tcp (${rules.length} rules listed)`,
                );
            }
        } catch {
            report.unobservable++;
        }
    };
    const timer = setInterval(() => {
        if (inFlight.size < 4) {
            const listing = observe().finally(() => inFlight.delete(listing));
            inFlight.add(listing);
        }
    }, 50);
    return async (): Promise<ObserverReport> => {
        clearInterval(timer);
        await Promise.all(inFlight);
        report.states = seen.size;
        return report;
    };
}

/** What the preview measures: the group's retire targets. */
export async function previewTargets(s: Session, groupId: string): Promise<RetireTarget[]> {
    return classifyRules(await listRules(s, groupId), ENTRIES, SELECTORS, PROTECTED)
        .filter((c) => c.class === "retire")
        .map((c) => ({ id: c.rule.id, shape: ruleShape(c.rule) }));
}

export async function ids(s: Session, groupId: string): Promise<string[]> {
    return (await listRules(s, groupId)).map((r) => r.id).sort();
}

/**
 * The local cloud, a Networking session and the two providers serialized as the SDK does, for a
 * describe block: call it inside one; it registers the hooks that start them and, after each
 * test, stop its provider processes and delete its groups. `suffix` names this file's
 * serialized providers (gate-<suffix>.js, retirement-<suffix>.js).
 */
export function useGateBench(suffix?: string) {
    let cloud: LocalCloud;
    let s: Session;
    let gateFile: string;
    let retirementFile: string;
    const processes: ProviderProcess[] = [];
    const groups: string[] = [];

    before(async function () {
        cloud = await cloudOrSkip(this);
        s = await openSession({ env: cloud.env });
        const named = (name: string) => (suffix ? `${name}-${suffix}` : name);
        gateFile = await serializeProvider(named("gate"), readbackGateProvider);
        retirementFile = await serializeProvider(named("retirement"), wideRuleRetirementProvider);
    });

    afterEach(async () => {
        for (const p of processes.splice(0)) {
            await p.stop();
        }
        for (const id of groups.splice(0)) {
            await deleteSecurityGroup(s, id);
        }
    });

    /** A new empty group, deleted after the test. */
    async function group(name: string): Promise<string> {
        const created = await createSecurityGroup(s, { name: `itest-${name}-${Date.now()}` });
        groups.push(created.id);
        return created.id;
    }

    /** A group in the "before" state: 22 and 6443 open to 0.0.0.0/0 and ::/0. */
    async function wideGroup(label: string): Promise<string> {
        const groupId = await group(`gate-${label}`);
        for (const port of PROTECTED) {
            await createRule(s, wide(groupId, port, "IPv4"));
            await createRule(s, wide(groupId, port, "IPv6"));
        }
        return groupId;
    }

    /** Creates the tight rules as the openstack provider would: one POST per entry. */
    async function createTight(groupId: string, entries = ENTRIES): Promise<string[]> {
        const created: string[] = [];
        for (const entry of entries) {
            created.push((await createRule(s, entryRuleBody(entry, groupId))).id);
        }
        return created;
    }

    async function provider(file: string): Promise<ProviderProcess> {
        const p = await ProviderProcess.start(file, { PATH: process.env.PATH, ...cloud.env });
        processes.push(p);
        return p;
    }

    function gateInputs(groupId: string, ruleIds: string[]): GateInputs {
        return { cloud: cloud.cloudName, groupId, entries: ENTRIES, ruleIds };
    }

    function retirementInputs(
        groupId: string,
        targets: RetireTarget[],
        gate: GateOutputs,
    ): RetirementInputs {
        return {
            cloud: cloud.cloudName,
            groupId,
            entries: ENTRIES,
            targets,
            allowDestroy: false,
            readbackRuleCount: gate.rules.length,
        };
    }

    return {
        state: () => ({ cloud, s, gateFile, retirementFile }),
        group,
        wideGroup,
        createTight,
        provider,
        gateInputs,
        retirementInputs,
    };
}
