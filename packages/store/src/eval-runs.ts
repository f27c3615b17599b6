import type { ClickHouseClient } from '@clickhouse/client';
import type { CaseResult, EvalRun, Signoff, Verdict } from '@livegrade/core';
import { type Int64Text, jsonRows } from './json-rows.ts';

/** A replay's whole record: the run and one result per case. */
export interface EvalRecord {
  run: EvalRun;
  results: CaseResult[];
}

const RUN_COLUMNS = `id, toUnixTimestamp64Milli(started_at) AS started_at_ms, toUnixTimestamp64Milli(finished_at) AS finished_at_ms,
  target, model_version, bank_version, params, cases, pass_rate, pass_k, repeated, slices, worst_slice, verdict, reasons,
  requests, retries, timeouts, errors`;

interface RunRow {
  id: string;
  started_at_ms: Int64Text;
  finished_at_ms: Int64Text;
  target: string;
  model_version: string;
  bank_version: string;
  params: string;
  cases: number;
  pass_rate: number;
  pass_k: number;
  repeated: number;
  slices: string;
  worst_slice: string | null;
  verdict: Verdict;
  reasons: string[];
  requests: Int64Text;
  retries: Int64Text;
  timeouts: Int64Text;
  errors: Int64Text;
}

/** A result as the engine returns it: booleans may come back as 0/1, runs as JSON text. */
interface ResultRow extends Omit<CaseResult, 'repeated' | 'same_wrong_label' | 'runs'> {
  repeated: boolean | number;
  same_wrong_label: boolean | number;
  runs: string;
}

interface SignoffRow {
  run_id: string;
  reviewer: string;
  note: string;
  at_ms: Int64Text;
}

function toEvalRun(r: RunRow, signoffs: Signoff[]): EvalRun {
  return {
    id: r.id,
    started_at: Number(r.started_at_ms),
    finished_at: Number(r.finished_at_ms),
    target: r.target,
    model_version: r.model_version,
    bank_version: r.bank_version,
    params: JSON.parse(r.params),
    cases: Number(r.cases),
    overall: { pass_rate: r.pass_rate, pass_k: r.pass_k, repeated: Number(r.repeated) },
    slices: JSON.parse(r.slices),
    worst_slice: r.worst_slice,
    verdict: r.verdict,
    reasons: r.reasons,
    transport: {
      requests: Number(r.requests),
      retries: Number(r.retries),
      timeouts: Number(r.timeouts),
      errors: Number(r.errors),
    },
    signoffs,
  };
}

function toCaseResult(r: ResultRow): CaseResult {
  return {
    case_id: r.case_id,
    slice: r.slice,
    decision_type: r.decision_type,
    expected_label: r.expected_label,
    model_label: r.model_label,
    times_seen: Number(r.times_seen),
    runs: JSON.parse(r.runs),
    passes: Number(r.passes),
    failures: Number(r.failures),
    errors: Number(r.errors),
    repeated: Boolean(r.repeated),
    same_wrong_label: Boolean(r.same_wrong_label),
  };
}

/**
 * Evaluation records of replays (0012_eval_runs.sql): eval_runs,
 * eval_run_results and the append-only eval_run_signoffs. Times are epoch ms.
 */
export function createEvalRunsRepository(writer: ClickHouseClient) {
  const rows = jsonRows(writer);

  async function signoffsOf(ids: string[]): Promise<Map<string, Signoff[]>> {
    const out = new Map<string, Signoff[]>();
    if (ids.length === 0) return out;
    const raw = await rows<SignoffRow>(
      `SELECT run_id, reviewer, note, toUnixTimestamp64Milli(at) AS at_ms FROM eval_run_signoffs
       WHERE run_id IN (SELECT arrayJoin({ids:Array(String)})) ORDER BY run_id, at`,
      { ids },
    );
    for (const r of raw) {
      out.set(r.run_id, [...(out.get(r.run_id) ?? []), { reviewer: r.reviewer, note: r.note, at: Number(r.at_ms) }]);
    }
    return out;
  }

  return {
    /** Writes a record: its results first, so a run that can be read always has them. */
    async insertEvalRun(run: EvalRun, results: CaseResult[]) {
      if (results.length > 0) {
        await writer.insert({
          table: 'eval_run_results',
          values: results.map((r) => ({
            run_id: run.id,
            case_id: r.case_id,
            slice: r.slice,
            decision_type: r.decision_type,
            expected_label: r.expected_label,
            model_label: r.model_label,
            times_seen: r.times_seen,
            passes: r.passes,
            failures: r.failures,
            errors: r.errors,
            repeated: r.repeated,
            same_wrong_label: r.same_wrong_label,
            runs: JSON.stringify(r.runs),
          })),
          format: 'JSONEachRow',
        });
      }
      await writer.insert({
        table: 'eval_runs',
        values: [
          {
            id: run.id,
            started_at: run.started_at,
            finished_at: run.finished_at,
            target: run.target,
            model_version: run.model_version,
            bank_version: run.bank_version,
            params: JSON.stringify(run.params),
            cases: run.cases,
            pass_rate: run.overall.pass_rate,
            pass_k: run.overall.pass_k,
            repeated: run.overall.repeated,
            slices: JSON.stringify(run.slices),
            worst_slice: run.worst_slice,
            verdict: run.verdict,
            reasons: run.reasons,
            ...run.transport,
          },
        ],
        format: 'JSONEachRow',
      });
      if (run.signoffs.length > 0) {
        await writer.insert({
          table: 'eval_run_signoffs',
          values: run.signoffs.map((s) => ({ run_id: run.id, ...s })),
          format: 'JSONEachRow',
        });
      }
    },

    /** Runs newest first, with their sign-offs. */
    async evalRuns(opts: { limit?: number } = {}): Promise<EvalRun[]> {
      const raw = await rows<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM eval_runs FINAL ORDER BY started_at DESC, id DESC LIMIT {limit:UInt32}`,
        { limit: opts.limit ?? 50 },
      );
      const signoffs = await signoffsOf(raw.map((r) => r.id));
      return raw.map((r) => toEvalRun(r, signoffs.get(r.id) ?? []));
    },

    async evalRun(id: string): Promise<EvalRun | null> {
      const [r] = await rows<RunRow>(`SELECT ${RUN_COLUMNS} FROM eval_runs FINAL WHERE id = {id:String}`, { id });
      if (!r) return null;
      return toEvalRun(r, (await signoffsOf([id])).get(id) ?? []);
    },

    /** A run's per-case results, worst first within each slice: repeated, then errors, then by id. */
    async evalRunResults(id: string): Promise<CaseResult[]> {
      const raw = await rows<ResultRow>(
        `SELECT case_id, slice, decision_type, expected_label, model_label, times_seen, passes, failures, errors,
                repeated, same_wrong_label, runs
         FROM eval_run_results FINAL WHERE run_id = {id:String}
         ORDER BY slice, repeated DESC, errors DESC, case_id`,
        { id },
      );
      return raw.map(toCaseResult);
    },

    async insertSignoff(runId: string, s: Signoff) {
      await writer.insert({
        table: 'eval_run_signoffs',
        values: [{ run_id: runId, reviewer: s.reviewer, note: s.note, at: s.at }],
        format: 'JSONEachRow',
      });
    },
  };
}
