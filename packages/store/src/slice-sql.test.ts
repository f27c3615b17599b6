import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DecisionRow, sliceKey } from '@livegrade/core';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { decisionRow } from '../../../test/support/store.ts';
import { openStore, type Store } from './index.ts';
import { sliceCondition, sliceLiteralConditions, sqlString } from './slice-sql.ts';

// Slice keys between TypeScript and SQL: the key scoring builds in SQL is the
// key core builds, for values holding the key's own separators too, and a
// key's conditions find the decisions it counted.

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const SLICE_BY = ['language'];

/** Values a plain `dim=value` join confuses, and ordinary ones (whose keys must not change). */
const VALUES = ['hi', '', 'a,b', 'a=b', 'a,language=b=c', '\\', 'x\\', '\\,\\=', ',=\\', "o'brien", 'हिन्दी, 日本語=🙂'];
const TYPES = ['refund', 'x,decision_type=y'];

const decisions: DecisionRow[] = [];
for (const [t, type] of TYPES.entries()) {
  for (const [v, value] of VALUES.entries()) {
    // one decision per (type, value), and a second for some, so counts differ
    for (let k = 0; k <= (v % 3 === 0 ? 1 : 0); k++) {
      const i = decisions.length;
      decisions.push(
        decisionRow(`d${t}-${v}-${k}`, T0 + i * 1000, {
          trace_id: `t${i}`,
          span_id: `s${i}`,
          decision_type: type,
          // the empty value is also the missing one
          slices: value === '' && k === 1 ? {} : { language: value },
          sampled: false,
          sample_reason: '',
          sample_weight: 0,
        }),
      );
    }
  }
}
const range = { from: T0, to: T0 + decisions.length * 1000 };

/** Each decision's key as core builds it → its decisions. */
function keyed(sliceBy: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of decisions) {
    const key = sliceKey(d.decision_type, d.slices, sliceBy);
    out.set(key, [...(out.get(key) ?? []), d.decision_id]);
  }
  return out;
}

describe('sliceCondition', () => {
  it('binds each pair as a parameter, values unescaped', () => {
    assert.deepEqual(sliceCondition('decision_type=refund,language=hi'), {
      sql: "d.decision_type = {slice_v0:String} AND d.slices['language'] = {slice_v1:String}",
      params: { slice_v0: 'refund', slice_v1: 'hi' },
    });
    assert.deepEqual(sliceCondition('decision_type=a\\,b,language=\\=\\\\', 'p'), {
      sql: "d.decision_type = {p0:String} AND d.slices['language'] = {p1:String}",
      params: { p0: 'a,b', p1: '=\\' },
    });
    assert.deepEqual(sliceCondition('*'), { sql: '1', params: {} });
  });

  it('refuses a key that is not pairs, or an invalid dimension', () => {
    assert.throws(() => sliceCondition('hi'), /"hi" in slice "hi" is not a dim=value pair/);
    assert.throws(() => sliceCondition("x'y=1"), /invalid slice dimension/);
  });
});

describe('sliceLiteralConditions', () => {
  it('writes each pair with its value unescaped, as a ClickHouse literal', () => {
    assert.deepEqual(sliceLiteralConditions("decision_type=refund,language=o'b\\,r\\=\\\\"), [
      "d.decision_type = 'refund'",
      "d.slices['language'] = 'o\\'b,r=\\\\'",
    ]);
    assert.deepEqual(sliceLiteralConditions('*'), []);
    assert.equal(sqlString('a`b\nc'), "'a\\x60b\\nc'");
  });
});

describe('slice keys in SQL and in TypeScript', () => {
  const data = tempDataDir();
  let store: Store;
  before(async () => {
    store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    await store.insertDecisions(decisions);
  });
  after(async () => {
    await store?.close();
    data.cleanup();
  });

  it('scoring keys each slice as core does and counts its decisions there', async () => {
    // decision_type alone, and with language: core's keys over [] and over SLICE_BY
    const got = await store.sliceAggregates([['decision_type', 'language'], ['decision_type']], range);
    const want = new Map([...keyed([]), ...keyed(SLICE_BY)]);
    const volumes = new Map(got.map((a) => [a.slice, a.volume]));
    for (const [key, ids] of want) assert.equal(volumes.get(key), ids.length, key);
    assert.equal(volumes.get('*'), decisions.length);
    assert.equal(got.length, want.size + 1, 'no other slice');
    assert.ok(volumes.has('decision_type=x\\,decision_type\\=y,language=a\\,language\\=b\\=c'));
    assert.equal(volumes.get('decision_type=refund,language=hi'), 2, 'an ordinary key is as before');
  });

  it("finds a key's decisions by its condition, bound or literal", async () => {
    const rows = async (where: string, params: Record<string, string> = {}) => {
      const rs = await store.clients.writer.query({
        query: `SELECT d.decision_id AS id FROM decisions AS d FINAL WHERE ${where} ORDER BY id`,
        format: 'JSONEachRow',
        query_params: params,
      });
      return (await rs.json<{ id: string }>()).map((r) => r.id);
    };
    for (const [key, ids] of keyed(SLICE_BY)) {
      const cond = sliceCondition(key);
      assert.deepEqual(await rows(cond.sql, cond.params), [...ids].sort(), key);
      assert.deepEqual(await rows(sliceLiteralConditions(key).join(' AND ')), [...ids].sort(), key);
    }
  });

  it('reads a slice through the store views by its key', async () => {
    const key = sliceKey('x,decision_type=y', { language: 'a,language=b=c' }, SLICE_BY);
    const d = await store.sliceDistribution(key, range.from, range.to);
    assert.equal(d.volume, 1);
  });
});
