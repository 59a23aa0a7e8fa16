// Runs the command line in-process with captured output, counting the tools it loads.
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
