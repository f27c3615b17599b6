import type { ConsumedMessage } from '@livegrade/bus';
import {
  Attr,
  addSpanFacts,
  emptyFacts,
  type FlatSpan,
  isDecisionSpan,
  parseVerdict,
  toDecisionRow,
  toVerdictRow,
  type VerdictRow,
} from '@livegrade/core';
import {
  type AttributeFilter,
  decodeSpanFacts,
  decodeTraces,
  detectFormat,
  encodeTraces,
  protobufByTrace,
} from '@livegrade/otlp';
import { encodeDecisionRow, encodeTraceSpans } from '@livegrade/store';
import type { TraceChunk } from './trace-buffer.ts';

/**
 * One spans message → one chunk per trace it holds (the SDK and the
 * Collector's partition_traces_by_id send one trace per message, other
 * producers may mix). Throws when the message is not OTLP.
 *
 * A chunk keeps its spans as OTLP protobuf, not as rows: most traces are
 * not kept and are parked as those bytes (parked_traces, migration 0015),
 * so span rows are encoded only for the traces kept (spanRowsOf). A message
 * holding one trace is kept as it came; a mixed one is cut per trace by
 * copying bytes; OTLP JSON is encoded as protobuf once. Protobuf is read
 * for the facts only (decodeSpanFacts, FACT_ATTRIBUTES), as strictly as a
 * full decode: the spans here have no name, events or other attributes.
 */
export function traceChunksOf(m: ConsumedMessage): { chunks: TraceChunk[]; spanCount: number } {
  const format = detectFormat(m.value);
  const spans: FlatSpan[] =
    format === 'json' ? decodeTraces(m.value, format) : decodeSpanFacts(m.value, FACT_ATTRIBUTES);
  const chunks: TraceChunk[] = [];
  // a message mostly holds one trace: a Map only once a second one shows up
  let byTrace: Map<string, TraceChunk> | undefined;
  let last: TraceChunk | undefined;
  for (const span of spans) {
    let chunk = last?.traceId === span.traceId ? last : byTrace?.get(span.traceId);
    if (!chunk) {
      chunk = {
        traceId: span.traceId,
        facts: emptyFacts(),
        otlp: EMPTY,
        spanCount: 0,
        firstSpanId: span.spanId,
        startMs: span.startMs,
        decisions: [],
        hasRoot: false,
      };
      if (last && !byTrace) byTrace = new Map([[last.traceId, last]]);
      byTrace?.set(span.traceId, chunk);
      chunks.push(chunk);
    }
    last = chunk;
    addSpanFacts(chunk.facts, span);
    chunk.spanCount++;
    if (span.startMs < chunk.startMs) chunk.startMs = span.startMs;
    if (span.parentSpanId === '') chunk.hasRoot = true;
    if (isDecisionSpan(span)) chunk.decisions.push(encodeDecisionRow(toDecisionRow(span)));
  }
  if (format === 'json') {
    for (const c of chunks) c.otlp = Buffer.from(encodeTraces(spans.filter((s) => s.traceId === c.traceId)));
  } else if (chunks.length === 1) {
    // a copy: the message's buffer may be a slice of a whole fetch response, which a buffered trace would pin
    (chunks[0] as TraceChunk).otlp = Buffer.from(m.value);
  } else if (chunks.length > 1) {
    const split = protobufByTrace(m.value);
    for (const c of chunks) c.otlp = Buffer.from(split.get(c.traceId)?.payload ?? EMPTY);
  }
  return { chunks, spanCount: spans.length };
}

const EMPTY = Buffer.alloc(0);

/**
 * The span attributes core reads for a trace's facts (addSpanFacts) and a
 * decision's row (toDecisionRow); extract.test.ts checks both come out as
 * from a full decode.
 */
export const FACT_ATTRIBUTES: AttributeFilter = {
  keys: [
    Attr.decisionId,
    Attr.decisionType,
    Attr.decisionLabel,
    Attr.decisionScore,
    Attr.modelVersion,
    Attr.fallback,
    Attr.retried,
    Attr.guardrail,
    Attr.genAiModel,
    Attr.genAiInputTokens,
    Attr.genAiOutputTokens,
  ],
  prefixes: [Attr.slicePrefix],
};

/**
 * A trace's OTLP requests → its span rows (store: encodeTraceSpans), for a
 * trace kept when decided and for one promoted later from its parked bytes
 * (store: promoteTraces): one encoding, so both store the same rows.
 */
export function spanRowsOf(otlp: Buffer[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const payload of otlp)
    for (const row of encodeTraceSpans(decodeTraces(payload, 'protobuf'), seen)) out.push(row);
  return out;
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
