import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryAfterError, UnrecoverableJobError } from '@livegrade/jobs';
import {
  DeliveryError,
  DeliveryRateLimitedError,
  DeliveryRejectedError,
  errorForAnswer,
  errorForNoAnswer,
  redact,
  retryAfterMs,
} from './classify.ts';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const SECRET_URL = 'https://hooks.slack.com/services/T000/B000/s3cr3tS3CR3T';
const target = { label: 'Slack webhook of receiver "slack"', secrets: [SECRET_URL] };

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, defaults to 30 s, caps at an hour', () => {
    assert.equal(retryAfterMs('2', NOW), 2000);
    assert.equal(retryAfterMs(' 7 ', NOW), 7000);
    assert.equal(retryAfterMs(new Date(NOW + 90_000).toUTCString(), NOW), 90_000);
    assert.equal(retryAfterMs(null, NOW), 30_000);
    assert.equal(retryAfterMs('soon', NOW), 30_000);
    assert.equal(retryAfterMs('86400', NOW), 3_600_000);
    // a date already past, or 0: still a pause, not a hot loop
    assert.equal(retryAfterMs(new Date(NOW - 60_000).toUTCString(), NOW), 1000);
    assert.equal(retryAfterMs('0', NOW), 1000);
  });
});

describe('errorForAnswer', () => {
  it('is null for a 2xx', () => {
    assert.equal(errorForAnswer(target, { status: 200, body: 'ok' }), null);
    assert.equal(errorForAnswer(target, { status: 204 }), null);
  });

  it('maps 429 to RetryAfterError, another 4xx or a redirect to UnrecoverableJobError, 5xx to DeliveryError', () => {
    const limited = errorForAnswer(target, { status: 429, retryAfter: '2' }, NOW);
    assert.ok(limited instanceof RetryAfterError && limited instanceof DeliveryRateLimitedError);
    assert.equal(limited.retryAfterMs, 2000);
    assert.equal(limited.status, 429);

    const rejected = errorForAnswer(target, { status: 404, body: 'no_service' });
    assert.ok(rejected instanceof UnrecoverableJobError && rejected instanceof DeliveryRejectedError);
    assert.equal(rejected.status, 404);
    assert.equal(rejected.message, 'Slack webhook of receiver "slack" rejected the message (404): no_service');

    const moved = errorForAnswer(target, { status: 301 });
    assert.ok(moved instanceof DeliveryRejectedError);
    assert.equal(moved.status, 301);

    const failed = errorForAnswer(target, { status: 503, body: 'upstream down' });
    assert.ok(failed instanceof DeliveryError);
    assert.ok(!(failed instanceof RetryAfterError) && !(failed instanceof UnrecoverableJobError));
    assert.equal(failed.status, 503);
  });

  it('keeps at most 200 characters of the answer, on one line', () => {
    const e = errorForAnswer(target, { status: 400, body: `invalid_payload\n${'x'.repeat(500)}` })!;
    const said = e.message.slice(e.message.indexOf(': ') + 2);
    assert.ok(said.startsWith('invalid_payload x'));
    assert.equal(said.length, 201);
    assert.ok(!e.message.includes('\n'));
  });

  it('scrubs the URL, and its secret path, from what the receiver answered', () => {
    const e = errorForAnswer(target, {
      status: 404,
      body: `no route for ${SECRET_URL} (path /services/T000/B000/s3cr3tS3CR3T)`,
    })!;
    assert.ok(!e.message.includes('s3cr3t'), e.message);
    assert.match(e.message, /no route for \[redacted\] \(path \[redacted\]\)/);
  });
});

describe('errorForNoAnswer', () => {
  it('keeps the system code and the timeout, never the error text', () => {
    const refused = Object.assign(new TypeError(`fetch failed for ${SECRET_URL}`), {
      cause: Object.assign(new Error(`connect ECONNREFUSED ${SECRET_URL}`), { code: 'ECONNREFUSED' }),
    });
    const e = errorForNoAnswer(target, refused);
    assert.equal(e.message, 'Slack webhook of receiver "slack" unreachable: ECONNREFUSED');
    assert.equal(e.status, 0);
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.equal(errorForNoAnswer(target, timeout).message, 'Slack webhook of receiver "slack" unreachable: timed out');
  });
});

describe('redact', () => {
  it('replaces a token, a URL, and the URL path on its own', () => {
    assert.equal(redact('bad xoxb-123 here', ['xoxb-123']), 'bad [redacted] here');
    assert.equal(
      redact(`${SECRET_URL} and /services/T000/B000/s3cr3tS3CR3T`, [SECRET_URL]),
      '[redacted] and [redacted]',
    );
    assert.equal(redact('nothing to hide', ['', 'xoxb-1']), 'nothing to hide');
  });
});
