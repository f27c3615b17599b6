import { Counter, Histogram, type Registry } from '@livegrade/runtime';
import type { InsertObservation } from '@livegrade/store';

/** From a few ms (a small embedded batch) to tens of seconds (a large batch on a loaded server). */
const INSERT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The store's insert timings as Prometheus metrics, by table. */
export function registerStoreMetrics(
  registry: Registry,
  store: { onInsert(observer: (o: InsertObservation) => void): unknown },
): void {
  const m = 'livegrade_store_';
  const seconds = new Histogram({
    name: `${m}insert_seconds`,
    help: 'time a successful insert took, by table',
    labelNames: ['table'],
    buckets: INSERT_BUCKETS,
    registers: [registry],
  });
  const rows = new Counter({
    name: `${m}inserted_rows_total`,
    help: 'rows inserted, by table',
    labelNames: ['table'],
    registers: [registry],
  });
  const failures = new Counter({
    name: `${m}insert_failures_total`,
    help: 'inserts that failed (the caller retries), by table',
    labelNames: ['table'],
    registers: [registry],
  });
  store.onInsert((o) => {
    if (!o.ok) {
      failures.inc({ table: o.table });
      return;
    }
    seconds.observe({ table: o.table }, o.seconds);
    rows.inc({ table: o.table }, o.rows);
  });
}
