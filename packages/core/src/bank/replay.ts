import type { BankCase, CaseResult, CaseRun, EvalRun, ReplayRequest, SliceSummary } from './types.ts';

/**
 * The replay gate's arithmetic: per-case results from runs, per-slice
 * summaries, the worst slice, and a verdict with its reasons. Pure, so the
 * figures a release is judged on are checked by hand in replay.test.ts.
 */

/** What the candidate is sent for a case (README "Replay contract"): recorded text parsed back when it is JSON. */
export function replayRequest(c: Pick<BankCase, 'decision_type' | 'input' | 'context' | 'slices'>): ReplayRequest {
  return {
    decision_type: c.decision_type,
    input: parsedOrText(c.input),
    context: { slices: c.slices, data: c.context === '' ? null : parsedOrText(c.context) },
  };
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The case fields a result carries, so a record stands on its own after the case is retired. */
export type ReplayedCase = Pick<
  BankCase,
  'id' | 'slice' | 'decision_type' | 'expected_label' | 'model_label' | 'times_seen'
>;

export function caseResult(c: ReplayedCase, runs: CaseRun[]): CaseResult {
  const answered = runs.filter((r) => r.label !== null);
  return {
    case_id: c.id,
    slice: c.slice,
    decision_type: c.decision_type,
    expected_label: c.expected_label,
    model_label: c.model_label,
    times_seen: c.times_seen,
    runs,
    passes: answered.filter((r) => r.passed).length,
    failures: answered.filter((r) => !r.passed).length,
    errors: runs.length - answered.length,
    repeated: answered.some((r) => !r.passed),
    same_wrong_label: c.model_label !== c.expected_label && answered.some((r) => r.label === c.model_label),
  };
}

/** What a replay's results add up to: the judged part of its record (EvalRun), slices worst first. */
export type ReplaySummary = Pick<EvalRun, 'cases' | 'overall' | 'slices' | 'worst_slice' | 'verdict' | 'reasons'>;

export interface SummaryOptions {
  /** runs each case was meant to get: a case passes^k only with k runs, all passing */
  k: number;
  slice_bar: number;
  /** why the replay stopped before every run was made (the target could not be reached), if it did */
  aborted?: string | null;
}

/**
 * Verdict: `error` when the gate could not judge (the replay was aborted or
 * some run got no usable answer), else `fail` when a past failure repeats or a
 * slice is below the bar, else `pass`. Reasons list every cause, errors
 * first, so a `fail` hidden behind an `error` is still visible.
 */
export function summariseReplay(results: readonly CaseResult[], opts: SummaryOptions): ReplaySummary {
  const bySlice = new Map<string, CaseResult[]>();
  for (const r of results) bySlice.set(r.slice, [...(bySlice.get(r.slice) ?? []), r]);
  const slices = [...bySlice].map(([slice, rs]) => ({ slice, ...figures(rs, opts.k), below_bar: false }));
  for (const s of slices) s.below_bar = s.answered === 0 || s.pass_rate < opts.slice_bar - 1e-12;
  slices.sort(worstFirst);
  const overall = figures(results, opts.k);
  const reasons = [
    ...(opts.aborted ? [`replay aborted: ${opts.aborted}`] : []),
    ...errorReasons(results),
    ...results.filter((r) => r.repeated).map(repeatedReason),
    ...slices.filter((s) => s.below_bar).map((s) => barReason(s, opts.slice_bar)),
  ];
  const errors = Boolean(opts.aborted) || results.some((r) => r.errors > 0 || r.runs.length < opts.k);
  const failed = overall.repeated > 0 || slices.some((s) => s.below_bar);
  return {
    cases: results.length,
    overall: { pass_rate: overall.pass_rate, pass_k: overall.pass_k, repeated: overall.repeated },
    slices: slices.map(({ answered: _, ...s }) => s),
    worst_slice: slices[0]?.slice ?? null,
    verdict: errors ? 'error' : failed ? 'fail' : 'pass',
    reasons,
  };
}

function figures(rs: readonly CaseResult[], k: number) {
  let passes = 0;
  let answered = 0;
  for (const r of rs) {
    passes += r.passes;
    answered += r.passes + r.failures;
  }
  const allPassed = rs.filter((r) => r.runs.length === k && r.passes === k).length;
  return {
    cases: rs.length,
    // with no answer at all there is no rate to speak of; 0 keeps the record numeric, and the verdict is `error`
    pass_rate: answered === 0 ? 0 : passes / answered,
    pass_k: rs.length === 0 ? 0 : allPassed / rs.length,
    repeated: rs.filter((r) => r.repeated).length,
    answered,
  };
}

function worstFirst(a: SliceSummary, b: SliceSummary): number {
  return a.pass_rate - b.pass_rate || a.pass_k - b.pass_k || b.repeated - a.repeated || (a.slice < b.slice ? -1 : 1);
}

/** One line per distinct error, naming the first case and attempt it hit, so 500 identical errors read as one. */
function errorReasons(results: readonly CaseResult[]): string[] {
  const byError = new Map<string, { first: string; runs: number; cases: Set<string> }>();
  for (const r of results) {
    for (const run of r.runs) {
      if (run.error === null) continue;
      const seen = byError.get(run.error);
      if (seen) {
        seen.runs++;
        seen.cases.add(r.case_id);
      } else {
        byError.set(run.error, {
          first: `${r.case_id} (attempt ${run.attempt})`,
          runs: 1,
          cases: new Set([r.case_id]),
        });
      }
    }
  }
  return [...byError].map(([error, e]) => {
    const more = e.runs > 1 ? ` (${e.runs} runs of ${e.cases.size} case${e.cases.size === 1 ? '' : 's'} alike)` : '';
    return `target error on case ${e.first}: ${error}${more}`;
  });
}

function repeatedReason(r: CaseResult): string {
  const answered = r.passes + r.failures;
  return (
    `case ${r.case_id} repeated a past failure (${r.slice}): expected "${r.expected_label}", ` +
    `answered ${wrongLabels(r)} in ${r.failures} of ${answered} run${answered === 1 ? '' : 's'}`
  );
}

/** The wrong labels a case got, most frequent first: `"deny" ×3, "escalate" ×1`. */
export function wrongLabels(r: Pick<CaseResult, 'runs'>): string {
  const counts = new Map<string, number>();
  for (const run of r.runs) {
    if (run.label !== null && !run.passed) counts.set(run.label, (counts.get(run.label) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return sorted.map(([label, n]) => (sorted.length === 1 && n === 1 ? `"${label}"` : `"${label}" ×${n}`)).join(', ');
}

function barReason(s: SliceSummary & { answered: number }, bar: number): string {
  if (s.answered === 0) return `slice ${s.slice}: no run answered, so its pass rate is unknown (bar ${bar})`;
  return `slice ${s.slice} pass rate ${round(s.pass_rate)} < ${bar}`;
}

/** Figures as printed: 4 decimals at most, no trailing zeros. */
export function round(x: number): number {
  return Number(x.toFixed(4));
}
