import type { FastifyReply } from '@livegrade/runtime';

/**
 * The answer when the bus did not take a request's messages. OTLP/HTTP
 * ("Failures") names 429, 502, 503 and 504 retryable; the official JS
 * exporters (@opentelemetry/otlp-exporter-base 0.301: is-export-retryable.ts)
 * retry exactly those, so a 500 drops the batch. They wait Retry-After, read
 * as whole seconds, instead of their own backoff (retrying-transport.ts: up
 * to 5 retries, else 1 s growing ×1.5 to 5 s, ±20% jitter), but only while
 * the export's timeoutMillis (10 s by default) lasts: a retry due later is
 * not made. They read no body on a retryable answer; the body is the
 * gateway's `{ "error": … }`, as on its 400s.
 */
export function answerUnavailable(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  return reply
    .code(503)
    .header('retry-after', String(retryAfterSeconds))
    .send({
      error: `the message bus did not acknowledge this request's data: send it again after ${retryAfterSeconds} s`,
    });
}
