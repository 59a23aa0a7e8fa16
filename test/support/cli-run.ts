// Runs the command line in-process with captured output, counting the tools it loads; a valid
// stack config for the stack files such runs read.
import { Io, main } from "../../tools/cli/main";
import { silentProgress } from "../../tools/cli/output";

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
    toolsLoaded: number;
}

export function captureIo(): { io: Io; out: Omit<Run, "code"> } {
    const out = { stdout: "", stderr: "", toolsLoaded: 0 };
    const io: Io = {
        stdout: (text) => void (out.stdout += text),
        stderr: (text) => void (out.stderr += text),
        progress: silentProgress,
        color: false,
        loadTools: () => void out.toolsLoaded++,
    };
    return { io, out };
}

export async function run(...argv: string[]): Promise<Run> {
    const { io, out } = captureIo();
    return { code: await main(argv, io), ...out };
}

/** A valid stack config as a stack file holds it (namespaced keys), on clouds.yaml entry `cloud`. */
export function cliStackConfig(cloud: string): Record<string, unknown> {
    return {
        "capi-mgmt-ingress:cloud": cloud,
        "capi-mgmt-ingress:securityGroup": { name: "capi-mgmt-sg" },
        "capi-mgmt-ingress:api": { address: "10.20.0.70" },
        "capi-mgmt-ingress:conductors": {
            static: { addresses: ["10.20.0.71"], reason: "a test's unit" },
        },
        "capi-mgmt-ingress:operator": { cidrs: ["203.0.113.1/32"], reason: "a test's operator" },
        "capi-mgmt-ingress:verify": { conductors: { enabled: false } },
    };
}
