import { randomBytes } from 'node:crypto';
import {
  type BankCase,
  type CaseRun,
  caseResult,
  type EvalRun,
  type ReplayParams,
  summariseReplay,
} from '@livegrade/core';
import type { EvalRecord } from '@livegrade/store';
import { runPool } from './pool.ts';
import { createTargetClient, ReplayStopped, TargetUnreachable } from './target.ts';

export interface ReplayOptions {
  target: string;
  params: ReplayParams;
  bankVersion: string;
  /** --model-version: what the release is, when the candidate does not say */
  modelVersion?: string | undefined;
  runId?: string;
  backoffMs?: number;
  now?: () => number;
}

/** `run-20261120-101500-3f9a1c`: sortable by time, unique without coordination. */
export function newRunId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Replays every case k times against the target and returns the record to
 * write. A target that cannot be connected to stops the replay at once (the
 * record says so, verdict `error`); any other failed run is recorded with its
 * error and the replay goes on, so one record shows everything that went wrong.
 */
export async function replayCases(cases: readonly BankCase[], opts: ReplayOptions): Promise<EvalRecord> {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const runId = opts.runId ?? newRunId(startedAt);
  const stop = new AbortController();
  const client = createTargetClient({
    url: opts.target,
    runId,
    timeoutMs: opts.params.timeout_ms,
    retries: opts.params.retries,
    signal: stop.signal,
    ...(opts.backoffMs === undefined ? {} : { backoffMs: opts.backoffMs }),
  });
  const runs = new Map<string, CaseRun[]>(cases.map((c) => [c.id, []]));
  const tasks = cases.flatMap((c) => Array.from({ length: opts.params.k }, (_, i) => ({ c, attempt: i + 1 })));
  let aborted: string | null = null;
  await runPool(
    tasks,
    opts.params.concurrency,
    async ({ c, attempt }) => {
      try {
        runs.get(c.id)!.push(await client.run(c, attempt));
      } catch (err) {
        if (err instanceof ReplayStopped) return;
        if (err instanceof TargetUnreachable) {
          aborted ??= err.message;
          stop.abort();
          return;
        }
        throw err;
      }
    },
    stop.signal,
  );
  const results = cases.map((c) =>
    caseResult(
      c,
      runs.get(c.id)!.sort((a, b) => a.attempt - b.attempt),
    ),
  );
  const summary = summariseReplay(results, { k: opts.params.k, slice_bar: opts.params.slice_bar, aborted });
  const run: EvalRun = {
    id: runId,
    started_at: startedAt,
    finished_at: now(),
    target: opts.target,
    model_version: modelVersion(opts.modelVersion, client.declaredVersions()),
    bank_version: opts.bankVersion,
    params: opts.params,
    cases: summary.cases,
    overall: summary.overall,
    slices: summary.slices,
    worst_slice: summary.worst_slice,
    verdict: summary.verdict,
    reasons: summary.reasons,
    transport: { ...client.stats },
    signoffs: [],
  };
  return { run, results };
}

/**
 * --model-version names the release; the candidate's own declaration is
 * recorded beside it when they differ, since a gate run against the wrong
 * deployment should be visible in the record.
 */
function modelVersion(flag: string | undefined, declared: string[]): string {
  const said = declared.join(', ');
  if (!flag) return said;
  if (said === '' || said === flag) return flag;
  return `${flag} (candidate declared ${said})`;
}
