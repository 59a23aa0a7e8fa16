// A run must end with mocha's summary. If Node's event loop drains first (a hook or test waiting
// on a promise nothing will settle), Node exits 0 in the middle of the run, and a CI that reads
// the exit code would count the tests that never ran as passed. Loaded by .mocharc.json.
import * as fs from "node:fs";

let ended = false;

export const mochaHooks = {
    afterAll(): void {
        ended = true;
    },
};

process.on("beforeExit", () => {
    if (!ended && process.exitCode !== 1) {
        // Synchronous: an asynchronous write would refill the loop and emit beforeExit again.
        fs.writeSync(
            2,
            "the test run stopped before its end: the event loop drained while a hook or test " +
                "was still waiting (the last one named above); exit code 1\n",
        );
        process.exitCode = 1;
    }
});
