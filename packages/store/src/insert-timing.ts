import type { ClickHouseClient } from '@clickhouse/client';

/** One insert into one table, as the metrics see it. */
export interface InsertObservation {
  table: string;
  /** rows sent; 0 when the values were a stream */
  rows: number;
  seconds: number;
  ok: boolean;
}

export type InsertObserver = (o: InsertObservation) => void;

/**
 * Times the inserts made through a writer, for whoever listens (the CLI turns
 * them into Prometheus metrics), so the store needs no metrics library.
 * Every `writer.insert` is timed through the returned client; inserts that go
 * through `exec` with an encoded body are timed with `time`.
 */
export function insertTiming(writer: ClickHouseClient) {
  const observers = new Set<InsertObserver>();
  const notify = (o: InsertObservation) => {
    for (const observe of observers) {
      try {
        observe(o);
      } catch {
        // a broken listener must not fail the insert it was told about
      }
    }
  };

  async function time<T>(table: string, rows: number, run: () => Promise<T>): Promise<T> {
    if (observers.size === 0) return run();
    const started = performance.now();
    try {
      const result = await run();
      notify({ table, rows, seconds: (performance.now() - started) / 1000, ok: true });
      return result;
    } catch (err) {
      notify({ table, rows, seconds: (performance.now() - started) / 1000, ok: false });
      throw err;
    }
  }

  const insert: ClickHouseClient['insert'] = (params) =>
    time(params.table, Array.isArray(params.values) ? params.values.length : 0, () => writer.insert(params));

  // the client's own methods run on the client itself, only `insert` is timed
  const timed = new Proxy(writer, {
    get(target, prop) {
      if (prop === 'insert') return insert;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

  return {
    writer: timed,
    time,
    /** Calls `observer` after every insert; returns what stops it. */
    onInsert(observer: InsertObserver): () => void {
      observers.add(observer);
      return () => observers.delete(observer);
    },
  };
}

/** Rows in a body of one encoded row per line (JSONEachRow and the like escape newlines inside values). */
export function countLines(body: string): number {
  let n = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) n++;
  return body.length > 0 && !body.endsWith('\n') ? n + 1 : n;
}
