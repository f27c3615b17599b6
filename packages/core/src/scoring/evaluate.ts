import {
  benjaminiHochberg,
  chiSquareHomogeneity,
  cohenKappa,
  fleissKappa,
  jensenShannonDistance,
  ksTwoSample,
  scorePsi,
  twoProportionIncrease,
} from '../stats/index.ts';
import {
  type LabelCounts,
  PAIR_SEPARATOR,
  type ScoringConfig,
  type SliceAggregate,
  type SliceMetricRow,
} from './types.ts';

/**
 * From one window's per-slice aggregates (and the active baseline's) to the
 * rows of slice_metrics, with a degradation verdict on each tested row.
 *
 * A (slice, metric) is degraded only with evidence (docs/ARCHITECTURE.md §6): both sides
 * have at least min_samples, a one-sided test against the baseline is
 * significant after Benjamini-Hochberg across every test of the window, and
 * the change is at least min_effect, so that a huge slice does not alarm on
 * a significant but irrelevant change.
 */

export interface WindowInput {
  window_start: number;
  window_end: number;
  current: readonly SliceAggregate[];
  /** the active baseline, or null when none is */
  baseline: { name: string; slices: ReadonlyMap<string, SliceAggregate> } | null;
  config: Pick<ScoringConfig, 'min_samples' | 'fdr' | 'min_effect'>;
}

type Row = SliceMetricRow;

/** Rates: numerator and denominator fields, and what the rate means. */
const RATES = [
  { metric: 'error_rate', x: 'errors', n: 'volume' },
  { metric: 'fallback_rate', x: 'fallbacks', n: 'volume' },
  { metric: 'retry_rate', x: 'retries', n: 'volume' },
  { metric: 'thumbs_down_rate', x: 'thumbs_down', n: 'volume' },
  { metric: 'override_rate', x: 'overridden', n: 'reviewed' },
] as const;

export function evaluateWindow(input: WindowInput): SliceMetricRow[] {
  const { config } = input;
  const rows: Row[] = [];
  /** rows that carry a test, with the effect threshold their verdict needs */
  const tested: Array<{ row: Row; minEffect: number }> = [];
  for (const cur of input.current) {
    const base = input.baseline?.slices.get(cur.slice);
    const row = (metric: Row['metric'], value: number | null, n: number): Row => ({
      window_start: input.window_start,
      window_end: input.window_end,
      slice: cur.slice,
      metric,
      value,
      n,
      baseline: base ? input.baseline!.name : '',
      baseline_value: null,
      baseline_n: 0,
      test: '',
      statistic: null,
      p_value: null,
      q_value: null,
      effect: null,
      degraded: false,
    });
    const enough = (n: number, bn: number) => n >= config.min_samples && bn >= config.min_samples;

    const volume = row('volume', cur.volume, cur.volume);
    if (base) Object.assign(volume, { baseline_value: base.volume, baseline_n: base.volume });
    rows.push(volume);

    for (const r of RATES) {
      const n = cur[r.n];
      if (n === 0) continue;
      const out = row(r.metric, cur[r.x] / n, n);
      rows.push(out);
      if (!base || base[r.n] === 0) continue;
      out.baseline_value = base[r.x] / base[r.n];
      out.baseline_n = base[r.n];
      out.effect = out.value! - out.baseline_value;
      if (!enough(n, base[r.n])) continue;
      const test = twoProportionIncrease(cur[r.x], n, base[r.x], base[r.n]);
      if (!test) continue; // both rates 0 or 1: nothing to test
      Object.assign(out, { test: 'two_proportion', statistic: test.z, p_value: test.pValue });
      tested.push({ row: out, minEffect: config.min_effect.rate });
    }

    const modelKappa = kappaOf(cur.senior_pairs);
    if (modelKappa) {
      const out = row('model_kappa', modelKappa.kappa, modelKappa.n);
      out.test = 'cohen';
      const b = base && kappaOf(base.senior_pairs);
      if (b) Object.assign(out, { baseline_value: b.kappa, baseline_n: b.n });
      rows.push(out);
    }

    const reviewers = reviewerAgreement(cur);
    if (reviewers) {
      const out = row('reviewer_kappa', reviewers.kappa, reviewers.n);
      out.test = reviewers.method;
      const b = base && reviewerAgreement(base);
      if (b) Object.assign(out, { baseline_value: b.kappa, baseline_n: b.n });
      rows.push(out);
    }

    if (cur.volume > 0) {
      for (const q of ['latency_p50', 'latency_p95', 'latency_p99'] as const) {
        const out = row(q, cur[q], cur.volume);
        if (base && base.volume > 0) Object.assign(out, { baseline_value: base[q], baseline_n: base.volume });
        rows.push(out);
      }
    }

    if (base && cur.scored > 0 && base.scored > 0) {
      const psi = scorePsi(base.score_hist, cur.score_hist);
      if (psi !== null) {
        rows.push({ ...row('score_psi', psi, cur.scored), baseline_n: base.scored, test: 'psi' });
      }
      const ks = ksTwoSample(cur.score_hist, base.score_hist);
      if (ks) {
        const out: Row = {
          ...row('score_ks', ks.d, cur.scored),
          baseline_n: base.scored,
          test: 'ks',
          statistic: ks.d,
          p_value: ks.pValue,
          effect: ks.d,
        };
        rows.push(out);
        if (enough(cur.scored, base.scored)) tested.push({ row: out, minEffect: config.min_effect.ks });
      }
    }

    if (base && cur.volume > 0 && base.volume > 0) {
      const js = jensenShannonDistance(cur.labels, base.labels);
      if (js !== null) rows.push({ ...row('label_js', js, cur.volume), baseline_n: base.volume, test: 'js' });
      const chi = chiSquareHomogeneity(cur.labels, base.labels);
      if (chi) {
        const out: Row = {
          ...row('label_chi2', chi.statistic, cur.volume),
          baseline_n: base.volume,
          test: 'chi_square',
          statistic: chi.statistic,
          p_value: chi.pValue,
          effect: js,
        };
        rows.push(out);
        if (enough(cur.volume, base.volume)) tested.push({ row: out, minEffect: config.min_effect.js });
      }
    }
  }

  // one family per window: every (slice, metric) tested in it
  const q = benjaminiHochberg(tested.map((t) => t.row.p_value!));
  tested.forEach((t, i) => {
    t.row.q_value = q[i]!;
    t.row.degraded = q[i]! <= config.fdr && (t.row.effect ?? 0) >= t.minEffect;
  });
  return rows;
}

function pairsOf(counts: LabelCounts): Array<[string, string, number]> {
  return Object.entries(counts).map(([key, n]) => {
    const i = key.indexOf(PAIR_SEPARATOR);
    return [key.slice(0, i), key.slice(i + PAIR_SEPARATOR.length), n];
  });
}

function kappaOf(pairs: LabelCounts): { kappa: number; n: number } | null {
  const k = cohenKappa(pairsOf(pairs));
  return k.kappa === null ? null : { kappa: k.kappa, n: k.n };
}

/**
 * Agreement between reviewers: Cohen's kappa (first vs second review) where
 * no decision has more than two reviews, Fleiss' kappa otherwise, over every
 * decision with two or more.
 */
function reviewerAgreement(a: SliceAggregate): { kappa: number; n: number; method: 'cohen' | 'fleiss' } | null {
  if (a.multi_reviewed === 0) return null;
  if (a.max_reviews <= 2) {
    const k = kappaOf(a.reviewer_pairs);
    return k && { ...k, method: 'cohen' };
  }
  const kappa = fleissKappa({
    subjects: a.multi_reviewed,
    sumPi: a.multi_sum_pi,
    categoryTotals: a.multi_label_totals,
  });
  return kappa === null ? null : { kappa, n: a.multi_reviewed, method: 'fleiss' };
}
