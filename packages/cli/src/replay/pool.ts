/**
 * Runs `work` over `items` with at most `concurrency` in flight, in order of
 * the items. Stops taking new items once `signal` aborts or some work threw;
 * the first error is rethrown after the work in flight has settled, so
 * nothing is left running behind the caller.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  async function worker() {
    while (failure === null && !signal?.aborted && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  const workers = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
