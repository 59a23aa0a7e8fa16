// The names `rehearse --scenario` takes (./scenarios.ts seeds each). A module of its own that
// imports nothing, so that the command line refuses an unknown name while it reads its options,
// before anything loads (tools/cli/commands.ts).
export const SCENARIOS = ["second-group", "protocol-zero", "port-range", "accepted"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** The scenario named on the command line; throws listing the known ones. */
export function parseScenario(name: string): ScenarioName {
    const known = SCENARIOS.find((s) => s === name);
    if (!known) {
        throw new Error(`unknown scenario "${name}"; expected one of ${SCENARIOS.join(", ")}`);
    }
    return known;
}
