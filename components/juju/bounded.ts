// Bounded concurrency for juju calls: how many juju processes run at once.

/** Runs at most `limit` of the functions given to it at once, in the order given. */
export function bounded(limit: number): <R>(fn: () => Promise<R>) => Promise<R> {
    let running = 0;
    const waiting: (() => void)[] = [];
    return async (fn) => {
        while (running >= Math.max(1, limit)) {
            await new Promise<void>((resolve) => waiting.push(resolve));
        }
        running++;
        try {
            return await fn();
        } finally {
            running--;
            waiting.shift()?.();
        }
    };
}

export async function mapBounded<T, R>(
    items: readonly T[],
    limit: number,
    fn: (item: T) => Promise<R>,
): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
    return results;
}
