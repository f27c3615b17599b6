import { Readable } from 'node:stream';
import { brotliDecompressSync } from 'node:zlib';
import type { DecisionRow, VerdictRow } from '@livegrade/core';
import { createAlertsRepository } from './alerts.ts';
import { createBankRepository } from './bank.ts';
import type { StoreClients } from './client.ts';
import { decisionKeyIn } from './decisions-by-id.ts';
import { createEvalRunsRepository } from './eval-runs.ts';
import { createEvalsetRepository } from './evalset.ts';
import { countLines, insertTiming } from './insert-timing.ts';
import { jsonRows } from './json-rows.ts';
import {
  completeSpanRow,
  DECISION_COLUMNS,
  decisionInsertRow,
  type EncodedTable,
  PARKED_COLUMNS,
  SPAN_COLUMNS,
  type SpanRow,
} from './rows.ts';
import { createScoringRepository } from './scoring.ts';
import { createSliceViews } from './slice-views.ts';
import { createUserSql } from './user-sql.ts';

export type ResultFormat = 'json' | 'csv' | 'tsv';

/** One slice's successes in one bucket of event time, as the store recorded them (sliceSuccesses). */
export interface SliceSuccesses {
  decisionType: string;
  slices: Record<string, string>;
  bucketStartMs: number;
  seen: number;
  kept: number;
}

/** What late promotion needs to know of a decision. */
export interface DecisionState {
  decision_id: string;
  trace_id: string;
  label: string;
  sampled: boolean;
}

const CLICKHOUSE_FORMAT = { json: 'JSON', csv: 'CSVWithNames', tsv: 'TabSeparatedWithNames' } as const;
export const CONTENT_TYPE = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
} as const;

/** ClickHouse's JSON output format, what `json` results look like. */
export interface JsonResult<T = Record<string, unknown>> {
  meta: Array<{ name: string; type: string }>;
  data: T[];
  rows: number;
  statistics?: { elapsed: number; rows_read: number; bytes_read: number };
}

/**
 * Settings for livegrade's own inserts. optimize_on_insert=0: a Replacing
 * table otherwise deduplicates each inserted block on arrival, which a batch
 * never needs (replays repeat whole batches, and reads use FINAL); skipping it
 * cut the span insert by about 30% (bench/).
 */
const INSERT_SETTINGS = { optimize_on_insert: 0 } as const;

/**
 * Id lists go in as `x IN (SELECT arrayJoin({ids:Array(String)}))`: the
 * engine builds a set from the subquery, where a literal `IN {ids:Array}`
 * took minutes beyond ~25k ids (bench/). Lookups are also sent in chunks of
 * this many, which bounds each query's time.
 */
const ID_CHUNK = 10_000;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}

/** The one place that knows livegrade's table names and row shapes. */
export function createRepository(store: StoreClients) {
  const userSql = createUserSql(store.reader, store.readLimits, store.writer);
  const timing = insertTiming(store.writer);
  const { writer } = timing;
  return {
    onInsert: timing.onInsert,
    ...createScoringRepository(writer),
    ...createAlertsRepository(writer),
    ...createSliceViews(writer),
    ...createBankRepository(writer),
    ...createEvalRunsRepository(writer),
    ...createEvalsetRepository(writer),
    async insertDecisions(rows: DecisionRow[]) {
      if (rows.length === 0) return;
      await writer.insert({
        table: 'decisions',
        values: rows.map(decisionInsertRow),
        format: 'JSONEachRow',
        clickhouse_settings: INSERT_SETTINGS,
      });
    },
    /**
     * Spans as whole rows into recent_spans, whose view copies kept ones into sampled_spans (0002):
     * for tests and the v0 writer (bench/keep-everything.ts). The sampler parks traces instead (0015).
     */
    async insertSpans(rows: SpanRow[]) {
      if (rows.length === 0) return;
      await writer.insert({
        table: 'recent_spans',
        values: rows,
        format: 'JSONCompactEachRow',
        columns: SPAN_COLUMNS as unknown as [string, ...string[]],
        clickhouse_settings: INSERT_SETTINGS,
      });
    },
    /**
     * Rows the sampler encoded itself (rows.ts), one per line: parked_traces in
     * TabSeparated over PARKED_COLUMNS (parkedRow), parked_batches likewise
     * (parkedBatchRow); kept spans (completeSpanRow)
     * in JSONCompactEachRow over SPAN_COLUMNS into sampled_spans_in, which the
     * engine turns into sampled_spans rows (0015), or into recent_spans, which
     * the sampler wrote before 0015; decisions (completeDecisionRow) in
     * JSONCompactEachRow over DECISION_COLUMNS. Sent as the
     * request body, so nothing is parsed or re-encoded here.
     */
    async insertEncoded(table: EncodedTable, body: string) {
      if (body.length === 0) return;
      const query =
        table === 'parked_traces'
          ? `INSERT INTO parked_traces (${PARKED_COLUMNS.join(', ')}) FORMAT TabSeparated`
          : table === 'parked_batches'
            ? 'INSERT INTO parked_batches (ts, batch, otlp) FORMAT TabSeparated'
            : table === 'sampled_spans'
              ? `INSERT INTO sampled_spans_in (${SPAN_COLUMNS.join(', ')}) FORMAT JSONCompactEachRow`
              : table === 'recent_spans'
                ? `INSERT INTO recent_spans (${SPAN_COLUMNS.join(', ')}) FORMAT JSONCompactEachRow`
                : `INSERT INTO decisions (${DECISION_COLUMNS.join(', ')}) FORMAT JSONCompactEachRow`;
      await timing.time(table, countLines(body), async () => {
        const r = await writer.exec({ query, values: Readable.from([body]), clickhouse_settings: INSERT_SETTINGS });
        r.stream.resume();
      });
    },
    /**
     * The sampling outcome already recorded for each of these traces, if any.
     * parked_traces is the ledger: the sampler writes a trace's row only once
     * it decided, carrying the outcome (reason '' = not kept). recent_spans
     * was the ledger before migration 0015 and is read too until its TTL
     * empties it: a deployment upgraded mid-horizon replays traces decided then.
     */
    async decidedTraces(traceIds: string[]): Promise<Map<string, { reason: string; weight: number }>> {
      const out = new Map<string, { reason: string; weight: number }>();
      for (const ids of chunks(traceIds)) {
        const rows = await this.select<{ trace_id: string; reason: string; weight: number }>(
          `SELECT trace_id, argMax(sample_reason, ingested_at) AS reason, argMax(sample_weight, ingested_at) AS weight
           FROM (
             SELECT trace_id, sample_reason, sample_weight, ingested_at FROM parked_traces
             WHERE trace_id IN (SELECT arrayJoin({ids:Array(String)}))
             UNION ALL
             SELECT trace_id, sample_reason, sample_weight, ingested_at FROM recent_spans
             WHERE trace_id IN (SELECT arrayJoin({ids:Array(String)})))
           GROUP BY trace_id`,
          { ids },
        );
        for (const r of rows) out.set(r.trace_id, { reason: r.reason, weight: Number(r.weight) });
      }
      return out;
    },
    /** Decisions by id, newer than `sinceMs`, as they stand now (a promotion replaces a row). */
    async decisionsById(decisionIds: string[], sinceMs: number): Promise<DecisionState[]> {
      const out: DecisionState[] = [];
      for (const ids of chunks(decisionIds)) {
        // by primary key through decisions_by_id: by id alone, decisions' every granule (decisions-by-id.ts)
        const rows = await this.select<DecisionState>(
          `SELECT decision_id, trace_id, label, sampled FROM decisions FINAL
           WHERE ${decisionKeyIn('SELECT arrayJoin({ids:Array(String)})')} AND ts >= fromUnixTimestamp64Milli({since:Int64})`,
          { ids, since: Math.floor(sinceMs) },
        );
        for (const r of rows) out.push(r);
      }
      return out;
    },
    /**
     * Keeps traces that were decided "not kept" after all (a late thumbs-down
     * or override), with `reason` and weight 1. A parked trace (0015) is
     * cut from its batch's blob and decoded here, by `spanRows` (a trace's OTLP requests → its encoded span
     * rows, rows.ts encodeTraceSpans: the encoding of a trace kept when
     * decided), and its spans go to sampled_spans; then new versions of its
     * parked rows carry the reason. Spans in recent_spans (written before
     * 0015, until its TTL empties it) get new versions with the reason, which
     * its view copies into sampled_spans. Decisions rows are replaced the same
     * way. Rows already kept are left alone, so a repeated promotion adds nothing.
     */
    async promoteTraces(traceIds: string[], reason: string, sinceMs: number, spanRows: (otlp: Buffer[]) => string[]) {
      if (traceIds.length === 0) return;
      const params = { ids: traceIds, reason, since: Math.floor(sinceMs) };
      for (const ids of chunks(traceIds)) {
        const parked = await this.select<{
          trace_id: string;
          first_span_id: string;
          batch: string;
          offset: number;
          length: number;
        }>(
          `SELECT trace_id, first_span_id, batch, offset, length FROM parked_traces FINAL
           WHERE trace_id IN (SELECT arrayJoin({ids:Array(String)})) AND sample_reason = '' AND batch != ''`,
          { ids },
        );
        if (parked.length === 0) continue;
        const blobs = new Map<string, Buffer>();
        const batches = await this.select<{ batch: string; otlp: string }>(
          `SELECT batch, any(otlp) AS otlp FROM parked_batches
           WHERE batch IN (SELECT arrayJoin({batches:Array(String)})) GROUP BY batch`,
          { batches: [...new Set(parked.map((r) => r.batch))] },
        );
        for (const b of batches) blobs.set(b.batch, brotliDecompressSync(Buffer.from(b.otlp, 'base64')));
        const byTrace = new Map<string, Buffer[]>();
        for (const r of parked) {
          const blob = blobs.get(r.batch);
          // a blob past its TTL: the trace is beyond the horizon, as its decision is
          if (!blob) continue;
          const list = byTrace.get(r.trace_id) ?? [];
          byTrace.set(r.trace_id, list);
          list.push(blob.subarray(Number(r.offset), Number(r.offset) + Number(r.length)));
        }
        const sample = { reason, weight: 1 };
        let body = '';
        for (const otlp of byTrace.values()) for (const row of spanRows(otlp)) body += completeSpanRow(row, sample);
        await this.insertEncoded('sampled_spans', body);
        // only the rows just promoted: a chunk parked meanwhile stays '' and is promoted by the next call
        await writer.command({
          query: `INSERT INTO parked_traces
            SELECT * REPLACE ({reason:String} AS sample_reason, toFloat32(1) AS sample_weight, now64(3) AS ingested_at)
            FROM (SELECT * FROM parked_traces FINAL
                  WHERE trace_id IN (SELECT arrayJoin({ids:Array(String)}))
                    AND first_span_id IN (SELECT arrayJoin({firsts:Array(String)})) AND sample_reason = '')`,
          query_params: { ids: [...byTrace.keys()], firsts: parked.map((r) => r.first_span_id), reason },
        });
      }
      await writer.command({
        // filtered in a subquery: in the outer WHERE, ClickHouse would read the REPLACE aliases
        query: `INSERT INTO recent_spans
          SELECT * REPLACE ({reason:String} AS sample_reason, toFloat32(1) AS sample_weight, now64(3) AS ingested_at)
          FROM (SELECT * FROM recent_spans FINAL WHERE trace_id IN (SELECT arrayJoin({ids:Array(String)})) AND sample_reason = '')`,
        query_params: params,
      });
      await writer.command({
        query: `INSERT INTO decisions
          SELECT * REPLACE (true AS sampled, {reason:String} AS sample_reason, toFloat32(1) AS sample_weight, now64(3) AS ingested_at)
          FROM (SELECT * FROM decisions FINAL
                WHERE trace_id IN (SELECT arrayJoin({ids:Array(String)})) AND ts >= fromUnixTimestamp64Milli({since:Int64}) AND NOT sampled)`,
        query_params: params,
      });
    },
    /**
     * The sampler's record of each slice's successes (traces not kept by a
     * keep-always rule), per `bucketMs` of event time over the trailing
     * `lookbackMs` before the newest decision (at most now: a restarted
     * sampler continues its backlog from there). A trace counts once per
     * slice, in the bucket of its decision's start (a trace whose decisions
     * lie in two slices counts in both; the sampler counts it in its first's);
     * `kept` counts those kept by the stratified rule.
     */
    async sliceSuccesses(sliceBy: string[], bucketMs: number, lookbackMs: number): Promise<SliceSuccesses[]> {
      const [newest] = await this.select<{ ms: string }>(
        `SELECT toUnixTimestamp64Milli(max(ts)) AS ms FROM decisions
         WHERE ts <= now64(3) AND ts >= now64(3) - INTERVAL 7 DAY`,
      );
      const to = Number(newest?.ms ?? 0);
      if (!(to > 0)) return [];
      // uniq (exact up to 65,536 per slice and bucket, within about 1% beyond), so that a replayed row
      // or a second decision of the trace does not count twice. Read once at start: 1.3-1.9 s for the
      // last hour at 1M decisions an hour on 2 cores; a GROUP BY trace_id (to place a trace in its first
      // decision's slice only) took 2.1 s, a plain count() 0.75 s.
      const rows = await this.select<{
        decision_type: string;
        dims: string[];
        bucket: string;
        seen: string;
        kept: string;
      }>(
        `SELECT decision_type, arrayMap(d -> slices[d], {dims:Array(String)}) AS dims,
                intDiv(toUnixTimestamp64Milli(ts), {bucket:UInt32}) AS bucket,
                uniq(trace_id) AS seen, uniqIf(trace_id, sample_reason = 'stratified') AS kept
         FROM decisions
         WHERE ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})
           AND sample_reason IN ('', 'stratified', 'late_feedback', 'late_override')
         GROUP BY decision_type, dims, bucket`,
        { dims: sliceBy, bucket: bucketMs, from: to - lookbackMs, to },
      );
      return rows.map((r) => ({
        decisionType: r.decision_type,
        slices: Object.fromEntries(sliceBy.map((d, i) => [d, r.dims[i] ?? ''])),
        bucketStartMs: Number(r.bucket) * bucketMs,
        seen: Number(r.seen),
        kept: Number(r.kept),
      }));
    },
    /** Records the highest offset per partition whose traces are written (sampler_progress). */
    async recordProgress(group: string, topic: string, writtenThrough: Map<number, number>) {
      if (writtenThrough.size === 0) return;
      await writer.insert({
        table: 'sampler_progress',
        values: [...writtenThrough].map(([partition, offset]) => ({
          consumer_group: group,
          topic,
          partition,
          written_through: offset,
        })),
        format: 'JSONEachRow',
      });
    },
    /** partition → highest offset whose traces some member of the group has written */
    async progressOf(group: string, topic: string): Promise<Map<number, number>> {
      const rows = await this.select<{ partition: number; through: string }>(
        `SELECT partition, max(written_through) AS through FROM sampler_progress
         WHERE consumer_group = {group:String} AND topic = {topic:String} GROUP BY partition`,
        { group, topic },
      );
      return new Map(rows.map((r) => [Number(r.partition), Number(r.through)]));
    },
    /**
     * parked_traces and parked_batches (and recent_spans, written before 0015) keep traces this
     * long: the late-verdict horizon, sampling.recent_horizon.
     */
    async setRecentHorizon(ms: number) {
      const hours = Math.max(1, Math.round(ms / 3_600_000));
      const ttl = { parked_traces: 'ts', parked_batches: 'ts', recent_spans: 'toDateTime(ts)' } as const;
      for (const [name, ts] of Object.entries(ttl)) {
        const [table] = await this.select<{ q: string }>(
          'SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {name:String}',
          { name },
        );
        if (table?.q.includes(`toIntervalHour(${hours})`)) continue;
        // the new TTL applies as parts are merged or dropped; rewriting every part now would stall the start
        await writer.command({
          query: `ALTER TABLE ${name} MODIFY TTL ${ts} + INTERVAL ${hours} HOUR DELETE`,
          clickhouse_settings: { materialize_ttl_after_modify: 0 },
        });
      }
    },
    async insertVerdicts(rows: VerdictRow[]) {
      if (rows.length === 0) return;
      await writer.insert({
        table: 'verdicts',
        values: rows.map((r) => ({ ...r, ts: Math.round(r.ts) })),
        format: 'JSONEachRow',
        clickhouse_settings: INSERT_SETTINGS,
      });
    },
    /** User SQL: checked, read-only, limited, deduplicated (see user-sql.ts, client.ts). Returns the encoded result. */
    async readOnlyQuery(sql: string, format: ResultFormat = 'json'): Promise<string> {
      return userSql(sql, CLICKHOUSE_FORMAT[format]);
    },
    /** livegrade's own reads (tests, services): JSON rows, on the writer session. */
    select: jsonRows(writer),
  };
}

export type Repository = ReturnType<typeof createRepository>;
