import { ErrorCode, type Logger, LogLevel, WebClient } from '@slack/web-api';
import {
  DeliveryError,
  DeliveryRateLimitedError,
  DeliveryRejectedError,
  errorForAnswer,
  errorForNoAnswer,
  type HttpAnswer,
  redact,
  retryAfterMs,
  type Target,
} from './classify.ts';
import { DEFAULT_TIMEOUT_MS } from './http.ts';
import { type ResolvedMark, renderSlack, renderSlackResolvedUpdate, type SlackMessage } from './render-slack.ts';
import type { Sender, SendResult } from './sender.ts';

/**
 * Posts through Slack's Web API with a bot token (LIVEGRADE_SLACK_BOT_TOKEN):
 * a firing alert as a new message in the receiver's channel; a repeat or a
 * resolve as a reply in that message's thread, when its ref (`channel/ts`)
 * is known; and a resolve also rewrites the firing message with its
 * resolved slices marked.
 *
 * The client neither retries nor waits out a rate limit (the delivery queue
 * does both, with the attempt recorded), so every call is one request.
 */

const SILENT: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/** Slack errors (HTTP 200, ok:false) that say "try again later" rather than "this will never work". */
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const RATE_LIMIT_ERRORS = new Set(['ratelimited', 'rate_limited']);

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

export function parseSlackRef(ref: string): { channel: string; ts: string } | null {
  const cut = ref.indexOf('/');
  if (cut <= 0 || cut === ref.length - 1) return null;
  return { channel: ref.slice(0, cut), ts: ref.slice(cut + 1) };
}

type Method = 'chat.postMessage' | 'chat.update';

export function createSlackBotSender(opts: {
  receiver: string;
  channel: string;
  token: string;
  /** default https://slack.com/api/ */
  apiUrl?: string | undefined;
  timeoutMs?: number | undefined;
  /** the dashboard's public address: each slice's section links to its view there */
  publicUrl?: string | undefined;
}): Sender {
  const apiUrl = (opts.apiUrl ?? DEFAULT_SLACK_API_URL).replace(/\/?$/, '/');
  const label = (method: Method) => `Slack ${method} of receiver "${opts.receiver}"`;

  /**
   * One Web API call. A client per call: the response status and
   * Retry-After are captured by its fetch, and concurrent sends must not
   * read each other's.
   */
  async function call(
    method: Method,
    args: Record<string, unknown>,
  ): Promise<{ status: number; channel: string; ts: string }> {
    const target: Target = { label: label(method), secrets: [opts.token] };
    let answer: HttpAnswer | undefined;
    const client = new WebClient(opts.token, {
      slackApiUrl: apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: SILENT,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        answer = { status: res.status, retryAfter: res.headers.get('retry-after') };
        return res;
      },
    });
    try {
      const result = (await client.apiCall(method, args)) as { channel?: string; ts?: string };
      return { status: answer?.status ?? 200, channel: result.channel ?? '', ts: result.ts ?? '' };
    } catch (err) {
      throw webApiError(target, err, answer);
    }
  }

  return {
    kind: 'slack-bot',
    async send(n, ctx = {}) {
      const parent = ctx.parent && n.kind !== 'firing' ? parseSlackRef(ctx.parent.ref) : null;
      let warning: string | undefined;
      if (parent && ctx.parent && n.kind === 'resolved') {
        const marks: ResolvedMark[] = [
          ...(ctx.parent.resolved ?? []),
          ...n.alerts.map((a) => ({ slice: a.slice, resolved_at: a.resolved_at })),
        ];
        // before the reply: an update is idempotent, so when the reply fails
        // and the job is retried, nothing shows twice
        try {
          await call('chat.update', {
            channel: parent.channel,
            ts: parent.ts,
            ...renderSlackResolvedUpdate(ctx.parent.notification, marks, { publicUrl: opts.publicUrl }),
          });
        } catch (err) {
          // a deleted or too old firing message must not keep the resolve from being announced
          if (!(err instanceof DeliveryRejectedError)) throw err;
          warning = `the firing message was not updated: ${err.message}`;
        }
      }
      const message: SlackMessage = renderSlack(n, { publicUrl: opts.publicUrl });
      const posted = await call('chat.postMessage', {
        channel: parent?.channel ?? opts.channel,
        ...(parent ? { thread_ts: parent.ts } : {}),
        ...message,
        unfurl_links: false,
        unfurl_media: false,
      });
      const result: SendResult = {
        status: posted.status,
        ref: posted.channel && posted.ts ? `${posted.channel}/${posted.ts}` : '',
      };
      if (warning) result.warning = warning;
      return result;
    },
  };
}

/** A Web API failure as a delivery error; built from Slack's error code and the status, never the library's text. */
function webApiError(target: Target, err: unknown, answer: HttpAnswer | undefined): Error {
  const e = err as {
    code?: unknown;
    retryAfter?: number;
    statusCode?: number;
    headers?: Record<string, string>;
    body?: unknown;
    data?: { error?: string; needed?: string };
    original?: unknown;
  };
  const status = answer?.status ?? 0;
  // a 429 whose Retry-After the client could not read ends up a plain Error; the status says what it was
  if (e.code === ErrorCode.RateLimitedError || status === 429) {
    const header = answer?.retryAfter ?? (e.retryAfter === undefined ? null : String(e.retryAfter));
    return errorForAnswer(target, { status: 429, retryAfter: header })!;
  }
  if (e.code === ErrorCode.HTTPError) {
    const code = e.statusCode ?? status;
    const body = typeof e.body === 'string' ? e.body : '';
    return (
      errorForAnswer(target, { status: code, retryAfter: e.headers?.['retry-after'] ?? null, body }) ??
      new DeliveryError(redact(`${target.label} failed (${code})`, target.secrets), code)
    );
  }
  if (e.code === ErrorCode.PlatformError) {
    const slackError = String(e.data?.error ?? 'unknown_error');
    const needed = e.data?.needed ? ` (needs scope ${e.data.needed})` : '';
    const message = redact(`${target.label} failed: ${slackError}${needed}`, target.secrets);
    if (RATE_LIMIT_ERRORS.has(slackError)) return new DeliveryRateLimitedError(message, retryAfterMs(null), status);
    if (TRANSIENT_ERRORS.has(slackError)) return new DeliveryError(message, status);
    return new DeliveryRejectedError(message, status);
  }
  if (e.code === ErrorCode.RequestError || !answer) return errorForNoAnswer(target, e.original ?? err);
  // an answer the client could not read (not JSON, say)
  return new DeliveryError(redact(`${target.label} failed: unreadable answer (${status})`, target.secrets), status);
}
