import type { ParseArgsOptionsConfig } from 'node:util';
import type { Env, ReplayParams, Verdict } from '@livegrade/core';
import type { EvalRecord } from '@livegrade/store';
import { durationFlag, type Flags, flagText, numberFlag } from '../flags.ts';
import { withOperations } from '../operations.ts';
import { UsageError } from '../usage.ts';
import { renderReplay } from './render.ts';
import { replayCases } from './run.ts';

export const REPLAY_USAGE = `livegrade bank replay --target <url> [--k 5] [--concurrency 8] [--slice-bar 0.8] [--timeout 10s] [--retries 2]
                        [--model-version <v>]`;

export const REPLAY_FLAGS = {
  target: { type: 'string' },
  k: { type: 'string' },
  concurrency: { type: 'string' },
  'slice-bar': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  'model-version': { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

const USAGE = `usage:
  ${REPLAY_USAGE}
Posts each active case to the candidate ({decision_type, input, context} → {label, score?, model_version?}) k times.
Exit 0: no past failure repeats and every slice is at or above the bar; 1: otherwise; 2: usage or target errors.`;

const EXIT: Record<Verdict, number> = { pass: 0, fail: 1, error: 2 };

/**
 * `livegrade bank replay`: the release gate. The cases come from the bank
 * (through the running instance or the store), the replay runs here without
 * holding the store, and the record is written back the same way: every
 * replay leaves a record, whatever its verdict.
 */
export async function replay(env: Env, opts: Flags): Promise<number> {
  const target = targetUrl(flagText(opts, 'target'));
  const params = replayParams(opts);
  const modelVersion = flagText(opts, 'model-version') || undefined;
  const bank = await withOperations(env, (ops) => ops.listBank({}));
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
  await withOperations(env, (ops) => ops.recordRun(record));
}

function targetUrl(value: string | undefined): string {
  const raw = value;
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
    k:
      numberFlag(opts, 'k', { min: 1, max: 100, integer: true, what: 'a whole number of runs per case, 1 to 100' }) ??
      5,
    concurrency:
      numberFlag(opts, 'concurrency', { min: 1, max: 256, integer: true, what: 'requests in flight, 1 to 256' }) ?? 8,
    slice_bar:
      numberFlag(opts, 'slice-bar', { min: 0, max: 1, what: 'the pass rate every slice needs, 0 to 1' }) ?? 0.8,
    timeout_ms: durationFlag(opts, 'timeout', { min: 1, max: 600_000 }) ?? 10_000,
    retries:
      numberFlag(opts, 'retries', { min: 0, max: 10, integer: true, what: 'further tries of a request, 0 to 10' }) ?? 2,
  };
}
