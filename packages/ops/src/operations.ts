/**
 * Every operation a user can ask of livegrade, declared once: its input
 * schema (inputs.ts), the HTTP route the API serves it on, and its result
 * type. Two implementations follow this catalogue: on a store
 * (store/index.ts) and over HTTP to a running instance (http.ts). The API
 * routes and the CLI commands are thin adapters over it, so "register, then
 * activate if asked" and every other rule lives in one place.
 */
import type {
  AlertState,
  BankCase,
  BaselineInfo,
  EvalCandidates,
  EvalPayload,
  EvalRun,
  Severity,
  Silence,
  SliceAggregate,
} from '@livegrade/core';
import type { EvalRecord, ResultFormat } from '@livegrade/store';
import type { z } from 'zod';
import * as I from './inputs.ts';
import type { AddResult, BankListing, CaptureResult } from './store/bank.ts';

export interface OperationSpec {
  method: 'GET' | 'POST' | 'DELETE';
  /** with `:field` path parameters, filled from the input field of that name */
  path: string;
  input: z.ZodType;
  /** what a validation error calls the input: "invalid <what>: ..." */
  what: string;
  summary: string;
  /** the success status, 200 unless said */
  status?: 201;
  /** a larger body limit than the API's default */
  bodyLimit?: number;
  /** further routes answering the same operation (kept for scripts written against an older API) */
  aliases?: ReadonlyArray<{ method: 'POST' | 'DELETE'; path: string }>;
}

export const OPERATIONS = {
  sql: {
    method: 'POST',
    path: '/v1/sql',
    input: I.SqlInput,
    what: 'request',
    summary: 'Run a read-only SQL query over what livegrade keeps; answers in the requested format',
  },
  listBaselines: {
    method: 'GET',
    path: '/v1/baselines',
    input: I.NoInput,
    what: 'request',
    summary: 'List registered baselines and which one is active',
  },
  showBaseline: {
    method: 'GET',
    path: '/v1/baselines/:name',
    input: I.BaselineName,
    what: 'request',
    summary: "A baseline's reference range and its per-slice aggregates",
  },
  registerBaseline: {
    method: 'POST',
    path: '/v1/baselines',
    input: I.RegisterBaselineInput,
    what: 'request',
    summary: 'Snapshot the per-slice aggregates of [from, to) as a named baseline, and activate it if asked',
  },
  activateBaseline: {
    method: 'POST',
    path: '/v1/baselines/:name/activate',
    input: I.BaselineName,
    what: 'request',
    summary: 'Make a baseline the one every next window is compared with',
  },
  listAlerts: {
    method: 'GET',
    path: '/v1/alerts',
    input: I.NoInput,
    what: 'request',
    summary: 'Firing and pending alerts, worst first',
  },
  listSilences: {
    method: 'GET',
    path: '/v1/silences',
    input: I.ListInput,
    what: 'query',
    summary: 'Silences in effect (all=1: with the expired ones)',
  },
  addSilence: {
    method: 'POST',
    path: '/v1/silences',
    input: I.AddSilenceInput,
    what: 'silence',
    summary: 'Silence a rule on a slice for a while, saying why',
    status: 201,
  },
  expireSilence: {
    method: 'DELETE',
    path: '/v1/silences/:id',
    input: I.SilenceId,
    what: 'request',
    summary: 'End a silence now; it stays in the history',
    aliases: [{ method: 'POST', path: '/v1/silences/:id/expire' }],
  },
  listBank: {
    method: 'GET',
    path: '/v1/bank/cases',
    input: I.ListInput,
    what: 'query',
    summary: 'Regression bank cases and the bank version (all=1: with the retired ones)',
  },
  addBankCases: {
    method: 'POST',
    path: '/v1/bank/cases',
    input: I.AddBankCasesInput,
    what: 'request',
    summary: 'Add the decisions a SELECT names (decision_id [, expected_label]) to the bank',
  },
  retireBankCase: {
    method: 'POST',
    path: '/v1/bank/cases/:id/retire',
    input: I.RetireCaseInput,
    what: 'request',
    summary: 'Retire a case: no longer replayed, still listed with all=1',
  },
  captureBank: {
    method: 'POST',
    path: '/v1/bank/capture',
    input: I.NoInput,
    what: 'request',
    summary: 'Capture overrides and labelled failures into the bank now',
  },
  recordRun: {
    method: 'POST',
    path: '/v1/runs',
    input: I.RecordRunInput,
    what: 'record',
    summary: "Record a replay's evaluation run; a record is written once",
    status: 201,
    // a record carries every run of every case: a large bank at k=5 outgrows the default body limit
    bodyLimit: 64 * 1024 * 1024,
  },
  listRuns: {
    method: 'GET',
    path: '/v1/runs',
    input: I.ListRunsInput,
    what: 'query',
    summary: 'The latest evaluation runs',
  },
  showRun: {
    method: 'GET',
    path: '/v1/runs/:id',
    input: I.RunId,
    what: 'request',
    summary: 'One evaluation run with its per-case results',
  },
  signoffRun: {
    method: 'POST',
    path: '/v1/runs/:id/signoff',
    input: I.SignoffInput,
    what: 'sign-off',
    summary: 'Sign off a run: who accepted it and why',
  },
  evalsetCandidates: {
    method: 'POST',
    path: '/v1/evalsets/candidates',
    input: I.EvalsetCandidatesInput,
    what: 'request',
    summary: 'The candidates of an eval set over [from, to), with the SQL that found them',
  },
  evalsetPayloads: {
    method: 'POST',
    path: '/v1/evalsets/payloads',
    input: I.EvalsetPayloadsInput,
    what: 'request',
    summary: 'The recorded payloads of chosen decisions',
  },
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof OPERATIONS;

/** What a caller passes to an operation: the schema's input, before defaults and transforms. */
export type InputOf<N extends OperationName> = z.input<(typeof OPERATIONS)[N]['input']>;
/** What an implementation receives: the validated, defaulted input. */
export type ParsedInputOf<N extends OperationName> = z.output<(typeof OPERATIONS)[N]['input']>;

/** A firing or pending alert with its rule's severity (absent when the rule is no longer configured). */
export type ListedAlert = AlertState & { severity?: Severity };

export interface SqlResult {
  format: ResultFormat;
  body: string;
}

export interface Results {
  sql: SqlResult;
  listBaselines: { baselines: BaselineInfo[] };
  showBaseline: { info: BaselineInfo; slices: SliceAggregate[] };
  registerBaseline: { baseline: BaselineInfo };
  activateBaseline: { active: string };
  listAlerts: { alerts: ListedAlert[] };
  listSilences: { silences: Silence[] };
  addSilence: { silence: Silence };
  expireSilence: { silence: Silence; expired: boolean };
  listBank: BankListing;
  addBankCases: AddResult;
  retireBankCase: { case: BankCase };
  captureBank: CaptureResult;
  recordRun: { run: EvalRun };
  listRuns: { runs: EvalRun[] };
  showRun: EvalRecord;
  signoffRun: { run: EvalRun };
  evalsetCandidates: EvalCandidates;
  evalsetPayloads: { payloads: Record<string, EvalPayload> };
}

/** The operations, each taking its input object and answering its result. */
export type Operations = {
  [N in OperationName]: (input: InputOf<N>) => Promise<Results[N]>;
};

/** An implementation receives validated input (see validated()). */
export type OperationHandlers = {
  [N in OperationName]: (input: ParsedInputOf<N>) => Promise<Results[N]>;
};

export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];
