/**
 * Group commit: writes that arrive while one is in flight wait, and go together as the next write. Under load,
 * N concurrent deliveries then cost one statement and one commit (one fsync) instead of N each; with no load a
 * delivery is written at once, with no timer and so no added latency. The batch grows with the load by itself.
 *
 * A failed batch of several items is written again item by item, so one item the database refuses (a payload it
 * cannot store) fails its own caller only, not the others that happened to share its batch.
 */
export type GroupCommitOptions<T> = {
  /** Largest batch, counted in the items' weights (events: a HubSpot delivery weighs up to 100); default 500. */
  maxWeight?: number;
  /** An item's weight; default 1. */
  weight?: (item: T) => number;
};

export type GroupCommit<T, R> = {
  /** Resolves with this item's result once the batch holding it is committed; rejects if its write failed. */
  submit(item: T): Promise<R>;
  /** Resolves when nothing is queued or in flight (a clean stop). */
  drain(): Promise<void>;
};

type Waiting<T, R> = { item: T; resolve: (result: R) => void; reject: (error: unknown) => void };

/** `write` takes a batch and returns one result per item, in order. */
export function createGroupCommit<T, R>(write: (items: T[]) => Promise<R[]>, options: GroupCommitOptions<T> = {}): GroupCommit<T, R> {
  const maxWeight = options.maxWeight ?? 500;
  const weight = options.weight ?? (() => 1);
  const queue: Waiting<T, R>[] = [];
  let flushing: Promise<void> | undefined;

  const take = (): Waiting<T, R>[] => {
    let total = 0;
    let count = 0;
    // Always at least one, however heavy, so an item above the limit is still written (alone).
    while (count < queue.length && (count === 0 || total + weight(queue[count]!.item) <= maxWeight)) total += weight(queue[count++]!.item);
    return queue.splice(0, count);
  };

  const settle = async (batch: Waiting<T, R>[]) => {
    try {
      const results = await write(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, index) => waiting.resolve(results[index]!));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const waiting of batch) await settle([waiting]);
    }
  };

  const flush = async () => {
    while (queue.length > 0) await settle(take());
    flushing = undefined;
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        flushing ??= flush();
      });
    },
    async drain() {
      while (flushing) await flushing;
    },
  };
}
