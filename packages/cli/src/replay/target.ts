import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BankCase,
  type CaseRun,
  describeIssues,
  ReplayResponse,
  replayRequest,
  type TransportStats,
} from '@livegrade/core';

/** The target cannot be connected to at all: the replay stops, since every other case would fail the same way. */
export class TargetUnreachable extends Error {
  override name = 'TargetUnreachable';
}

/** A run that was cut short because the replay stopped; it is not recorded as a run. */
export class ReplayStopped extends Error {
  override name = 'ReplayStopped';
}

export interface TargetOptions {
  url: string;
  runId: string;
  timeoutMs: number;
  /** further tries of a request that timed out, could not connect, or got a 5xx or 429 */
  retries: number;
  /** first backoff; doubled per retry, with jitter */
  backoffMs?: number;
  /** aborts every request in flight (the replay stopped) */
  signal?: AbortSignal;
}

/** A 429's Retry-After is honoured up to this; a longer one would stall the gate beyond its timeouts. */
const MAX_RETRY_AFTER_MS = 30_000;
const MAX_BACKOFF_MS = 5_000;

/** Error codes meaning the connection was never made (as opposed to one that broke). */
const CANNOT_CONNECT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

type Attempt =
  | { ok: true; response: ReplayResponse }
  | { ok: false; error: string; retry: boolean; cannotConnect?: boolean; timedOut?: boolean; retryAfterMs?: number };

/**
 * The candidate endpoint, as the replay uses it: one POST per run of a case,
 * each try bounded by a timeout, failed tries retried a bounded number of
 * times with exponential backoff. What happened on the wire is counted in
 * `stats`, so retries and timeouts are reported rather than hidden.
 */
export function createTargetClient(opts: TargetOptions) {
  const stats: TransportStats = { requests: 0, retries: 0, timeouts: 0, errors: 0 };
  const declaredVersions = new Set<string>();
  const backoffMs = opts.backoffMs ?? 200;

  async function attempt(body: string, headers: Record<string, string>): Promise<Attempt> {
    const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
    try {
      const res = await fetch(opts.url, { method: 'POST', headers, body, signal: AbortSignal.any(signals) });
      const text = await res.text();
      if (!res.ok) {
        const retry = res.status >= 500 || res.status === 429;
        return {
          ok: false,
          error: `HTTP ${res.status} from the target${text ? `: ${snippet(text)}` : ''}`,
          retry,
          ...(retry ? { retryAfterMs: retryAfter(res.headers.get('retry-after')) } : {}),
        };
      }
      return parseResponse(text);
    } catch (err) {
      if (opts.signal?.aborted) throw new ReplayStopped('the replay stopped');
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') {
        return { ok: false, error: `timed out after ${opts.timeoutMs}ms`, retry: true, timedOut: true };
      }
      const code = e.cause?.code;
      const detail = code ?? e.cause?.message ?? e.message;
      return {
        ok: false,
        error: `request failed: ${detail}`,
        retry: true,
        cannotConnect: CANNOT_CONNECT.has(code ?? ''),
      };
    }
  }

  /** One run of one case: a CaseRun, with the error when no try got a usable answer. */
  async function run(c: BankCase, attemptNo: number): Promise<CaseRun> {
    const body = JSON.stringify(replayRequest(c));
    const headers = {
      'content-type': 'application/json',
      'x-livegrade-case-id': c.id,
      'x-livegrade-run-id': opts.runId,
      'x-livegrade-attempt': String(attemptNo),
    };
    let tries = 0;
    let timedOut = 0;
    for (;;) {
      tries++;
      stats.requests++;
      const started = performance.now();
      const a = await attempt(body, headers);
      const latency = Math.round((performance.now() - started) * 10) / 10;
      if (a.ok) {
        if (a.response.model_version) declaredVersions.add(a.response.model_version);
        const label = a.response.label;
        return {
          attempt: attemptNo,
          label,
          score: a.response.score ?? null,
          passed: label === c.expected_label,
          error: null,
          tries,
          timed_out: timedOut,
          latency_ms: latency,
        };
      }
      if (a.timedOut) {
        timedOut++;
        stats.timeouts++;
      }
      if (a.retry && tries <= opts.retries) {
        stats.retries++;
        await pause(a.retryAfterMs ?? backoff(tries, backoffMs));
        continue;
      }
      const after = tries > 1 ? ` (after ${tries} tries)` : '';
      if (a.cannotConnect) throw new TargetUnreachable(`cannot connect to ${opts.url}: ${a.error}${after}`);
      stats.errors++;
      return {
        attempt: attemptNo,
        label: null,
        score: null,
        passed: false,
        error: `${a.error}${after}`,
        tries,
        timed_out: timedOut,
        latency_ms: latency,
      };
    }
  }

  async function pause(ms: number) {
    try {
      await sleep(ms, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch {
      throw new ReplayStopped('the replay stopped');
    }
  }

  return {
    run,
    stats,
    /** model versions the candidate declared in its answers, in order of first appearance */
    declaredVersions: () => [...declaredVersions],
  };
}

export type TargetClient = ReturnType<typeof createTargetClient>;

function parseResponse(text: string): Attempt {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `bad response: the body is not JSON (${snippet(text) || 'empty'})`, retry: false };
  }
  const parsed = ReplayResponse.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: `bad response: ${describeIssues(parsed.error)} (body ${snippet(text)}); expected {"label": "...", "score"?: 0..1}`,
      retry: false,
    };
  }
  return { ok: true, response: parsed.data };
}

/** Exponential with jitter (half to full), capped, so retries of many runs do not arrive together. */
function backoff(tries: number, base: number): number {
  const ms = Math.min(MAX_BACKOFF_MS, base * 2 ** (tries - 1));
  return Math.round(ms * (0.5 + Math.random() / 2));
}

/** Retry-After in seconds or as a date; undefined when absent or unreadable (backoff applies). */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}
