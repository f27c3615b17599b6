import { type DecisionRow, type FlatSpan, isDecisionSpan, toDecisionRow } from '@livegrade/core';

/**
 * Column order of span rows as inserted into sampled_spans_in (0015; before it,
 * recent_spans) in JSONCompactEachRow:
 * one array per row, so the column names are not repeated in every row).
 * Attributes and events go in as JSON objects and are stored as their text
 * (input_format_json_read_objects_as_strings); sampled_spans turns them into
 * Maps for the kept spans only.
 */
export const SPAN_COLUMNS = [
  'ts',
  'trace_id',
  'span_id',
  'parent_span_id',
  'name',
  'kind',
  'duration_ms',
  'status_code',
  'status_message',
  'service',
  'scope',
  'decision_id',
  'decision_type',
  'attributes',
  'resource_attributes',
  'events',
  'sample_reason',
  'sample_weight',
] as const;

export type SpanRow = unknown[];

/**
 * What the sampler inserts as encoded text (repository insertEncoded):
 * parked_batches and parked_traces, kept spans (into sampled_spans through sampled_spans_in),
 * decisions; recent_spans is what it wrote before migration 0015.
 */
export type EncodedTable = 'parked_batches' | 'parked_traces' | 'sampled_spans' | 'decisions' | 'recent_spans';

export interface DecisionRef {
  decisionId: string;
  decisionType: string;
}

/** The trace's sampling outcome; reason '' means the trace was not kept. */
export interface SpanSample {
  reason: string;
  weight: number;
}

export const NOT_KEPT: SpanSample = { reason: '', weight: 0 };

export function toSpanRow(span: FlatSpan, decision: DecisionRef | undefined, sample: SpanSample): SpanRow {
  const row = spanFields(span, decision);
  row.push(sample.reason, sample.weight);
  return row;
}

/** Every column of a span's row but its trace's sampling outcome (the last two). */
function spanFields(span: FlatSpan, decision: DecisionRef | undefined): unknown[] {
  return [
    Math.round(span.startMs * 1000), // DateTime64(6) ticks
    span.traceId,
    span.spanId,
    span.parentSpanId,
    span.name,
    span.kind,
    Math.max(0, span.endMs - span.startMs),
    span.statusCode,
    span.statusMessage,
    span.serviceName,
    span.scopeName,
    decision?.decisionId ?? '',
    decision?.decisionType ?? '',
    span.attributes,
    span.resourceAttributes,
    span.events,
  ];
}

/**
 * A span encoded once, as its recent_spans row (JSONCompactEachRow) without
 * the closing sample columns: the sampler buffers this text, not the decoded
 * span, and completes it when the trace is decided (completeSpanRow).
 */
export function encodeSpanRow(span: FlatSpan, decision: DecisionRef | undefined): string {
  const text = JSON.stringify(spanFields(span, decision));
  return text.slice(0, -1);
}

export function completeSpanRow(encoded: string, sample: SpanSample): string {
  return `${encoded},${JSON.stringify(sample.reason)},${sample.weight}]\n`;
}

/**
 * A trace's spans as encoded rows (encodeSpanRow), each span once by span id:
 * the one encoding of sampled_spans rows, whether the trace is kept when
 * decided or promoted later from its parked bytes, so both store the same
 * rows. `seen` carries span ids across several calls for one trace.
 */
export function encodeTraceSpans(spans: FlatSpan[], seen: Set<string> = new Set()): string[] {
  const out: string[] = [];
  for (const span of spans) {
    if (seen.has(span.spanId)) continue;
    seen.add(span.spanId);
    let ref: DecisionRef | undefined;
    if (isDecisionSpan(span)) {
      const row = toDecisionRow(span);
      ref = { decisionId: row.decision_id, decisionType: row.decision_type };
    }
    out.push(encodeSpanRow(span, ref));
  }
  return out;
}

/**
 * Columns of parked_traces as the sampler inserts them (migration 0015), in
 * TabSeparated: of the text formats the embedded engine parsed it about as
 * cheaply as JSONCompactEachRow, and its rows (ids, numbers) need no quoting.
 */
export const PARKED_COLUMNS = [
  'ts',
  'trace_id',
  'first_span_id',
  'sample_reason',
  'sample_weight',
  'batch',
  'offset',
  'length',
] as const;

/** Where a parked row belongs: its trace, its first span (rows of one trace differ by it), its event time. */
export interface ParkedKey {
  traceId: string;
  firstSpanId: string;
  /** the earliest span start of the row's spans: partition and TTL */
  startMs: number;
}

/** Where a parked trace's OTLP bytes are: a range of its parked_batches blob, uncompressed. */
export interface ParkedBytes {
  batch: string;
  offset: number;
  length: number;
}

/** A kept trace's row: the ledger entry only, its spans are in sampled_spans. */
export const NOT_PARKED: ParkedBytes = { batch: '', offset: 0, length: 0 };

function seconds(ms: number): string {
  const s = Number.isFinite(ms) ? Math.min(4_294_967_295, Math.max(0, Math.floor(ms / 1000))) : 0;
  // ten digits: the engine reads a shorter number as a year or refuses it ("1" is 2026-01-01,
  // "99999" an error), and a trace's own clock can say time zero; a refused parked_batches row
  // would stall the sampler's writes (test/e2e/fuzz-gateway.test.ts)
  return String(s).padStart(10, '0');
}

/**
 * One parked_traces row. Ids are hex and batch ids [0-9a-z-]: only the
 * reason can need TabSeparated's escapes.
 */
export function parkedRow(key: ParkedKey, bytes: ParkedBytes, sample: SpanSample): string {
  return `${seconds(key.startMs)}\t${key.traceId}\t${key.firstSpanId}\t${tsvEscape(sample.reason)}\t${sample.weight}\t${bytes.batch}\t${bytes.offset}\t${bytes.length}\n`;
}

/** One parked_batches row (ts, batch, otlp): `otlp` the base64 of the compressed blob. */
export function parkedBatchRow(latestMs: number, batch: string, otlpBase64: string): string {
  return `${seconds(latestMs)}\t${batch}\t${otlpBase64}\n`;
}

/** A parked row as JSON (the DLQ's `rows` format): its TabSeparated fields, unescaped. */
export function parkedRowAsJson(line: string): string {
  return JSON.stringify(line.replace(/\n$/, '').split('\t').map(tsvUnescape));
}

function tsvEscape(s: string): string {
  return /[\\\t\n]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : s;
}

function tsvUnescape(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c)) : s;
}

/**
 * Column order of decisions rows as the sampler inserts them, in
 * JSONCompactEachRow (encodeDecisionRow, completeDecisionRow): one array per
 * row, where JSONEachRow repeated the 21 column names in every row and the
 * engine parsed them all (bench/, issue 18).
 */
export const DECISION_COLUMNS = [
  'ts',
  'service',
  'trace_id',
  'span_id',
  'decision_id',
  'decision_type',
  'label',
  'score',
  'model',
  'model_version',
  'slices',
  'is_error',
  'fallback',
  'retried',
  'guardrail',
  'latency_ms',
  'input_tokens',
  'output_tokens',
  'sampled',
  'sample_reason',
  'sample_weight',
] as const;

/**
 * A decision's row (JSONCompactEachRow over DECISION_COLUMNS) without its
 * sampling outcome, the last three columns; completed by completeDecisionRow.
 */
export function encodeDecisionRow(d: DecisionRow): string {
  const text = JSON.stringify([
    Math.round(d.ts), // DateTime64(3) takes integer milliseconds
    d.service,
    d.trace_id,
    d.span_id,
    d.decision_id,
    d.decision_type,
    d.label,
    d.score,
    d.model,
    d.model_version,
    d.slices,
    d.is_error,
    d.fallback,
    d.retried,
    d.guardrail,
    d.latency_ms,
    d.input_tokens,
    d.output_tokens,
  ]);
  return text.slice(0, -1);
}

export function completeDecisionRow(encoded: string, sample: SpanSample): string {
  return `${encoded},${sample.reason !== ''},${JSON.stringify(sample.reason)},${sample.weight}]\n`;
}

/** A completed decisions line (completeDecisionRow) as an object keyed by column, for readers of the encoded text. */
export function decisionLineAsObject(line: string): Record<(typeof DECISION_COLUMNS)[number], unknown> {
  const values = JSON.parse(line) as unknown[];
  return Object.fromEntries(DECISION_COLUMNS.map((c, i) => [c, values[i]])) as Record<
    (typeof DECISION_COLUMNS)[number],
    unknown
  >;
}

/** decisions row as inserted: DateTime64(3) takes integer milliseconds. */
export function decisionInsertRow(d: DecisionRow) {
  return { ...d, ts: Math.round(d.ts) };
}
