import { z } from 'zod';
import type { DecisionFacts } from '../decision.ts';

/**
 * The regression bank (docs/ARCHITECTURE.md §8, issue 7): every escape a human caught
 * becomes a replay case, and every release candidate is replayed against all
 * active cases before it ships. These are the shapes the store, the API, the
 * CLI and the candidate endpoint agree on.
 */

/** Why a decision entered the bank. */
export type CaseReason =
  /** a human review gave another label than the model */
  | 'override'
  /** a failed decision (error, fallback, retry, guardrail, thumbs-down) with a human label */
  | 'labelled_failure'
  /** added by hand with `livegrade bank add --sql` */
  | 'manual';

/**
 * One decision seen as (part of) a case. Cases are never stored whole: a case
 * is the aggregate of its occurrences (bank_occurrences, keyed by case id and
 * decision id), so capturing the same decision twice changes nothing and
 * counts come from what was seen.
 */
export interface BankOccurrence extends DecisionFacts {
  /** the fingerprint of the normalised input (caseId in fingerprint.ts) */
  case_id: string;
  /** what a human said it should have been: the replay's expected label */
  expected_label: string;
  reason: CaseReason;
  /** livegrade.input as recorded (text; JSON text when the SDK was given an object) */
  input: string;
  /** livegrade.context as recorded ('' when none) */
  context: string;
  /** when the bank learnt of it, epoch ms */
  captured_at: number;
}

/** A case as listed and replayed: its first occurrence's payload, counts over all of them. */
export interface BankCase {
  id: string;
  decision_type: string;
  slice: string;
  slices: Record<string, string>;
  input: string;
  context: string;
  expected_label: string;
  /** the label the model gave on the first occurrence */
  model_label: string;
  reason: CaseReason;
  /** decision and trace ids of the first occurrence */
  source_decision_id: string;
  source_trace_id: string;
  /** epoch ms of the first and latest occurrence's decision */
  first_seen: number;
  last_seen: number;
  /** distinct decisions merged into this case */
  times_seen: number;
  status: 'active' | 'retired';
  retired_at: number | null;
  retired_reason: string | null;
  retired_by: string | null;
}

/**
 * What a candidate endpoint receives for each run of a case (README "Replay
 * contract"; published as schemas/json/replay-request.schema.json). Not
 * validated on the way out: it is what replayRequest builds.
 */
export const ReplayRequest = z.strictObject({
  decision_type: z.string().describe('the decision kind, e.g. refund'),
  input: z.unknown().describe('the recorded livegrade.input: parsed JSON when it was JSON, else the text'),
  context: z.strictObject({
    slices: z.record(z.string(), z.string()).describe('the slice dimensions of the decision, e.g. {"language": "hi"}'),
    data: z
      .unknown()
      .describe('the recorded livegrade.context: parsed JSON when it was JSON, else the text; null when none'),
  }),
});
export type ReplayRequest = z.infer<typeof ReplayRequest>;

/** What it must answer; anything else is a bad response (a target error). */
export const ReplayResponse = z.object({
  label: z
    .string()
    .min(1, 'label must be a non-empty string')
    .describe("the candidate's label, compared with the case's expected label"),
  score: z.number().min(0).max(1).optional().describe('confidence or grader score, 0..1'),
  model_version: z.string().optional().describe('the model version the candidate declares, recorded with the run'),
});
export type ReplayResponse = z.infer<typeof ReplayResponse>;

/** `bank replay` options, recorded with the run. */
export interface ReplayParams {
  /** runs per case: pass^k needs every one of them to pass */
  k: number;
  /** requests in flight at once */
  concurrency: number;
  /** every slice's pass rate must be at least this for the gate to pass */
  slice_bar: number;
  /** per request */
  timeout_ms: number;
  /** further tries of a request that timed out, could not connect or got a 5xx/429 */
  retries: number;
}

/** One run of one case against the candidate. */
export interface CaseRun {
  /** 1..k */
  attempt: number;
  /** the candidate's label; null when the run ended in error */
  label: string | null;
  score: number | null;
  /** label === expected label */
  passed: boolean;
  /** why the run has no label (timeout, connection refused, HTTP 500, bad response ...); null when it has one */
  error: string | null;
  /** HTTP requests this run took (1 + retries used) */
  tries: number;
  timed_out: number;
  latency_ms: number;
}

export interface CaseResult {
  case_id: string;
  slice: string;
  decision_type: string;
  expected_label: string;
  /** the label the model gave when the case was captured */
  model_label: string;
  /** how often the bank has seen this failure in production (BankCase.times_seen at replay time) */
  times_seen: number;
  runs: CaseRun[];
  passes: number;
  /** runs that answered a wrong label */
  failures: number;
  /** runs that ended in error */
  errors: number;
  /** the candidate failed this past failure again: some run answered a wrong label */
  repeated: boolean;
  /** some run answered exactly the label the model gave when the case was captured */
  same_wrong_label: boolean;
}

export interface SliceSummary {
  slice: string;
  cases: number;
  /** pass@1: passing runs / runs that answered */
  pass_rate: number;
  /** pass^k: cases whose k runs all passed / cases */
  pass_k: number;
  /** cases the candidate failed again */
  repeated: number;
  /** pass_rate < slice_bar */
  below_bar: boolean;
}

export type Verdict = 'pass' | 'fail' | 'error';

/** Counts of what happened on the wire, so retries and timeouts are reported, never hidden. */
export interface TransportStats {
  requests: number;
  retries: number;
  timeouts: number;
  /** runs that ended in error after their retries */
  errors: number;
}

export interface Signoff {
  reviewer: string;
  note: string;
  /** epoch ms */
  at: number;
}

/** The evaluation record of one replay (eval_runs + eval_run_results). */
export interface EvalRun {
  id: string;
  /** epoch ms */
  started_at: number;
  finished_at: number;
  target: string;
  /** what the candidate declared (response model_version, or --model-version); '' when neither */
  model_version: string;
  /** content hash of the active cases replayed (bankVersion) */
  bank_version: string;
  params: ReplayParams;
  cases: number;
  overall: { pass_rate: number; pass_k: number; repeated: number };
  slices: SliceSummary[];
  /** the slice with the lowest pass rate (null when the bank is empty) */
  worst_slice: string | null;
  verdict: Verdict;
  /** why the verdict is what it is, one line each ("refund/hi pass rate 0.62 < 0.8", "case c_… repeated") */
  reasons: string[];
  transport: TransportStats;
  signoffs: Signoff[];
}
