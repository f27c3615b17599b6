import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RetryAfterError, UnrecoverableJobError } from '@livegrade/jobs';
import { DeliveryError, DeliveryRateLimitedError } from './classify.ts';
import { renderSlack, renderSlackResolvedUpdate } from './render-slack.ts';
import { createSlackBotSender } from './slack-bot.ts';
import { alert, closedPort, notification, type Recorded, startServer, T0, WINDOW } from './test-fixtures.ts';

const TOKEN = 'xoxb-test-token-hushhush';
const PARENT_TS = '1763640900.000100';
const A = 'decision_type=refund';
const B = 'decision_type=cancel';

const firing = notification([alert(A), alert(B)], { id: 'r:firing:1' });
const repeat = notification([alert(A, { firing_notification: 'r:firing:1' })], { id: 'r:repeat:2', kind: 'repeat' });
const resolved = notification(
  [alert(A, { state: 'resolved', resolved_at: T0 + 3 * WINDOW, firing_notification: 'r:firing:1' })],
  { id: 'r:resolved:3', kind: 'resolved' },
);
const parent = { ref: `C1/${PARENT_TS}`, notification: firing };

/** What the Web API was sent: a form, with blocks as JSON. */
function form(r: Recorded): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(r.body));
}

async function failure(p: Promise<unknown>): Promise<Error & { status?: number; retryAfterMs?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error;
    assert.ok(!`${e.message} ${e.stack}`.includes(TOKEN), 'the token shows in no error');
    return e;
  }
  assert.fail('expected the send to fail');
}

describe('Slack bot sender (Web API stand-in on 127.0.0.1)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let posted = 0;
  const ok = (req: Recorded, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.path === '/api/chat.postMessage') {
      posted++;
      res.end(JSON.stringify({ ok: true, channel: 'C1', ts: `1763641800.00020${posted}` }));
    } else if (req.path === '/api/chat.update') res.end(JSON.stringify({ ok: true, channel: 'C1', ts: form(req).ts }));
    else res.end(JSON.stringify({ ok: false, error: 'unknown_method' }));
  };
  before(async () => {
    server = await startServer(ok);
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.reply = ok;
    posted = 0;
  });
  const bot = (timeoutMs?: number) =>
    createSlackBotSender({
      receiver: 'slack',
      channel: '#ml-alerts',
      token: TOKEN,
      apiUrl: `${server.url}/api`,
      timeoutMs,
    });

  it("posts a firing alert in the receiver's channel and returns channel/ts", async () => {
    const result = await bot().send(firing, {});
    assert.deepEqual(result, { status: 200, ref: 'C1/1763641800.000201' });
    assert.equal(server.requests.length, 1);
    const [req] = server.requests;
    assert.equal(req!.path, '/api/chat.postMessage');
    assert.equal(req!.headers.authorization, `Bearer ${TOKEN}`);
    const sent = form(req!);
    assert.equal(sent.channel, '#ml-alerts');
    assert.equal(sent.thread_ts, undefined);
    assert.equal(sent.text, renderSlack(firing).text);
    assert.deepEqual(JSON.parse(sent.blocks!), renderSlack(firing).blocks);
  });

  it("threads a repeat under the firing message, in that message's channel", async () => {
    const result = await bot().send(repeat, { parent });
    assert.equal(result.ref, 'C1/1763641800.000201');
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/api/chat.postMessage'],
    );
    const sent = form(server.requests[0]!);
    assert.equal(sent.channel, 'C1');
    assert.equal(sent.thread_ts, PARENT_TS);
  });

  it('posts a repeat whose firing message is unknown as a new message', async () => {
    await bot().send(repeat, {});
    const sent = form(server.requests[0]!);
    assert.equal(sent.channel, '#ml-alerts');
    assert.equal(sent.thread_ts, undefined);
  });

  it('on resolve, updates the firing message with the slice marked resolved, then replies in its thread', async () => {
    const earlier = [{ slice: B, resolved_at: T0 + 2 * WINDOW }];
    const result = await bot().send(resolved, { parent: { ...parent, resolved: earlier } });
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/api/chat.update', '/api/chat.postMessage'],
    );
    const update = form(server.requests[0]!);
    assert.equal(update.channel, 'C1');
    assert.equal(update.ts, PARENT_TS);
    const expected = renderSlackResolvedUpdate(firing, [...earlier, { slice: A, resolved_at: T0 + 3 * WINDOW }]);
    assert.deepEqual(JSON.parse(update.blocks!), expected.blocks);
    assert.match(JSON.parse(update.blocks!)[0].text.text, /^✅ RESOLVED/);
    const reply = form(server.requests[1]!);
    assert.equal(reply.thread_ts, PARENT_TS);
    assert.deepEqual(JSON.parse(reply.blocks!), renderSlack(resolved).blocks);
    assert.deepEqual(result, { status: 200, ref: 'C1/1763641800.000201' });
  });

  it('still announces the resolve when the firing message cannot be updated, and says so', async () => {
    server.reply = (req, res) => {
      if (req.path === '/api/chat.update') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'message_not_found' }));
      } else ok(req, res);
    };
    const result = await bot().send(resolved, { parent });
    assert.equal(result.ref, 'C1/1763641800.000201');
    assert.match(result.warning ?? '', /firing message was not updated: .*message_not_found/);
  });

  it('does not post the reply when the update failed for a reason that may pass (the job retries both)', async () => {
    server.reply = (req, res) => {
      if (req.path === '/api/chat.update') {
        res.writeHead(503);
        res.end('unavailable');
      } else ok(req, res);
    };
    const e = await failure(bot().send(resolved, { parent }));
    assert.ok(e instanceof DeliveryError);
    assert.equal(e.status, 503);
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/api/chat.update'],
    );
  });

  it("429 from the Web API is a RetryAfterError after Slack's Retry-After, with no retry of its own", async () => {
    server.reply = (_req, res) => {
      res.writeHead(429, { 'retry-after': '7' });
      res.end();
    };
    const e = await failure(bot().send(firing, {}));
    assert.ok(e instanceof RetryAfterError);
    assert.ok(e instanceof DeliveryRateLimitedError);
    assert.equal(e.retryAfterMs, 7000);
    assert.equal(e.status, 429);
    assert.equal(server.requests.length, 1);
  });

  it('429 with an HTTP-date Retry-After, which the client cannot read, still waits until that date', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    server.reply = (_req, res) => {
      res.writeHead(429, { 'retry-after': at });
      res.end();
    };
    const e = await failure(bot().send(firing, {}));
    assert.ok(e instanceof RetryAfterError);
    assert.ok(e.retryAfterMs > 110_000 && e.retryAfterMs <= 120_000, String(e.retryAfterMs));
  });

  it('a Slack error is permanent unless Slack says it is on its side', async () => {
    const platform = (error: string) => {
      server.reply = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error }));
      };
    };
    platform('channel_not_found');
    const rejected = await failure(bot().send(firing, {}));
    assert.ok(rejected instanceof UnrecoverableJobError);
    assert.equal(rejected.message, 'Slack chat.postMessage of receiver "slack" failed: channel_not_found');
    assert.equal(rejected.status, 200);

    platform('invalid_auth');
    assert.ok((await failure(bot().send(firing, {}))) instanceof UnrecoverableJobError);

    platform('internal_error');
    const transient = await failure(bot().send(firing, {}));
    assert.ok(transient instanceof DeliveryError);
  });

  it('5xx, a timeout and a refused connection are retried with backoff', async () => {
    server.reply = (_req, res) => {
      res.writeHead(502);
      res.end('bad gateway');
    };
    const bad = await failure(bot().send(firing, {}));
    assert.ok(bad instanceof DeliveryError);
    assert.equal(bad.status, 502);

    server.reply = () => {};
    const slow = await failure(bot(200).send(firing, {}));
    assert.ok(slow instanceof DeliveryError);
    assert.equal(slow.status, 0);
    assert.match(slow.message, /unreachable: timed out$/);

    const port = await closedPort();
    const refused = await failure(
      createSlackBotSender({
        receiver: 'slack',
        channel: '#ml-alerts',
        token: TOKEN,
        apiUrl: `http://127.0.0.1:${port}/api/`,
      }).send(firing, {}),
    );
    assert.ok(refused instanceof DeliveryError);
    assert.equal(refused.status, 0);
    assert.match(refused.message, /unreachable: ECONNREFUSED$/);
  });
});
