// What the rehearsal's output is written with: stdout one line at a time, or where the command
// line sends it (stderr under --json), and the progress of its slow steps.
import { Progress, silentProgress } from "../cli/output";

export const io: { write: (text: string) => void; progress: Progress } = {
    write: (text) => void process.stdout.write(text),
    progress: silentProgress,
};

export function log(line = ""): void {
    io.write(`${line}\n`);
}

export function heading(title: string): void {
    log();
    log(`== ${title}`);
}
