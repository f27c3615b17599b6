/**
 * The sampling contract (docs/ARCHITECTURE.md §5, issue 3). Pure data: the policy in
 * policy.ts decides, the sampler service buffers and writes.
 */

/** The `sampling:` section of livegrade.config.yaml, after validation (durations in ms). */
export interface SamplingConfig {
  /** slice dimensions stratified on, besides decision_type (livegrade.slice.<dim>) */
  slice_by: string[];
  /** successes each slice keeps whole per clock hour (event time) before it is thinned */
  per_slice_target_per_hour: number;
  /** lower bound of a slice's keep probability, so a huge slice is never invisible */
  min_probability: number;
  /** how long after a trace's root span ends (as seen by the sampler) the trace is decided, ms */
  decision_wait: number;
  /** traces held undecided at most; beyond, the oldest are decided early */
  max_buffered_traces: number;
  keep_always: KeepAlways;
  /**
   * how long a trace not kept stays parked (parked_traces, its OTLP bytes in
   * parked_batches), so a late verdict can still promote it into sampled_spans, ms
   */
  recent_horizon: number;
}

export interface KeepAlways {
  error: boolean;
  fallback: boolean;
  retried: boolean;
  guardrail: boolean;
  /** keep a decision whose livegrade.decision.score is below this; null: off */
  score_below: number | null;
  /** decision types kept whole (sensitive decisions) */
  decision_types: string[];
}

/** What the policy needs to know about a trace: accumulated from its spans, no payloads. */
export interface TraceFacts {
  /** any span with status ERROR */
  error: boolean;
  fallback: boolean;
  retried: boolean;
  guardrail: boolean;
  /** lowest livegrade.decision.score among its decision spans; null when none has one */
  minScore: number | null;
  /** every decision type seen in the trace */
  decisionTypes: string[];
  /** type of the first decision span seen ('' when the trace has none yet) */
  decisionType: string;
  /** livegrade.slice.* of that first decision span */
  slices: Record<string, string>;
  /** end of the root span (ms since epoch); null until the root arrives */
  rootEndMs: number | null;
  /** latest end of any span seen, for a trace whose root never arrives */
  lastEndMs: number;
}

export type KeepReason =
  | 'error'
  | 'fallback'
  | 'retried'
  | 'guardrail'
  | 'low_score'
  | 'sensitive'
  | 'stratified'
  | 'late_feedback'
  | 'late_override';

/** reason '' = not kept */
export type SampleReason = KeepReason | '';
