// Where the rehearsal's narrative goes (stdout, or stderr under --json) and how slow steps report
// progress; the command line sets both before the rehearsal starts.
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
