import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DecisionRow, VerdictRow } from '@livegrade/core';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../../../../test/support/env.ts';
import { decisionRow } from '../../../../test/support/store.ts';
import { failuresSql, sqlString } from './failures-sql.ts';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const END = T0 + 15 * 60_000;
// a value that would end a naively quoted literal, either way
const TRICKY = "o'brien\\";
const SLICE = `decision_type=refund,language=${TRICKY}`;

let seq = 0;
function decision(id: string, over: Partial<DecisionRow> = {}): DecisionRow {
  seq++;
  return decisionRow(id, T0 + seq * 1000, { slices: { language: TRICKY }, ...over });
}

function verdict(decisionId: string, n: number, over: Partial<VerdictRow>): VerdictRow {
  return {
    ts: T0 + 10 * 60_000 + n * 1000,
    verdict_id: `v-${decisionId}-${n}`,
    decision_id: decisionId,
    trace_id: `t-${decisionId}`,
    kind: 'review',
    value: '',
    reviewer_id: `r${n}`,
    seniority: 'junior',
    label: '',
    rationale: '',
    ...over,
  };
}

const decisions = [
  decision('error', { is_error: true }),
  decision('fallback', { fallback: true }),
  decision('retried', { retried: true }),
  // a guardrail counts as a failure here as in the dashboard's list and the bank
  decision('guardrail', { guardrail: true }),
  decision('thumbs-down'),
  // the senior review is the reference even though a junior one came later
  decision('overridden-by-senior'),
  decision('confirmed-by-senior'),
  decision('thumbs-up'),
  decision('clean'),
  decision('error-at-end', { is_error: true, ts: END }),
  decision('error-before', { is_error: true, ts: T0 - 1 }),
  decision('error-other-type', { is_error: true, decision_type: 'cancel' }),
  decision('error-prefix-value', { is_error: true, slices: { language: 'o' } }),
  decision('error-unescaped-value', { is_error: true, slices: { language: "o'brien" } }),
  decision('error-no-language', { is_error: true, slices: {} }),
];
const verdicts = [
  verdict('thumbs-down', 0, { kind: 'feedback', value: 'thumbs_down' }),
  verdict('thumbs-up', 0, { kind: 'feedback', value: 'thumbs_up' }),
  verdict('overridden-by-senior', 0, { seniority: 'senior', label: 'deny' }),
  verdict('overridden-by-senior', 1, { seniority: 'junior', label: 'approve' }),
  verdict('confirmed-by-senior', 0, { seniority: 'senior', label: 'approve' }),
  verdict('confirmed-by-senior', 1, { seniority: 'junior', label: 'deny' }),
];

describe('failuresSql', () => {
  it('quotes values so no quote or backslash ends the literal', () => {
    assert.equal(sqlString(TRICKY), "'o\\'brien\\\\'");
    assert.equal(sqlString("x' OR 1=1 --"), "'x\\' OR 1=1 --'");
    // a backtick would close the Slack code block the SQL is shown in; a newline would break the line
    assert.equal(sqlString('a`b\nc'), "'a\\x60b\\nc'");
    const sql = failuresSql("language=x' OR '1'='1", T0, END);
    assert.match(sql, /d\.slices\['language'\] = 'x\\' OR \\'1\\'=\\'1'/);
  });

  describe('on the embedded engine, through the read-only user path', () => {
    const data = tempDataDir();
    let store: Store;
    const run = async (sql: string) =>
      (JSON.parse(await store.readOnlyQuery(sql)) as { data: Array<{ decision_id: string }> }).data.map(
        (r) => r.decision_id,
      );

    before(async () => {
      store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
      await store.insertDecisions(decisions);
      await store.insertVerdicts(verdicts);
    });
    after(async () => {
      await store?.close();
      data.cleanup();
    });

    it('lists exactly the failing decisions of the slice in the window, newest first', async () => {
      assert.deepEqual(await run(failuresSql(SLICE, T0, END)), [
        'overridden-by-senior',
        'thumbs-down',
        'guardrail',
        'retried',
        'fallback',
        'error',
      ]);
    });

    it('finds nothing through an injection attempt', async () => {
      assert.deepEqual(await run(failuresSql("decision_type=refund' OR '1'='1", T0, END)), []);
    });

    it('covers the whole traffic and decisions without the dimension, as scoring keys them', async () => {
      const all = await run(failuresSql('*', T0, END));
      assert.equal(all.length, 10);
      assert.ok(!all.includes('error-at-end') && !all.includes('error-before'));
      assert.deepEqual(await run(failuresSql('decision_type=refund,language=', T0, END)), ['error-no-language']);
      assert.deepEqual(await run(failuresSql('decision_type=cancel,model_version=v1', T0, END)), ['error-other-type']);
    });
  });
});
