import { type BankOccurrence, caseId, type DecisionRow } from '@livegrade/core';
import type { Store } from '@livegrade/store';

/** Counts through the user-facing read path (read-only session, final=1), as a user's SQL would. */
export async function countVisible(store: Store, sql: string): Promise<number> {
  const out = JSON.parse(await store.readOnlyQuery(sql)) as { data: Array<Record<string, unknown>> };
  return Number(Object.values(out.data[0] ?? {})[0] ?? 0);
}

/** Counts physical rows, duplicates included (no FINAL), on the writer session. */
export async function countRaw(store: Store, table: string): Promise<number> {
  const [row] = await store.select<{ n: string }>(`SELECT count() AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}

/**
 * A decision row with plain defaults: an approved refund, nothing failed,
 * sampled as `all` with weight 1, trace and span ids from `id`. Tests
 * override what they are about.
 */
export function decisionRow(id: string, ts: number, over: Partial<DecisionRow> = {}): DecisionRow {
  return {
    ts,
    service: 'bot',
    trace_id: `t-${id}`,
    span_id: `s-${id}`,
    decision_id: id,
    decision_type: 'refund',
    label: 'approve',
    score: 0.5,
    model: 'llm',
    model_version: 'v1',
    slices: {},
    is_error: false,
    fallback: false,
    retried: false,
    guardrail: false,
    latency_ms: 100,
    input_tokens: 1,
    output_tokens: 1,
    sampled: true,
    sample_reason: 'all',
    sample_weight: 1,
    ...over,
  };
}

/**
 * A bank occurrence with plain defaults: an overridden refund in the hi
 * slice, its case keyed by `input` (over.input, else a fixed question).
 */
export function bankOccurrence(at: number, over: Partial<BankOccurrence> = {}): BankOccurrence {
  const input = over.input ?? 'where is my refund';
  return {
    case_id: caseId('refund', input),
    decision_id: 'd1',
    trace_id: 't1',
    ts: at,
    decision_type: 'refund',
    slice: 'decision_type=refund,language=hi',
    slices: { language: 'hi' },
    model_version: 'v1',
    model_label: 'deny',
    expected_label: 'approve',
    reason: 'override',
    input,
    context: '',
    captured_at: at + 60_000,
    ...over,
  };
}
