import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { countLines, type InsertObservation, insertTiming } from './insert-timing.ts';

/** Stands in for the client: inserts fail for table "broken"; ping reads the instance's own state. */
class FakeClient {
  readonly name = 'fake';
  async insert(params: { table: string }) {
    if (params.table === 'broken') throw new Error('insert refused');
    return { executed: true, query_id: 'q', response_headers: {} };
  }
  async ping() {
    return this.name;
  }
}

describe('insert timing', () => {
  it('tells every listener the table, rows, time and outcome of each insert, and passes the failure on', async () => {
    const timing = insertTiming(new FakeClient() as unknown as ClickHouseClient);
    const seen: InsertObservation[] = [];
    timing.onInsert((o) => seen.push(o));
    await timing.writer.insert({ table: 'decisions', values: [{ a: 1 }, { a: 2 }], format: 'JSONEachRow' });
    await assert.rejects(
      timing.writer.insert({ table: 'broken', values: [{ a: 1 }], format: 'JSONEachRow' }),
      /insert refused/,
    );
    await timing.time('recent_spans', 3, async () => {});
    assert.deepEqual(
      seen.map(({ table, rows, ok }) => ({ table, rows, ok })),
      [
        { table: 'decisions', rows: 2, ok: true },
        { table: 'broken', rows: 1, ok: false },
        { table: 'recent_spans', rows: 3, ok: true },
      ],
    );
    assert.ok(seen.every((o) => o.seconds >= 0));
  });

  it('does not let a failing listener fail the insert, and leaves the other methods as they were', async () => {
    const timing = insertTiming(new FakeClient() as unknown as ClickHouseClient);
    const stop = timing.onInsert(() => {
      throw new Error('listener bug');
    });
    await timing.writer.insert({ table: 'decisions', values: [], format: 'JSONEachRow' });
    stop();
    assert.equal(await (timing.writer as unknown as FakeClient).ping(), 'fake');
  });

  it('counts the rows of an encoded body, one per line', () => {
    assert.equal(countLines(''), 0);
    assert.equal(countLines('{"a":1}\n'), 1);
    assert.equal(countLines('{"a":"x\\ny"}\n{"a":2}\n'), 2);
    assert.equal(countLines('[1]\n[2]'), 2);
  });
});
