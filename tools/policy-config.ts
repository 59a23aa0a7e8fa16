// `npm run -s policy:config -- --stack <env>`: the policy pack's config (--policy-pack-config)
// from the stack file, so that the floors and the waivers live in one place, the stack's. The
// pack cannot read a stack's config (CrossGuard hands it only its own), hence the generated file.
// Exit codes (as the command line's): 0 printed; 2 could not run: bad usage, or a stack file that
// cannot be read or does not validate (there is no finding, so never 1).
import { Command } from "commander";
import type { StackConfig } from "../components/config/schema";
import { loadStackConfig } from "../components/config/stackfile";
import { maskSecrets } from "../components/mask";
import { stackArgument } from "./cli/commands";
import { runScript } from "./cli/usage";

/**
 * The config of each policy that takes one, keyed by policy name (policy/policies.ts). A waiver's
 * reason is the operator's free text: masked (components/mask.ts), as in every other output.
 */
export function policyConfigFor(config: StackConfig) {
    return {
        "no-any-source-on-protected-ports": { protectedPorts: config.protectedPorts },
        "no-rule-set-admits-a-whole-family": { protectedPorts: config.protectedPorts },
        "wide-prefixes-carry-a-waiver": {
            protectedPorts: config.protectedPorts,
            minPrefixLength: config.minPrefixLength,
            minPrefixLengthIpv6: config.minPrefixLengthIpv6,
            waivers: config.waivers.map((w) => ({ ...w, reason: maskSecrets(w.reason) })),
        },
    };
}

function main(): number {
    const command = new Command("policy:config")
        .description("the policy pack's config (--policy-pack-config) from the stack file, as JSON")
        .requiredOption(
            "--stack <env>",
            "stack name (stacks/Pulumi.<env>.yaml) or path to a .yaml stack file",
            stackArgument,
        )
        .addHelpText(
            "after",
            "\nExit codes: 0 printed; 2 could not run: bad usage, or a stack file that cannot be " +
                "read or does not validate.",
        );
    // A config error says "nothing was printed" (errorDocument): it only prints the pack's config.
    return runScript<{ stack: string }>(command, process.argv.slice(2), (values) => {
        const config = policyConfigFor(loadStackConfig(values.stack));
        process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
        return 0;
    });
}

if (require.main === module) {
    process.exit(main());
}
