import { type BankCase, type BankOccurrence, bankVersion, RequestError } from '@livegrade/core';
import { type JsonResult, occurrenceOf, type Repository } from '@livegrade/store';
import { userSql } from './user-sql.ts';

export interface CaptureResult {
  /** verdicts read were those that arrived at or after this (engine time, epoch ms) */
  since: number;
  /** the new watermark */
  through: number;
  /** occurrences written: decisions newly captured (or captured again with another expected label) */
  captured: number;
  overrides: number;
  labelled_failures: number;
  /** cases those occurrences belong to */
  cases: number;
  /** candidates left for a later run: no kept input (yet) */
  skipped_no_input: number;
}

/**
 * One capture pass: every decision a human overrode, or that failed and
 * has a human label, becomes an occurrence of the case its input
 * fingerprints to. Reads verdicts from the watermark minus `lookbackMs`,
 * writes what is not there yet, then moves the watermark to the engine
 * time the pass started at. Running it twice, or on two workers at once,
 * writes the same rows, which the table collapses.
 */
export async function captureBank(
  store: Repository,
  opts: { sliceBy: readonly string[]; lookbackMs: number },
): Promise<CaptureResult> {
  const through = await store.engineNow();
  const watermark = await store.captureWatermark();
  const since = watermark === 0 ? 0 : Math.max(0, watermark - opts.lookbackMs);
  const found = await store.captureCandidates(since);
  const occurrences = found
    .filter((c) => c.has_input)
    .map((c) =>
      occurrenceOf(c, {
        sliceBy: opts.sliceBy,
        reason: c.human_label !== c.model_label ? 'override' : 'labelled_failure',
        expectedLabel: c.human_label,
        capturedAt: through,
      }),
    );
  await store.insertOccurrences(occurrences);
  await store.recordCaptureWatermark(through);
  return {
    since,
    through,
    captured: occurrences.length,
    overrides: occurrences.filter((o) => o.reason === 'override').length,
    labelled_failures: occurrences.filter((o) => o.reason === 'labelled_failure').length,
    cases: new Set(occurrences.map((o) => o.case_id)).size,
    skipped_no_input: found.length - occurrences.length,
  };
}

/** Cases and the bank version; what `bank list` shows and what `bank replay` replays. */
export interface BankListing {
  cases: BankCase[];
  /** of the active cases, whatever is listed: the version a replay of them records */
  bank_version: string;
}

export async function listBank(store: Repository, opts: { includeRetired?: boolean } = {}): Promise<BankListing> {
  const cases = await store.bankCases(opts);
  return { cases, bank_version: bankVersion(cases.filter((c) => c.status === 'active')) };
}

export interface AddResult {
  /** decisions written as occurrences, with the case each joined */
  added: Array<{ decision_id: string; case_id: string; expected_label: string }>;
  /** distinct cases among them */
  cases: number;
  /** decisions not added, each with why */
  skipped: Array<{ decision_id: string; reason: string }>;
}

/**
 * `bank add --sql`: the user's SELECT runs on the read-only path and names
 * decisions in a `decision_id` column, and optionally what they should have
 * answered in `expected_label` (else their human label is used). Each
 * decision that cannot be a case is reported with the reason.
 */
export async function addCasesFromSql(
  store: Repository,
  sql: string,
  opts: { sliceBy: readonly string[]; now?: number },
): Promise<AddResult> {
  const result = await userSelect(store, sql);
  const columns = result.meta.map((m) => m.name);
  if (!columns.includes('decision_id')) {
    throw new RequestError(
      `the query must return a decision_id column (it returned: ${columns.join(', ') || 'no columns'}), e.g. SELECT decision_id FROM decisions WHERE ...`,
    );
  }
  const withLabel = columns.includes('expected_label');
  const wanted = new Map<string, string>();
  for (const row of result.data) {
    const id = String(row.decision_id ?? '');
    if (id !== '' && !wanted.has(id)) wanted.set(id, withLabel ? String(row.expected_label ?? '') : '');
  }
  const found = new Map((await store.bankCandidatesOf([...wanted.keys()])).map((c) => [c.decision_id, c]));
  const capturedAt = opts.now ?? Date.now();
  const occurrences: BankOccurrence[] = [];
  const skipped: AddResult['skipped'] = [];
  for (const [id, given] of wanted) {
    const c = found.get(id);
    const expected = given || c?.human_label || '';
    if (!c) skipped.push({ decision_id: id, reason: 'no decision with this id' });
    else if (!c.has_input) {
      skipped.push({ decision_id: id, reason: 'no kept input: the trace was not sampled or has no livegrade.input' });
    } else if (expected === '') {
      skipped.push({
        decision_id: id,
        reason: withLabel
          ? 'empty expected_label and no human review'
          : 'no human label: no review, and the query has no expected_label column',
      });
    } else {
      occurrences.push(
        occurrenceOf(c, { sliceBy: opts.sliceBy, reason: 'manual', expectedLabel: expected, capturedAt }),
      );
    }
  }
  await store.insertOccurrences(occurrences);
  return {
    added: occurrences.map((o) => ({
      decision_id: o.decision_id,
      case_id: o.case_id,
      expected_label: o.expected_label,
    })),
    cases: new Set(occurrences.map((o) => o.case_id)).size,
    skipped,
  };
}

/** What a refusal of the user's query reads as in the bank: "the sql query was refused: ...". */
const REFUSED: Record<string, string> = { forbidden: 'was refused', limit: 'hit a limit' };

/** The user's query through the read-only path; its refusals and engine errors say they are about the sql. */
async function userSelect(store: Repository, sql: string): Promise<JsonResult> {
  if (sql.trim() === '') throw new RequestError('sql is empty: give a SELECT that returns a decision_id column');
  try {
    return JSON.parse(await userSql(store, sql, 'json')) as JsonResult;
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    throw new RequestError(`the sql query ${REFUSED[err.kind] ?? 'failed'}: ${err.message}`, err.kind);
  }
}

/**
 * Retires an active case: it is no longer replayed, and stays listed with
 * the retired ones. Refuses an empty reason, an unknown case and one
 * already retired, each saying so.
 */
export async function retireCase(
  store: Repository,
  req: { id: string; reason: string; by: string },
  now = Date.now(),
): Promise<BankCase> {
  const reason = req.reason.trim();
  if (reason === '') {
    throw new RequestError('a reason is required to retire a case: say why it no longer applies', 'invalid', [
      { name: 'reason', reason: 'empty' },
    ]);
  }
  const found = await store.bankCase(req.id);
  if (!found) {
    throw new RequestError(`no case "${req.id}" in the bank (livegrade bank list --all lists every case)`, 'not_found');
  }
  if (found.status === 'retired') {
    const when = new Date(found.retired_at ?? 0).toISOString();
    throw new RequestError(
      `case ${req.id} was already retired on ${when} by ${found.retired_by || 'unknown'}: ${found.retired_reason}`,
      'conflict',
    );
  }
  const at = Math.round(now);
  await store.insertRetirement(req.id, reason, req.by, at);
  return { ...found, status: 'retired', retired_at: at, retired_reason: reason, retired_by: req.by };
}
