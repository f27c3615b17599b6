import type { DecisionRow, VerdictRow } from '@livegrade/core';
import type { StoreClients } from './client.ts';
import { assertReadOnlySql } from './read-only-sql.ts';
import { decisionInsertRow, SPAN_COLUMNS, type SpanRow } from './rows.ts';

export type ResultFormat = 'json' | 'csv' | 'tsv';

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

/** The one place that knows livegrade's table names and row shapes. */
export function createRepository(store: StoreClients) {
  const { writer, reader } = store;
  return {
    async insertDecisions(rows: DecisionRow[]) {
      if (rows.length === 0) return;
      await writer.insert({
        table: 'decisions',
        values: rows.map(decisionInsertRow),
        format: 'JSONEachRow',
        clickhouse_settings: INSERT_SETTINGS,
      });
    },
    /** Every span goes to recent_spans; kept ones reach sampled_spans through a view (0002_spans.sql). */
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
    async insertVerdicts(rows: VerdictRow[]) {
      if (rows.length === 0) return;
      await writer.insert({
        table: 'verdicts',
        values: rows.map((r) => ({ ...r, ts: Math.round(r.ts) })),
        format: 'JSONEachRow',
        clickhouse_settings: INSERT_SETTINGS,
      });
    },
    /** User SQL: read-only, limited, deduplicated (see client.ts). Returns the encoded result. */
    async readOnlyQuery(sql: string, format: ResultFormat = 'json'): Promise<string> {
      const query = assertReadOnlySql(sql);
      const rs = await reader.query({ query, format: CLICKHOUSE_FORMAT[format] });
      return rs.text();
    },
    /** livegrade's own reads (tests, services): JSON rows, on the writer session. */
    async select<T>(query: string, params?: Record<string, unknown>): Promise<T[]> {
      const rs = await writer.query({ query, format: 'JSONEachRow', ...(params ? { query_params: params } : {}) });
      return rs.json<T>();
    },
  };
}

export type Repository = ReturnType<typeof createRepository>;
