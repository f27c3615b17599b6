import { type BankCase, bankVersion, type Env, parseDuration, type ReplayParams, type Verdict } from '@livegrade/core';
import { type EvalRecord, recordEvalRun } from '@livegrade/store';
import { throughApiOrStore } from '../store-access.ts';
import { UsageError } from '../usage.ts';
import { renderReplay } from './render.ts';
import { replayCases } from './run.ts';

const USAGE = `usage:
  livegrade bank replay --target <url> [--k 5] [--concurrency 8] [--slice-bar 0.8] [--timeout 10s] [--retries 2]
                        [--model-version <v>]
Posts each active case to the candidate ({decision_type, input, context} → {label, score?, model_version?}) k times.
Exit 0: no past failure repeats and every slice is at or above the bar; 1: otherwise; 2: usage or target errors.`;

const EXIT: Record<Verdict, number> = { pass: 0, fail: 1, error: 2 };

type Flags = Record<string, string | boolean | undefined>;

/**
 * `livegrade bank replay`: the release gate. The cases come from the bank
 * (through the running instance or the store), the replay runs here without
 * holding the store, and the record is written back the same way: every
 * replay leaves a record, whatever its verdict.
 */
export async function replay(env: Env, args: string[], opts: Flags): Promise<number> {
  if (args.length !== 0) throw new UsageError(`bank replay takes flags only, not "${args.join(' ')}"\n\n${USAGE}`);
  const target = targetUrl(opts.target);
  const params = replayParams(opts);
  const modelVersion = text(opts['model-version']);
  const bank = await throughApiOrStore<{ cases: BankCase[]; bank_version: string }>(env, {
    api: (api) => api.json('GET', '/v1/bank/cases'),
    store: async (store) => {
      const cases = await store.bankCases();
      return { cases, bank_version: bankVersion(cases) };
    },
  });
  const record = await replayCases(bank.cases, { target, params, bankVersion: bank.bank_version, modelVersion });
  try {
    await writeRecord(env, record);
  } catch (err) {
    process.stdout.write(renderReplay(record));
    throw new Error(
      `the replay finished (${record.run.verdict}) but its record could not be written, so the gate does not pass: ${(err as Error).message}`,
    );
  }
  process.stdout.write(renderReplay(record));
  if (record.run.verdict === 'error') {
    process.stderr.write(
      `livegrade: bank replay could not judge the candidate: ${record.run.reasons[0] ?? 'unknown error'}\n`,
    );
  }
  return EXIT[record.run.verdict];
}

export async function writeRecord(env: Env, record: EvalRecord): Promise<void> {
  await throughApiOrStore(env, {
    api: (api) => api.json('POST', '/v1/runs', record),
    store: (store) => recordEvalRun(store, record),
  });
}

function targetUrl(value: string | boolean | undefined): string {
  const raw = text(value);
  if (!raw)
    throw new UsageError(`--target is required: the candidate's URL (http://127.0.0.1:9000/decide)\n\n${USAGE}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--target "${raw}" is not a URL: give the candidate's http(s) URL, e.g. http://127.0.0.1:9000/decide`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--target "${raw}" must be an http or https URL`);
  }
  return url.toString();
}

export function replayParams(opts: Flags): ReplayParams {
  return {
    k: integer(opts.k, '--k', 5, 1, 100),
    concurrency: integer(opts.concurrency, '--concurrency', 8, 1, 256),
    slice_bar: fraction(opts['slice-bar'], '--slice-bar', 0.8),
    timeout_ms: duration(opts.timeout, '--timeout', 10_000),
    retries: integer(opts.retries, '--retries', 2, 0, 10),
  };
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function integer(
  value: string | boolean | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = text(value);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new UsageError(`${flag} "${raw}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function fraction(value: string | boolean | undefined, flag: string, fallback: number): number {
  const raw = text(value);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${flag} "${raw}" must be a number from 0 to 1`);
  return n;
}

function duration(value: string | boolean | undefined, flag: string, fallback: number): number {
  const raw = text(value);
  if (raw === undefined) return fallback;
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch (err) {
    throw new UsageError(`${flag} "${raw}": ${(err as Error).message}`);
  }
  if (ms < 1 || ms > 600_000) throw new UsageError(`${flag} "${raw}" must be between 1ms and 10m`);
  return ms;
}
