// Custom checks: an operator's own command, run by probes/custom-check-runner.js in its own node
// process, which judges it and prints only a verdict. The check's output never leaves that
// process; its command line and environment may carry credentials and stay out of every result.
import { ProcessRun, runProcess } from "../process/run";
import { parseCustomVerdict } from "./probe-output";
import { CheckResult, errorText, probePath } from "./result";

export interface CustomCheck {
    name: string;
    command: string;
    expect: { exitCode?: number; stdoutMatches?: string };
    timeoutSeconds: number;
    /**
     * Extra environment for the command, e.g. a token. Under `pulumi up` the values may be Pulumi
     * secrets (encrypted in state); they are never part of a result, error or log line.
     */
    env?: Record<string, string>;
}

/** The runner's file, sent to `node -` by the program and run as `node <file>` by the tools. */
export const CUSTOM_CHECK_RUNNER = "custom-check-runner.js";

/** The spec the runner reads from CAPI_CHECK_SPEC: never the check's env. */
export function customCheckSpec(check: CustomCheck): string {
    return JSON.stringify({
        name: check.name,
        command: check.command,
        expect: check.expect,
        timeoutSeconds: check.timeoutSeconds,
    });
}

/** Runs the runner in a child process and reads its verdict (the `npm run verify` path). */
export async function checkCustom(check: CustomCheck): Promise<CheckResult> {
    const run: ProcessRun = await runProcess(process.execPath, [probePath(CUSTOM_CHECK_RUNNER)], {
        timeoutMs: (check.timeoutSeconds + 10) * 1000,
        env: { ...process.env, ...check.env, CAPI_CHECK_SPEC: customCheckSpec(check) },
    });
    const base = { check: `custom:${check.name}`, target: check.name, ms: run.ms };
    try {
        const verdict = parseCustomVerdict(run.stdout);
        return {
            ...base,
            outcome: verdict.passed
                ? "pass"
                : verdict.exitCode === null
                  ? "killed"
                  : `exit-${verdict.exitCode}`,
            passed: verdict.passed,
            ms: verdict.ms,
            detail: verdict.detail,
        };
    } catch (err) {
        // The runner's stdout holds only its verdict line: nothing of the check's output.
        return {
            ...base,
            outcome: "error",
            passed: false,
            detail: `the runner of custom check ${check.name} ${run.error ?? `exited ${run.code ?? run.signal}`} without a verdict: ${errorText(err)}`,
        };
    }
}
