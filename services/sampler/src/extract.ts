import type { ConsumedMessage } from '@livegrade/bus';
import {
  addSpanFacts,
  emptyFacts,
  type FlatSpan,
  isDecisionSpan,
  parseVerdict,
  toDecisionRow,
  toVerdictRow,
  type VerdictRow,
} from '@livegrade/core';
import { decodeTraces } from '@livegrade/otlp';
import { encodeDecisionRow, encodeSpanRow } from '@livegrade/store';
import type { TraceChunk } from './trace-buffer.ts';

/**
 * One spans message → one chunk per trace it holds (the SDK and the
 * Collector's partition_traces_by_id send one trace per message, other
 * producers may mix). Throws when the message is not OTLP.
 */
export function traceChunksOf(m: ConsumedMessage): { chunks: TraceChunk[]; spanCount: number } {
  const spans: FlatSpan[] = decodeTraces(m.value);
  const byTrace = new Map<string, TraceChunk>();
  for (const span of spans) {
    let chunk = byTrace.get(span.traceId);
    if (!chunk) {
      chunk = { traceId: span.traceId, facts: emptyFacts(), spans: [], decisions: [], hasRoot: false };
      byTrace.set(span.traceId, chunk);
    }
    addSpanFacts(chunk.facts, span);
    if (span.parentSpanId === '') chunk.hasRoot = true;
    let ref: { decisionId: string; decisionType: string } | undefined;
    if (isDecisionSpan(span)) {
      const row = toDecisionRow(span);
      chunk.decisions.push(encodeDecisionRow(row));
      ref = { decisionId: row.decision_id, decisionType: row.decision_type };
    }
    chunk.spans.push(encodeSpanRow(span, ref));
  }
  return { chunks: [...byTrace.values()], spanCount: spans.length };
}

export interface Rejected {
  message: ConsumedMessage;
  reason: string;
}

export interface VerdictRows {
  verdicts: Array<{ row: VerdictRow; offset: number }>;
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
    out.verdicts.push({ row: toVerdictRow({ ...parsed.value, id }, m.timestamp), offset: Number(m.offset) });
  }
  return out;
}
