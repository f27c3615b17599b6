import type { ClickHouseClient } from '@clickhouse/client';
import { type BankCase, type BankOccurrence, type CaseReason, caseId, sliceKeyOf } from '@livegrade/core';
import { decisionFactsOver } from './decision-facts.ts';
import { decisionTimesOf } from './decisions-by-id.ts';
import { type Int64Text, jsonRows } from './json-rows.ts';

/**
 * A decision as the bank sees it: the decision row, its human label and
 * failure signals from the verdicts, and its recorded payloads from
 * sampled_spans (absent when the trace was not kept).
 */
export interface BankCandidate {
  decision_id: string;
  trace_id: string;
  ts: number;
  decision_type: string;
  slices: Record<string, string>;
  model_version: string;
  model_label: string;
  /** the latest senior review's label, else the latest review's; '' when nobody reviewed it */
  human_label: string;
  /** error, fallback, retry, guardrail or a thumbs-down */
  failed: boolean;
  /** the decision span was kept and carries livegrade.input */
  has_input: boolean;
  input: string;
  context: string;
}

interface CandidateRow extends Omit<BankCandidate, 'ts' | 'failed' | 'has_input'> {
  ts_ms: Int64Text;
  failed: boolean | number;
  has_input: boolean | number;
}

/** A case as the engine returns it: times as epoch-ms text, retirement as counts (toCase reads it). */
interface CaseRow
  extends Omit<
    BankCase,
    'first_seen' | 'last_seen' | 'times_seen' | 'status' | 'retired_at' | 'retired_reason' | 'retired_by'
  > {
  first_seen_ms: Int64Text;
  last_seen_ms: Int64Text;
  times_seen: Int64Text;
  retirements: Int64Text;
  retired_at_ms: Int64Text;
  retired_reason: string;
  retired_by: string;
}

const CAPTURE_PROGRESS = 'capture';

/**
 * The candidates of decisions in `ids` (a subquery yielding decision ids),
 * read from the decision facts (decision-facts.ts), so the human label and
 * what failed are scoring's.
 *
 * A pass reads in proportion to its ids, not to the store (README,
 * Performance). Found by id through 0004's bloom filter, which prunes
 * nothing for thousands of ids, a pass read decisions' id column whole. The
 * ids' decision times now come from decisions_by_id (0014, a key-value table
 * since 0017: decisions-by-id.ts); the view reads decisions in those times
 * by primary key and verdicts from the earliest of them, and decision spans
 * are read in those times too, as a decision span starts with its decision.
 * verdicts and sampled_spans are ordered by decision and trace id, so it is
 * their min/max-time indexes (idx_ts of 0008 and 0014) that leave their
 * older parts out. The engine's exact mode for FINAL would add back every
 * granule whose key range meets a selected one, here all of them; it guards
 * against versions of a row that differ in time, and a redelivered verdict
 * or a promoted span keeps its time. The exact keys (decisionKeyIn) bound
 * decisions no tighter for a pass's thousands of ids and would cost a
 * second lookup. Still growing with the store: the verdicts since a pass's
 * oldest decision, bank_occurrences' id column.
 */
function candidatesQuery(ids: string, where: string): string {
  const { from, to } = decisionTimesOf(ids);
  return `
    SELECT d.decision_id AS decision_id, d.trace_id AS trace_id, toUnixTimestamp64Milli(d.ts) AS ts_ms,
      d.decision_type AS decision_type, d.slices AS slices, d.model_version AS model_version, d.label AS model_label,
      d.reference_label AS human_label, d.flagged AS flagged,
      (d.failed OR d.thumbs_down) AS failed,
      s.has_input AS has_input, s.input AS input, s.context AS context
    FROM ${decisionFactsOver(from, to)}
    LEFT JOIN (
      SELECT decision_id,
        max(mapContains(attributes, 'livegrade.input')) AS has_input,
        any(attributes['livegrade.input']) AS input,
        any(attributes['livegrade.context']) AS context
      FROM sampled_spans FINAL
      WHERE decision_id IN (${ids}) AND ts >= ${from} - INTERVAL 1 SECOND AND ts < ${to} + INTERVAL 1 SECOND
      GROUP BY decision_id
    ) AS s ON s.decision_id = d.decision_id
    WHERE d.decision_id IN (${ids}) ${where}
    ORDER BY d.ts, d.decision_id
    SETTINGS use_skip_indexes_if_final_exact_mode = 0`;
}

const CASE_COLUMNS = `
  id, first.1 AS decision_type, first.2 AS slice, first.3 AS slices, first.4 AS input, first.5 AS context,
  l.expected_label AS expected_label, first.6 AS model_label, first.7 AS reason,
  first.8 AS source_decision_id, first.9 AS source_trace_id,
  toUnixTimestamp64Milli(c.first_seen) AS first_seen_ms, toUnixTimestamp64Milli(c.last_seen) AS last_seen_ms,
  c.times_seen AS times_seen, r.retirements AS retirements, toUnixTimestamp64Milli(r.last_retired_at) AS retired_at_ms,
  r.retired_reason AS retired_reason, r.retired_by AS retired_by`;

/**
 * Cases as the aggregate of their occurrences: the first occurrence's
 * payload (by decision time, then decision id), times seen = distinct
 * decisions, the expected label = the most frequent one, ties going to the
 * label seen latest. A case is retired once any retirement names it.
 */
const CASES_QUERY = `
  SELECT ${CASE_COLUMNS}
  FROM (
    SELECT case_id AS id,
      argMin((decision_type, slice, slices, input, context, model_label, reason, decision_id, trace_id), (ts, decision_id)) AS first,
      min(ts) AS first_seen, max(ts) AS last_seen, uniqExact(decision_id) AS times_seen
    FROM bank_occurrences FINAL GROUP BY case_id
  ) AS c
  INNER JOIN (
    SELECT case_id, argMax(expected_label, (n, last)) AS expected_label
    FROM (SELECT case_id, expected_label, count() AS n, max(ts) AS last FROM bank_occurrences FINAL GROUP BY case_id, expected_label)
    GROUP BY case_id
  ) AS l ON l.case_id = c.id
  LEFT JOIN (
    SELECT case_id, count() AS retirements, max(retired_at) AS last_retired_at,
      argMax(reason, retired_at) AS retired_reason, argMax(retired_by, retired_at) AS retired_by
    FROM bank_retirements GROUP BY case_id
  ) AS r ON r.case_id = c.id`;

/** The regression bank's tables (0011_regression_bank.sql). */
export function createBankRepository(writer: ClickHouseClient) {
  const rows = jsonRows(writer);
  const bankCase = async (id: string): Promise<BankCase | undefined> => {
    const [row] = await rows<CaseRow>(`${CASES_QUERY} WHERE id = {id:String}`, { id });
    return row ? toCase(row) : undefined;
  };
  const candidates = async (query: string, params: Record<string, unknown>): Promise<BankCandidate[]> =>
    (await rows<CandidateRow>(query, params)).map(toCandidate);

  return {
    /** Writes occurrences; one of a (case, decision) already stored is replaced, so re-capturing adds nothing. */
    async insertOccurrences(occurrences: BankOccurrence[]) {
      if (occurrences.length === 0) return;
      await writer.insert({
        table: 'bank_occurrences',
        values: occurrences.map((o) => ({ ...o, ts: Math.round(o.ts), captured_at: Math.round(o.captured_at) })),
        format: 'JSONEachRow',
      });
    },

    /** Active cases by id; with includeRetired, retired ones too (they stay in history). */
    async bankCases(opts: { includeRetired?: boolean } = {}): Promise<BankCase[]> {
      const where = opts.includeRetired ? '' : 'WHERE retirements = 0';
      return (await rows<CaseRow>(`${CASES_QUERY} ${where} ORDER BY id`)).map(toCase);
    },

    bankCase,

    /** Records a case's retirement: it is no longer replayed, and stays listed with retired cases. */
    async insertRetirement(id: string, reason: string, by: string, at: number): Promise<void> {
      await writer.insert({
        table: 'bank_retirements',
        values: [{ case_id: id, retired_at: Math.round(at), reason, retired_by: by }],
        format: 'JSONEachRow',
      });
    },

    /**
     * Decisions that should be cases and are not yet: a verdict of theirs
     * arrived at or after `since` (engine time, epoch ms), a human labelled
     * them, and the label overrides the model or the decision failed. One
     * already captured with the same expected label is left out, so a re-run
     * writes nothing new. Candidates without a kept input come back too
     * (has_input false), so capture can count them.
     */
    async captureCandidates(since: number): Promise<BankCandidate[]> {
      // thumbs-only decisions included: whether a decision has a review is the view's to say, as
      // asking verdicts (ordered by id, 8192-row granules) would read all of them for thousands of ids
      const ids = `SELECT DISTINCT decision_id FROM verdicts WHERE ingested_at >= fromUnixTimestamp64Milli({since:Int64})`;
      const where = `AND human_label != '' AND flagged
        AND (decision_id, human_label) NOT IN
          (SELECT decision_id, expected_label FROM bank_occurrences FINAL WHERE decision_id IN (${ids}))`;
      return candidates(candidatesQuery(ids, where), { since: Math.floor(since) });
    },

    /** The candidates of these decisions, whatever their verdicts (bank add --sql); unknown ids are absent. */
    async bankCandidatesOf(decisionIds: string[]): Promise<BankCandidate[]> {
      if (decisionIds.length === 0) return [];
      return candidates(candidatesQuery('SELECT arrayJoin({ids:Array(String)})', ''), { ids: decisionIds });
    },

    /** Epoch ms up to which capture has read the verdicts (0 before the first run). */
    async captureWatermark(): Promise<number> {
      const [row] = await rows<{ through: Int64Text }>(
        `SELECT toUnixTimestamp64Milli(max(captured_through)) AS through FROM bank_capture_progress WHERE name = {name:String}`,
        { name: CAPTURE_PROGRESS },
      );
      return Number(row?.through ?? 0);
    },

    async recordCaptureWatermark(through: number) {
      await writer.insert({
        table: 'bank_capture_progress',
        values: [{ name: CAPTURE_PROGRESS, captured_through: Math.round(through) }],
        format: 'JSONEachRow',
      });
    },

    /** The engine's clock: verdicts.ingested_at is stamped by it, so the watermark must be too. */
    async engineNow(): Promise<number> {
      const [row] = await rows<{ now: Int64Text }>('SELECT toUnixTimestamp64Milli(now64(3)) AS now');
      return Number(row?.now);
    },
  };
}

function toCandidate(r: CandidateRow): BankCandidate {
  return {
    decision_id: r.decision_id,
    trace_id: r.trace_id,
    ts: Number(r.ts_ms),
    decision_type: r.decision_type,
    slices: r.slices,
    model_version: r.model_version,
    model_label: r.model_label,
    human_label: r.human_label,
    failed: Boolean(r.failed),
    has_input: Boolean(r.has_input),
    input: r.input,
    context: r.context,
  };
}

function toCase(r: CaseRow): BankCase {
  const retired = Number(r.retirements) > 0;
  return {
    id: r.id,
    decision_type: r.decision_type,
    slice: r.slice,
    slices: r.slices,
    input: r.input,
    context: r.context,
    expected_label: r.expected_label,
    model_label: r.model_label,
    reason: r.reason,
    source_decision_id: r.source_decision_id,
    source_trace_id: r.source_trace_id,
    first_seen: Number(r.first_seen_ms),
    last_seen: Number(r.last_seen_ms),
    times_seen: Number(r.times_seen),
    status: retired ? 'retired' : 'active',
    retired_at: retired ? Number(r.retired_at_ms) : null,
    retired_reason: retired ? r.retired_reason : null,
    retired_by: retired ? r.retired_by : null,
  };
}

/** The occurrence a candidate makes, keyed by the fingerprint of its input. */
export function occurrenceOf(
  c: BankCandidate,
  opts: { sliceBy: readonly string[]; reason: CaseReason; expectedLabel: string; capturedAt: number },
): BankOccurrence {
  return {
    case_id: caseId(c.decision_type, c.input),
    decision_id: c.decision_id,
    trace_id: c.trace_id,
    ts: c.ts,
    decision_type: c.decision_type,
    slice: sliceKeyOf(opts.sliceBy)(c.decision_type, c.slices),
    slices: c.slices,
    model_version: c.model_version,
    model_label: c.model_label,
    expected_label: opts.expectedLabel,
    reason: opts.reason,
    input: c.input,
    context: c.context,
    captured_at: opts.capturedAt,
  };
}
