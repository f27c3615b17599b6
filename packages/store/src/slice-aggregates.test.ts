import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type DecisionRow,
  fleissTerms,
  PAIR_SEPARATOR,
  type SliceAggregate,
  scoreBin,
  type VerdictRow,
} from '@livegrade/core';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { LATENCY_ACCURACY, normalise, openStore, type Store } from './index.ts';

// The one-pass aggregate query against the same figures counted naively in
// JS over the same rows: slice keys, rates, the reference review (latest
// senior, else latest), rater pairs, Fleiss' terms, score bins at their edges.

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const data = tempDataDir();
let store: Store;

const LABELS = ['approve', 'deny', 'escalate'];
const decisions: DecisionRow[] = [];
const verdicts: VerdictRow[] = [];
for (let i = 0; i < 240; i++) {
  const type = ['refund', 'cancel'][i % 2]!;
  const slices: Record<string, string> = i % 5 === 4 ? {} : { language: ['en', 'hi'][i % 3 === 0 ? 0 : 1]! };
  decisions.push({
    ts: T0 + i * 1000,
    service: 'bot',
    trace_id: `t${i}`,
    span_id: `s${i}`,
    decision_id: `d${i}`,
    decision_type: type,
    label: LABELS[i % 3]!,
    // edges (0.29, 0.57, 0.58 are one ulp short of their bin when multiplied by 100), 1.0, and no score
    score: i % 11 === 0 ? null : [0.29, 0.57, 0.58, 1, 0, 0.999, 0.5][i % 7]!,
    model: 'llm',
    model_version: i % 4 === 0 ? 'v2' : 'v1',
    slices,
    is_error: i % 13 === 0,
    fallback: i % 17 === 0,
    retried: i % 19 === 0,
    guardrail: false,
    latency_ms: 100 + i,
    input_tokens: 1,
    output_tokens: 1,
    sampled: false,
    sample_reason: '',
    sample_weight: 0,
  });
  const review = (k: number, seniority: 'senior' | 'junior', label: string, at: number) =>
    verdicts.push({
      ts: T0 + i * 1000 + at,
      verdict_id: `v${i}-${k}`,
      decision_id: `d${i}`,
      trace_id: `t${i}`,
      kind: 'review',
      value: '',
      reviewer_id: `r${k}`,
      seniority,
      label,
      rationale: '',
    });
  // reviews: none, one junior, a junior then an older senior, or 2 to 4 mixed
  const shape = i % 6;
  if (shape === 1) review(0, 'junior', LABELS[(i + 1) % 3]!, 5000);
  if (shape === 2) {
    review(0, 'senior', LABELS[i % 3]!, 3000);
    review(1, 'junior', LABELS[(i + 2) % 3]!, 9000);
  }
  if (shape >= 3) {
    for (let k = 0; k < shape - 1; k++)
      review(k, k === 1 ? 'senior' : 'junior', LABELS[(i * k + k) % 3]!, 1000 * (k + 1));
  }
  if (i % 7 === 3) {
    verdicts.push({
      ...verdicts[0]!,
      verdict_id: `f${i}`,
      decision_id: `d${i}`,
      kind: 'feedback',
      value: 'thumbs_down',
      ts: T0 + i * 1000 + 50,
      reviewer_id: '',
      seniority: '',
      label: '',
    });
  }
}
// a verdict on a decision outside the range, and a decision outside it, must not count
decisions.push({ ...decisions[0]!, ts: T0 - 60_000, decision_id: 'early', trace_id: 'early' });

/** The same aggregates, counted one decision at a time. */
/** The latencies of a slice's decisions, sorted (the fixture's values hold no escaped characters). */
function latenciesOf(slice: string, inRange: DecisionRow[]): number[] {
  const pairs = slice === '*' ? [] : slice.split(',').map((p) => p.split('=') as [string, string]);
  const value = (d: DecisionRow, dim: string) =>
    dim === 'decision_type' ? d.decision_type : dim === 'model_version' ? d.model_version : (d.slices[dim] ?? '');
  return inRange
    .filter((d) => pairs.every(([dim, v]) => value(d, dim) === v))
    .map((d) => d.latency_ms)
    .sort((a, b) => a - b);
}

function naive(dims: string[], inRange: DecisionRow[]): Map<string, SliceAggregate> {
  const out = new Map<string, SliceAggregate>();
  for (const d of inRange) {
    const value = (dim: string) =>
      dim === 'decision_type' ? d.decision_type : dim === 'model_version' ? d.model_version : (d.slices[dim] ?? '');
    const key =
      dims.length === 0
        ? '*'
        : [...dims]
            .sort()
            .map((dim) => `${dim}=${value(dim)}`)
            .join(',');
    let a = out.get(key);
    if (!a) {
      a = {
        slice: key,
        volume: 0,
        errors: 0,
        fallbacks: 0,
        retries: 0,
        thumbs_down: 0,
        reviewed: 0,
        overridden: 0,
        senior_pairs: {},
        reviewer_pairs: {},
        multi_reviewed: 0,
        multi_sum_pi: 0,
        multi_label_totals: {},
        max_reviews: 0,
        latency_p50: 0,
        latency_p95: 0,
        latency_p99: 0,
        scored: 0,
        score_hist: new Array(100).fill(0),
        labels: {},
      };
      out.set(key, a);
    }
    a.volume++;
    if (d.is_error) a.errors++;
    if (d.fallback) a.fallbacks++;
    if (d.retried) a.retries++;
    a.labels[d.label] = (a.labels[d.label] ?? 0) + 1;
    if (d.score !== null) {
      a.scored++;
      a.score_hist[scoreBin(d.score)]!++;
    }
    const mine = verdicts.filter((v) => v.decision_id === d.decision_id);
    if (mine.some((v) => v.kind === 'feedback' && v.value === 'thumbs_down')) a.thumbs_down++;
    const reviews = mine.filter((v) => v.kind === 'review').sort((x, y) => x.ts - y.ts);
    a.max_reviews = Math.max(a.max_reviews, reviews.length);
    if (reviews.length === 0) continue;
    a.reviewed++;
    const seniors = reviews.filter((r) => r.seniority === 'senior');
    const reference = (seniors.at(-1) ?? reviews.at(-1))!;
    if (reference.label !== d.label) a.overridden++;
    const inc = (m: Record<string, number>, k: string, n = 1) => {
      m[k] = (m[k] ?? 0) + n;
    };
    if (seniors.length) inc(a.senior_pairs, `${d.label}${PAIR_SEPARATOR}${seniors.at(-1)!.label}`);
    if (reviews.length === 2) inc(a.reviewer_pairs, `${reviews[0]!.label}${PAIR_SEPARATOR}${reviews[1]!.label}`);
    if (reviews.length >= 2) {
      a.multi_reviewed++;
      const counts: Record<string, number> = {};
      for (const r of reviews) inc(counts, r.label);
      a.multi_sum_pi += fleissTerms(counts)!.pi;
      for (const r of reviews) inc(a.multi_label_totals, r.label);
    }
  }
  return out;
}

describe('slice aggregates in one ClickHouse pass', () => {
  before(async () => {
    store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    await store.insertDecisions(decisions);
    await store.insertVerdicts(verdicts);
  });
  after(async () => {
    await store?.close();
    data.cleanup();
  });

  const sets = [['language', 'decision_type'], ['model_version'], ['decision_type']];
  const range = { from: T0, to: T0 + 240_000 };

  it('computes every slice of every grouping set as a naive count does', async () => {
    const got = new Map((await store.sliceAggregates(sets, range)).map((a) => [a.slice, a]));
    const inRange = decisions.filter((d) => d.ts >= range.from && d.ts < range.to);
    const want = new Map([...normalise(sets), []].flatMap((dims) => [...naive(dims, inRange)]));
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    assert.ok(got.has('decision_type=cancel,language='), 'a missing dimension is an empty value');
    for (const [slice, w] of want) {
      const g = got.get(slice)!;
      const { latency_p50, latency_p95, latency_p99, multi_sum_pi, ...exact } = g;
      const { latency_p50: _a, latency_p95: _b, latency_p99: _c, multi_sum_pi: wantPi, ...wantExact } = w;
      assert.deepEqual(exact, wantExact, slice);
      assert.ok(Math.abs(multi_sum_pi - wantPi) < 1e-9, `${slice} multi_sum_pi ${multi_sum_pi} vs ${wantPi}`);
      assert.ok(latency_p50 <= latency_p95 && latency_p95 <= latency_p99, slice);
      // within the sketch's relative accuracy of an order statistic next to the quantile's rank
      const latencies = latenciesOf(slice, inRange);
      for (const [q, v] of [
        [0.5, latency_p50],
        [0.95, latency_p95],
        [0.99, latency_p99],
      ] as const) {
        const r = q * (latencies.length - 1);
        const lo = latencies[Math.max(0, Math.floor(r) - 1)]! * (1 - LATENCY_ACCURACY);
        const hi = latencies[Math.min(latencies.length - 1, Math.ceil(r) + 1)]! * (1 + LATENCY_ACCURACY);
        assert.ok(v >= lo && v <= hi, `${slice} p${q * 100} ${v} outside [${lo}, ${hi}]`);
      }
    }
    // the edge scores land in their own bin, as scoreBin puts them
    const all = got.get('*')!;
    assert.ok(all.score_hist[29]! > 0 && all.score_hist[57]! > 0 && all.score_hist[58]! > 0 && all.score_hist[99]! > 0);
  });

  it('keeps to one model version when asked', async () => {
    const got = await store.sliceAggregates(sets, { ...range, modelVersion: 'v2' });
    const all = got.find((a) => a.slice === '*')!;
    assert.equal(all.volume, decisions.filter((d) => d.model_version === 'v2' && d.ts >= T0).length);
    assert.deepEqual(
      got.filter((a) => a.slice.startsWith('model_version=')).map((a) => a.slice),
      ['model_version=v2'],
    );
  });

  it('returns no slice at all for an empty range', async () => {
    assert.deepEqual(await store.sliceAggregates(sets, { from: T0 - 10 * 86_400_000, to: T0 - 9 * 86_400_000 }), []);
  });

  // scoring lists decisions with verdicts from verdict_keys (0018) and joins them to verdict_facts (0016)
  it('lists the decisions verdict_facts has, at the edge of its slack too', async () => {
    const from = T0 + 3_600_000;
    const edge = from - 5 * 60_000;
    const verdict = (id: string, ts: number) => ({
      ts,
      verdict_id: `edge-${id}`,
      decision_id: id,
      trace_id: '',
      kind: 'review' as const,
      value: '',
      reviewer_id: 'r',
      seniority: 'senior' as const,
      label: 'approve',
      rationale: '',
    });
    await store.insertVerdicts([verdict('edge-in', edge), verdict('edge-out', edge - 1), verdict('after', from + 1)]);
    const keys = async (view: string) =>
      (
        await store.select<{ id: string }>(
          `SELECT DISTINCT v.decision_id AS id FROM verdicts AS v
           WHERE v.decision_key IN (SELECT decision_key FROM ${view}(from = fromUnixTimestamp64Milli(${from})))
           ORDER BY id`,
        )
      ).map((r) => r.id);
    const fromFacts = await keys('verdict_facts');
    assert.deepEqual(await keys('verdict_keys'), fromFacts);
    assert.ok(fromFacts.includes('edge-in') && fromFacts.includes('after') && !fromFacts.includes('edge-out'));
  });
});
