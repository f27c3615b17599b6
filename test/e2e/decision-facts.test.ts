/**
 * Issue 17: what failed and what the human label is are defined once, by
 * the view decision_facts (schemas/clickhouse/0013_decision_facts.sql).
 * Every consumer — scoring, the dashboard's failure list, the bank, eval
 * sets and the SQL of a Slack alert — must name the same decisions and the
 * same labels on one store, including a guardrail-only failure, a junior
 * review after a senior one (the senior wins), two reviews at the same time
 * (the greater cityHash64(verdict_id) counts as the later) and a review
 * stamped too long before its decision (outside the verdict slack).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { failuresSql } from '@livegrade/alerter';
import { type DecisionRow, PAIR_SEPARATOR, parseReviewSignature, type Review, type VerdictRow } from '@livegrade/core';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../support/env.ts';
import { decisionRow } from '../support/store.ts';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const FROM = T0;
const TO = T0 + 15 * 60_000;
const REVIEWS_AT = T0 + 10 * 60_000;

interface Case {
  id: string;
  decision?: Partial<DecisionRow>;
  /** [seniority, label, ms after REVIEWS_AT, verdict id suffix] */
  reviews?: Array<['senior' | 'junior', string, number, string?]>;
  thumbs_down?: boolean;
}

// the model says approve to every one of them
const CASES: Case[] = [
  { id: 'error', decision: { is_error: true } },
  { id: 'fallback', decision: { fallback: true } },
  { id: 'retried', decision: { retried: true } },
  { id: 'guardrail-only', decision: { guardrail: true }, reviews: [['junior', 'approve', 0]] },
  { id: 'thumbs-down', thumbs_down: true, reviews: [['junior', 'approve', 0]] },
  {
    id: 'senior-then-junior',
    reviews: [
      ['senior', 'deny', 0],
      ['junior', 'approve', 5_000],
    ],
  },
  {
    id: 'junior-then-senior-agrees',
    reviews: [
      ['junior', 'deny', 0],
      ['senior', 'approve', 5_000],
    ],
  },
  {
    id: 'tie',
    reviews: [
      ['junior', 'deny', 0, 'a'],
      ['junior', 'approve', 0, 'b'],
    ],
  },
  { id: 'junior-only-override', reviews: [['junior', 'escalate', 0]] },
  { id: 'reviewed-clean', reviews: [['junior', 'approve', 0]] },
  { id: 'clean' },
  // stamped 20 minutes before the window: beyond the 5-minute slack, so nobody reads it
  { id: 'skewed-review', reviews: [['senior', 'deny', -30 * 60_000]] },
];

const decisions: DecisionRow[] = CASES.map((c, i) =>
  decisionRow(c.id, T0 + (i + 1) * 1000, {
    // one slice per decision, so scoring's per-slice figures are per decision
    slices: { case: c.id },
    // not one of the dashboard's failure reasons: only the facts make a failure
    sample_reason: 'stratified',
    ...c.decision,
  }),
);

const verdicts: VerdictRow[] = CASES.flatMap((c) => [
  ...(c.reviews ?? []).map(
    ([seniority, label, at, suffix], k): VerdictRow => ({
      ts: REVIEWS_AT + at,
      verdict_id: `v-${c.id}-${suffix ?? k}`,
      decision_id: c.id,
      trace_id: `t-${c.id}`,
      kind: 'review',
      value: '',
      reviewer_id: `r${k}`,
      seniority,
      label,
      rationale: '',
    }),
  ),
  ...(c.thumbs_down
    ? [
        {
          ts: REVIEWS_AT,
          verdict_id: `f-${c.id}`,
          decision_id: c.id,
          trace_id: `t-${c.id}`,
          kind: 'feedback',
          value: 'thumbs_down',
          reviewer_id: 'user',
          seniority: '',
          label: '',
          rationale: '',
        } satisfies VerdictRow,
      ]
    : []),
]);

const data = tempDataDir();
let store: Store;
/** What every consumer must agree on, per decision. */
let expected: Map<string, { reference: string; flagged: boolean; failed: boolean; thumbs_down: boolean }>;

before(async () => {
  store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  await store.insertDecisions(decisions);
  await store.insertVerdicts(verdicts);
  // the kept decision spans, with the input eval sets and the bank need
  await store.clients.writer.insert({
    table: 'sampled_spans',
    values: decisions.map((d) => ({
      ts: d.ts * 1000,
      trace_id: d.trace_id,
      span_id: d.span_id,
      decision_id: d.decision_id,
      decision_type: d.decision_type,
      attributes: { 'livegrade.input': `input of ${d.decision_id}` },
      sample_reason: d.sample_reason,
      sample_weight: 1,
    })),
    format: 'JSONEachRow',
  });
  // the tie goes to the greater hash of the verdict id: ask the engine which that is
  const [tie] = await store.select<{ a_later: number | boolean }>(
    "SELECT cityHash64('v-tie-a') > cityHash64('v-tie-b') AS a_later",
  );
  const tieLabel = Number(tie!.a_later) ? 'deny' : 'approve';
  const reference: Record<string, string> = {
    'guardrail-only': 'approve',
    'thumbs-down': 'approve',
    'senior-then-junior': 'deny',
    'junior-then-senior-agrees': 'approve',
    tie: tieLabel,
    'junior-only-override': 'escalate',
    'reviewed-clean': 'approve',
  };
  expected = new Map(
    decisions.map((d) => {
      const ref = reference[d.decision_id] ?? '';
      const failed = d.is_error || d.fallback || d.retried || d.guardrail;
      const thumbs = d.decision_id === 'thumbs-down';
      return [
        d.decision_id,
        { reference: ref, failed, thumbs_down: thumbs, flagged: failed || thumbs || (ref !== '' && ref !== d.label) },
      ];
    }),
  );
});

after(async () => {
  await store?.close();
  data.cleanup();
});

const ids = (f: (e: { reference: string; flagged: boolean }) => boolean) =>
  [...expected].filter(([, e]) => f(e)).map(([id]) => id);
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('one definition of the decision facts, every consumer', () => {
  it('the view itself: flags, reference labels and overrides as defined', async () => {
    const rows = await store.select<{
      decision_id: string;
      reference_label: string;
      flagged: boolean | number;
      reviews: Review[];
      review_signature: string;
    }>(
      `SELECT decision_id, reference_label, flagged, reviews, review_signature
       FROM decision_facts(from = fromUnixTimestamp64Milli({from:Int64}), to = fromUnixTimestamp64Milli({to:Int64}))`,
      { from: FROM, to: TO },
    );
    assert.equal(rows.length, decisions.length);
    for (const r of rows) {
      const e = expected.get(r.decision_id)!;
      assert.equal(r.reference_label, e.reference, r.decision_id);
      assert.equal(Boolean(r.flagged), e.flagged, r.decision_id);
      // scoring decodes the compact form with core's separator: both forms must say the same
      assert.deepEqual(parseReviewSignature(r.review_signature), r.reviews, r.decision_id);
    }
    // the cases must exercise both outcomes of the tie and the senior rule
    assert.equal(expected.get('senior-then-junior')!.reference, 'deny');
    assert.ok(expected.get('guardrail-only')!.flagged);
  });

  it('the alert SQL lists the flagged decisions with the reference label', async () => {
    const out = JSON.parse(await store.readOnlyQuery(failuresSql('decision_type=refund', FROM, TO))) as {
      data: Array<{ decision_id: string; reviewed_label: string; guardrail: boolean }>;
    };
    assert.deepEqual(sorted(out.data.map((r) => r.decision_id)), sorted(ids((e) => e.flagged)));
    for (const r of out.data) assert.equal(r.reviewed_label, expected.get(r.decision_id)!.reference, r.decision_id);
    assert.ok(out.data.some((r) => r.decision_id === 'guardrail-only'));
  });

  it("the dashboard's failure list shows the same decisions", async () => {
    const found = await store.failures('decision_type=refund', { from: FROM, to: TO, limit: 100 });
    assert.deepEqual(sorted(found.map((f) => f.decision_id)), sorted(ids((e) => e.flagged)));
  });

  it('the bank reads the same human labels, and captures the flagged labelled ones', async () => {
    const all = await store.bankCandidatesOf(decisions.map((d) => d.decision_id));
    assert.equal(all.length, decisions.length);
    for (const c of all) {
      const e = expected.get(c.decision_id)!;
      assert.equal(c.human_label, e.reference, c.decision_id);
      assert.equal(c.failed, e.failed || e.thumbs_down, c.decision_id);
    }
    const captured = await store.captureCandidates(0);
    assert.deepEqual(sorted(captured.map((c) => c.decision_id)), sorted(ids((e) => e.reference !== '' && e.flagged)));
  });

  it('eval sets take the same human labels, hard exactly when flagged', async () => {
    const found = await store.evalsetCandidates({ from: FROM, to: TO, sliceBy: [] });
    assert.deepEqual(sorted(found.rows.map((r) => r.decision_id)), sorted(ids((e) => e.reference !== '')));
    for (const r of found.rows) {
      const e = expected.get(r.decision_id)!;
      assert.equal(r.human_label, e.reference, r.decision_id);
      assert.equal(r.hard_reasons.length > 0, e.flagged, r.decision_id);
    }
  });

  it('scoring counts the same overrides, failures and senior labels, decision by decision', async () => {
    const aggregates = await store.sliceAggregates([['case']], { from: FROM, to: TO });
    const bySlice = new Map(aggregates.map((a) => [a.slice, a]));
    for (const [id, e] of expected) {
      const a = bySlice.get(`case=${id}`);
      assert.ok(a, `a slice for ${id}`);
      const d = decisions.find((x) => x.decision_id === id)!;
      assert.equal(a.reviewed, e.reference === '' ? 0 : 1, `${id} reviewed`);
      assert.equal(a.overridden, e.reference !== '' && e.reference !== d.label ? 1 : 0, `${id} overridden`);
      assert.equal(a.thumbs_down, e.thumbs_down ? 1 : 0, `${id} thumbs_down`);
      assert.equal(a.errors + a.fallbacks + a.retries > 0, d.is_error || d.fallback || d.retried, `${id} failures`);
      const senior = Object.keys(a.senior_pairs).map((k) => k.split(PAIR_SEPARATOR)[1]);
      if (id === 'senior-then-junior') assert.deepEqual(senior, ['deny']);
    }
  });
});
