import type { ClickHouseClient } from '@clickhouse/client';
import {
  Attr,
  type EvalCandidate,
  type EvalCandidates,
  type EvalPayload,
  type HardReason,
  RequestError,
  type SliceExclusions,
  sliceKeyOf,
} from '@livegrade/core';
import { decisionFactsBetweenParams } from './decision-facts.ts';
import { type Int64Text, jsonRows } from './json-rows.ts';

/** An export request the store cannot serve as asked: the message says what to change. */
export class EvalsetError extends RequestError {
  override name = 'EvalsetError';
}

export interface CandidateRequest {
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, exclusive */
  to: number;
  sliceBy: readonly string[];
}

/** A chosen decision whose payloads are wanted: its trace id prunes sampled_spans, ordered by trace. */
export interface PayloadRef {
  decision_id: string;
  trace_id: string;
}

/** A decision span's time and its decision row's agree to the microsecond's rounding; this covers it with room. */
const SPAN_SLACK_MS = 60_000;
const ID_CHUNK = 10_000;

/**
 * Whether a sampled decision's kept decision span recorded an input. Both
 * export queries join it to the decision facts of [from, to)
 * (decision-facts.ts: the human label, what failed, thumbs-downs); the
 * candidates keep the rows with a label and an input.
 */
const SPANS = `
  WITH spans AS (
    SELECT decision_id, trace_id, max(attributes['${Attr.input}'] != '') AS has_input
    FROM sampled_spans FINAL
    WHERE decision_id != ''
      AND ts >= fromUnixTimestamp64Milli({spans_from:Int64}) AND ts < fromUnixTimestamp64Milli({spans_to:Int64})
    GROUP BY decision_id, trace_id
  )`;

const FROM = `
  FROM ${decisionFactsBetweenParams()}
  LEFT JOIN spans AS s ON s.decision_id = d.decision_id AND s.trace_id = d.trace_id
  WHERE d.sampled`;

/**
 * The candidates query, recorded whole in each manifest. Hard reasons are
 * the view's separate columns: failed (decision-time signals), overridden,
 * thumbs_down.
 */
export const CANDIDATES_SQL = `${SPANS}
  SELECT toUnixTimestamp64Milli(d.ts) AS ts_ms, d.decision_id AS decision_id, d.trace_id AS trace_id,
         d.decision_type AS decision_type, d.slices AS slices, d.model_version AS model_version,
         d.label AS model_label, d.reference_label AS human_label, d.sample_weight AS sample_weight,
         d.failed AS failed, d.overridden AS overridden, d.thumbs_down AS thumbs_down
  ${FROM}
    AND d.reference_label != '' AND s.has_input
  ORDER BY d.decision_id
  SETTINGS join_use_nulls = 0`;

const EXCLUSIONS_SQL = `${SPANS}
  SELECT d.decision_type AS decision_type, arrayMap(k -> d.slices[k], {dims:Array(String)}) AS dim_values,
         count() AS sampled, countIf(d.reference_label = '') AS no_human_label,
         countIf(d.reference_label != '' AND NOT s.has_input) AS no_input
  ${FROM}
  GROUP BY decision_type, dim_values
  SETTINGS join_use_nulls = 0`;

interface CandidateText {
  ts_ms: Int64Text;
  decision_id: string;
  trace_id: string;
  decision_type: string;
  slices: Record<string, string>;
  model_version: string;
  model_label: string;
  human_label: string;
  sample_weight: number;
  failed: boolean | number;
  overridden: boolean | number;
  thumbs_down: boolean | number;
}

function hardReasons(r: CandidateText): HardReason[] {
  const reasons: HardReason[] = [];
  if (Number(r.failed)) reasons.push('failure');
  if (Number(r.overridden)) reasons.push('override');
  if (Number(r.thumbs_down)) reasons.push('thumbs_down');
  return reasons;
}

/** What an eval-set export reads: candidates for a window, then the payloads of those chosen. */
export function createEvalsetRepository(writer: ClickHouseClient) {
  const rows = jsonRows(writer);
  return {
    async evalsetCandidates(req: CandidateRequest): Promise<EvalCandidates> {
      if (!Number.isFinite(req.from) || !Number.isFinite(req.to)) throw new EvalsetError('from and to must be times');
      if (req.from >= req.to) {
        throw new EvalsetError(
          `from (${iso(req.from)}) must be before to (${iso(req.to)}): an eval set covers [from, to)`,
        );
      }
      const sliceBy = [...req.sliceBy];
      const sliceOf = sliceKeyOf(sliceBy);
      const params = {
        from: Math.floor(req.from),
        to: Math.ceil(req.to),
        spans_from: Math.floor(req.from - SPAN_SLACK_MS),
        spans_to: Math.ceil(req.to + SPAN_SLACK_MS),
      };
      const found = await rows<CandidateText>(CANDIDATES_SQL, params);
      const candidates: EvalCandidate[] = found.map((r) => ({
        decision_id: r.decision_id,
        trace_id: r.trace_id,
        ts: Number(r.ts_ms),
        decision_type: r.decision_type,
        slice: sliceOf(r.decision_type, r.slices),
        slices: r.slices,
        model_version: r.model_version,
        model_label: r.model_label,
        human_label: r.human_label,
        hard_reasons: hardReasons(r),
        sample_weight: Number(r.sample_weight),
      }));
      const groups = await rows<{
        decision_type: string;
        dim_values: string[];
        sampled: Int64Text;
        no_human_label: Int64Text;
        no_input: Int64Text;
      }>(EXCLUSIONS_SQL, { ...params, dims: sliceBy });
      // dimensions are grouped in slice_by's order; the key wants them by name
      const excluded = new Map<string, SliceExclusions>();
      for (const g of groups) {
        const slice = sliceOf(g.decision_type, Object.fromEntries(sliceBy.map((d, i) => [d, g.dim_values[i] ?? ''])));
        const e = excluded.get(slice) ?? { slice, sampled: 0, no_human_label: 0, no_input: 0 };
        e.sampled += Number(g.sampled);
        e.no_human_label += Number(g.no_human_label);
        e.no_input += Number(g.no_input);
        excluded.set(slice, e);
      }
      return {
        query: { sql: CANDIDATES_SQL.trim(), params },
        slice_by: sliceBy,
        from: req.from,
        to: req.to,
        rows: candidates,
        excluded: [...excluded.values()].sort((a, b) => (a.slice < b.slice ? -1 : a.slice > b.slice ? 1 : 0)),
      };
    },

    /** livegrade.input, .context and .output of the decision spans of these decisions, by decision id. */
    async evalsetPayloads(refs: readonly PayloadRef[]): Promise<Map<string, EvalPayload>> {
      const out = new Map<string, EvalPayload>();
      for (let i = 0; i < refs.length; i += ID_CHUNK) {
        const chunk = refs.slice(i, i + ID_CHUNK);
        const found = await rows<EvalPayload & { decision_id: string }>(
          `SELECT decision_id,
                  argMax(attributes['${Attr.input}'], ingested_at) AS input,
                  argMax(attributes['${Attr.context}'], ingested_at) AS context,
                  argMax(attributes['${Attr.output}'], ingested_at) AS output
           FROM sampled_spans FINAL
           WHERE trace_id IN (SELECT arrayJoin({traces:Array(String)}))
             AND decision_id IN (SELECT arrayJoin({ids:Array(String)}))
           GROUP BY decision_id`,
          { traces: [...new Set(chunk.map((r) => r.trace_id))], ids: chunk.map((r) => r.decision_id) },
        );
        for (const { decision_id, ...payload } of found) out.set(decision_id, payload);
      }
      return out;
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
