import type { DecisionRow } from '@livegrade/core';
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
