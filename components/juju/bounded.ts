// Bounded concurrency for juju calls: how many juju processes run at once.

/**
 * At most `limit` holders at once, served in the order they asked. `acquire` resolves to a
 * release function; releasing twice releases once.
 */
export function slots(limit: number): { acquire(): Promise<() => void> } {
    let held = 0;
    const waiting: (() => void)[] = [];
    return {
        async acquire() {
            if (held < Math.max(1, limit)) {
                held++;
            } else {
                // A releasing holder hands its slot straight to the first waiter.
                await new Promise<void>((resolve) => waiting.push(resolve));
            }
            let released = false;
            return () => {
                if (released) {
                    return;
                }
                released = true;
                const next = waiting.shift();
                if (next) {
                    next();
                } else {
                    held--;
                }
            };
        },
    };
}
