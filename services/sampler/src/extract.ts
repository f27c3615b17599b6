import type { ConsumedMessage } from '@livegrade/bus';
import {
  type DecisionRow,
  type FlatSpan,
  isDecisionSpan,
  KEEP_ALL,
  parseVerdict,
  toDecisionRow,
  toVerdictRow,
  type VerdictRow,
} from '@livegrade/core';
import { decodeTraces } from '@livegrade/otlp';
import { type SpanRow, toSpanRow } from '@livegrade/store';

export interface Rejected {
  message: ConsumedMessage;
  reason: string;
}

export interface SpanRows {
  decisions: DecisionRow[];
  spans: SpanRow[];
  rejected: Rejected[];
  spanCount: number;
}

/**
 * Spans of a batch → rows of the three span-side tables. v0 policy: keep
 * every trace (sample_reason 'all', weight 1); the stratified policy replaces
 * this in the next step without changing the table shapes.
 */
export function spanRowsOf(messages: ConsumedMessage[]): SpanRows {
  const out: SpanRows = { decisions: [], spans: [], rejected: [], spanCount: 0 };
  for (const m of messages) {
    let spans: FlatSpan[];
    try {
      spans = decodeTraces(m.value);
    } catch (err) {
      out.rejected.push({ message: m, reason: `undecodable OTLP traces: ${(err as Error).message}` });
      continue;
    }
    out.spanCount += spans.length;
    for (const span of spans) {
      let ref: { decisionId: string; decisionType: string } | undefined;
      if (isDecisionSpan(span)) {
        const row = toDecisionRow(span, KEEP_ALL);
        out.decisions.push(row);
        ref = { decisionId: row.decision_id, decisionType: row.decision_type };
      }
      out.spans.push(toSpanRow(span, ref, KEEP_ALL));
    }
  }
  return out;
}

export interface VerdictRows {
  verdicts: VerdictRow[];
  rejected: Rejected[];
}

/**
 * Verdict events → rows. An event without an id gets one from its Kafka
 * coordinates, so a re-delivered message yields the same row, not a second one.
 */
export function verdictRowsOf(topic: string, partition: number, messages: ConsumedMessage[]): VerdictRows {
  const out: VerdictRows = { verdicts: [], rejected: [] };
  for (const m of messages) {
    let json: unknown;
    try {
      json = JSON.parse(m.value.toString('utf8'));
    } catch (err) {
      out.rejected.push({ message: m, reason: `verdict is not JSON: ${(err as Error).message}` });
      continue;
    }
    const parsed = parseVerdict(json);
    if (!parsed.ok) {
      out.rejected.push({ message: m, reason: `invalid verdict: ${parsed.error}` });
      continue;
    }
    const id = parsed.value.id ?? `${topic}:${partition}:${m.offset}`;
    out.verdicts.push(toVerdictRow({ ...parsed.value, id }, m.timestamp));
  }
  return out;
}
