// What the rehearsal's output is written with: stdout, one line at a time.
export function log(line = ""): void {
    process.stdout.write(`${line}\n`);
}

export function heading(title: string): void {
    log();
    log(`== ${title}`);
}
