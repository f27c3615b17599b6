import type { ClickHouseClient } from '@clickhouse/client';
import type { BaselineInfo, SliceAggregate, SliceMetricRow } from '@livegrade/core';
import { jsonRows } from './json-rows.ts';
import {
  type AggregateRange,
  type RawSliceAggregate,
  sliceAggregatesParams,
  sliceAggregatesSql,
  toSliceAggregate,
} from './slice-aggregates.ts';

/** A baseline's identity and reference range; its slices are stored alongside. */
export interface BaselineHeader {
  name: string;
  created_at: number;
  from: number;
  to: number;
  model_version: string;
}

/** A `slice_metrics` row as read back: the row plus when it was scored. */
export type StoredSliceMetric = SliceMetricRow & { scored_at: number };

/** The scorer's and the baselines' tables (slice_metrics, baselines, baseline_activations). */
export function createScoringRepository(writer: ClickHouseClient) {
  const rows = jsonRows(writer);
  return {
    /** Every slice of every grouping set over [from, to) that has decisions, in one pass (slice-aggregates.ts). */
    async sliceAggregates(groupingSets: readonly (readonly string[])[], range: AggregateRange) {
      const raw = await rows<RawSliceAggregate>(sliceAggregatesSql(groupingSets), sliceAggregatesParams(range));
      // the empty grouping set answers even over no rows: a `*` of volume 0
      return raw.map(toSliceAggregate).filter((a) => a.volume > 0);
    },

    /** Rows of one window; its earlier rows are replaced (ReplacingMergeTree on the window identity). */
    async insertSliceMetrics(metrics: readonly SliceMetricRow[], scoredAt = Date.now()) {
      if (metrics.length === 0) return;
      await writer.insert({
        table: 'slice_metrics',
        values: metrics.map((m) => ({ ...m, scored_at: scoredAt })),
        format: 'JSONEachRow',
      });
    },

    /** The latest run of one window, ordered by slice and metric. */
    async windowMetrics(window: { start: number; end: number }): Promise<StoredSliceMetric[]> {
      const raw = await rows<Record<string, unknown>>(
        `SELECT *, toUnixTimestamp64Milli(window_start) AS ws, toUnixTimestamp64Milli(window_end) AS we,
                toUnixTimestamp64Milli(scored_at) AS sa
         FROM slice_metrics FINAL
         WHERE window_start = fromUnixTimestamp64Milli({start:Int64}) AND window_end = fromUnixTimestamp64Milli({end:Int64})
         ORDER BY slice, metric`,
        { start: window.start, end: window.end },
      );
      return raw.map((r) => {
        const { ws, we, sa, ...rest } = r as Record<string, unknown> & { ws: string; we: string; sa: string };
        return {
          ...(rest as unknown as SliceMetricRow),
          window_start: Number(ws),
          window_end: Number(we),
          n: Number(rest.n),
          baseline_n: Number(rest.baseline_n),
          degraded: Boolean(rest.degraded),
          scored_at: Number(sa),
        };
      });
    },

    async baselineExists(name: string): Promise<boolean> {
      const r = await rows<{ n: string }>('SELECT count() AS n FROM baselines WHERE name = {name:String}', { name });
      return Number(r[0]?.n ?? 0) > 0;
    },

    /** Writes a baseline in one insert: it is either there whole or not at all. */
    async insertBaseline(header: BaselineHeader, slices: readonly SliceAggregate[]) {
      await writer.insert({
        table: 'baselines',
        values: slices.map((s) => ({
          ...s,
          name: header.name,
          created_at: header.created_at,
          from_ts: header.from,
          to_ts: header.to,
          model_version: header.model_version,
        })),
        format: 'JSONEachRow',
      });
    },

    async listBaselines(): Promise<BaselineInfo[]> {
      const raw = await rows<Record<string, string>>(
        `WITH (SELECT argMax(name, activated_at) FROM baseline_activations) AS active_name
         SELECT name,
                toUnixTimestamp64Milli(any(created_at)) AS created_at,
                toUnixTimestamp64Milli(any(from_ts)) AS from_ts,
                toUnixTimestamp64Milli(any(to_ts)) AS to_ts,
                any(model_version) AS model_version,
                count() AS slices,
                sumIf(volume, slice = '*') AS volume,
                name = active_name AS active
         FROM baselines GROUP BY name ORDER BY created_at`,
      );
      return raw.map((r) => ({
        name: r.name!,
        created_at: Number(r.created_at),
        from: Number(r.from_ts),
        to: Number(r.to_ts),
        model_version: r.model_version!,
        slices: Number(r.slices),
        volume: Number(r.volume),
        active: Boolean(Number(r.active)),
      }));
    },

    async baselineSlices(name: string): Promise<SliceAggregate[]> {
      const raw = await rows<RawSliceAggregate>('SELECT * FROM baselines WHERE name = {name:String} ORDER BY slice', {
        name,
      });
      return raw.map(toSliceAggregate);
    },

    async activateBaseline(name: string, at = Date.now()) {
      await writer.insert({
        table: 'baseline_activations',
        values: [{ name, activated_at: at }],
        format: 'JSONEachRow',
      });
    },

    /** The name of the active baseline, or null when none was ever activated. */
    async activeBaseline(): Promise<string | null> {
      const r = await rows<{ name: string; n: string }>(
        'SELECT argMax(name, activated_at) AS name, count() AS n FROM baseline_activations',
      );
      return Number(r[0]?.n ?? 0) > 0 ? r[0]!.name : null;
    },
  };
}
