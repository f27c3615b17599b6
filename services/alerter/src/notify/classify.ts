import { RetryAfterError, UnrecoverableJobError } from '@livegrade/jobs';

/**
 * What a failed delivery means to the queue, decided here and nowhere else:
 * 429 waits for the receiver's Retry-After, another 4xx (or a redirect,
 * which is not followed) will not get better by retrying, 5xx and network
 * failures are retried with backoff. Every error carries the HTTP `status`
 * (0 without a response), recorded in alert_events.
 *
 * Messages are written from the status and the receiver's answer only,
 * never from a URL or a library's error text (which may quote the URL), and
 * every secret handed in is scrubbed from them besides: they end up in logs
 * and in alert_events.
 */

export const DEFAULT_RETRY_AFTER_MS = 30_000;
export const MAX_RETRY_AFTER_MS = 3_600_000;
const MIN_RETRY_AFTER_MS = 1000;
const MAX_BODY_CHARS = 200;

/** 5xx, a network failure, a timeout, or an answer Slack marks as transient: retried with backoff. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** 429: retried after the receiver's Retry-After. */
export class DeliveryRateLimitedError extends RetryAfterError {
  override name = 'DeliveryRateLimitedError';
  constructor(
    message: string,
    retryAfterMs: number,
    readonly status: number,
  ) {
    super(message, retryAfterMs);
  }
}

/** A 4xx other than 429, a redirect, or a Slack error that retrying cannot fix: not retried. */
export class DeliveryRejectedError extends UnrecoverableJobError {
  override name = 'DeliveryRejectedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Who is being called, for messages, and the values that must never appear in one. */
export interface Target {
  /** e.g. `slack webhook (receiver "slack")`; must hold no secret */
  label: string;
  secrets: readonly string[];
}

/** Replaces every secret (and, for a URL, its path, which is where webhook secrets live) with [redacted]. */
export function redact(text: string, secrets: readonly string[]): string {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    needles.add(s);
    try {
      const u = new URL(s);
      if (u.pathname.length > 1) needles.add(u.pathname + u.search);
      if (u.search.length > 1) needles.add(u.search);
      if (u.password) needles.add(u.password);
    } catch {
      // not a URL: the value itself is the secret
    }
  }
  let out = text;
  // longest first, so a URL is replaced whole rather than around its redacted path
  for (const n of [...needles].sort((a, b) => b.length - a.length)) out = out.split(n).join('[redacted]');
  return out;
}

/** A response body fit for a one-line message: whitespace collapsed, at most 200 characters. */
export function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_BODY_CHARS ? `${flat.slice(0, MAX_BODY_CHARS)}…` : flat;
}

/**
 * Retry-After in ms: delta-seconds or an HTTP date; missing or unreadable
 * gives 30 s. Capped at an hour (a receiver's whim should not park an
 * alert for a day) and at least a second.
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number {
  const value = header?.trim() ?? '';
  let ms = DEFAULT_RETRY_AFTER_MS;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else if (value !== '') {
    const at = Date.parse(value);
    if (Number.isFinite(at)) ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, Math.round(ms)));
}

export interface HttpAnswer {
  status: number;
  /** the Retry-After header, if any */
  retryAfter?: string | null;
  body?: string;
}

/** null for a 2xx; otherwise the error that says what the queue should do. */
export function errorForAnswer(target: Target, answer: HttpAnswer, now = Date.now()): Error | null {
  const { status } = answer;
  if (status >= 200 && status < 300) return null;
  const said = answer.body ? `: ${excerpt(answer.body)}` : '';
  const message = (text: string) => redact(`${target.label} ${text}`, target.secrets);
  if (status === 429) {
    const ms = retryAfterMs(answer.retryAfter, now);
    return new DeliveryRateLimitedError(
      message(`rate limited (429), retrying in ${Math.round(ms / 1000)}s${said}`),
      ms,
      status,
    );
  }
  if (status >= 300 && status < 400) {
    return new DeliveryRejectedError(
      message(`answered ${status}, a redirect, which is not followed: configure the final URL${said}`),
      status,
    );
  }
  if (status >= 400 && status < 500)
    return new DeliveryRejectedError(message(`rejected the message (${status})${said}`), status);
  return new DeliveryError(message(`failed (${status})${said}`), status);
}

/**
 * A request that got no answer. Only the error's name and system code are
 * kept (TimeoutError, ECONNREFUSED, ENOTFOUND...): its message and cause can
 * quote the URL.
 */
export function errorForNoAnswer(target: Target, err: unknown): DeliveryError {
  return new DeliveryError(redact(`${target.label} unreachable: ${failureCode(err)}`, target.secrets), 0);
}

function failureCode(err: unknown): string {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (name === 'TimeoutError') return 'timed out';
    if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  if (codes.length > 0) return codes.join(' ');
  return err instanceof Error && err.name === 'AbortError' ? 'aborted' : 'request failed';
}
