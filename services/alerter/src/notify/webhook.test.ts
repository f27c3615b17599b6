import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RetryAfterError, UnrecoverableJobError } from '@livegrade/jobs';
import { DeliveryError, DeliveryRateLimitedError } from './classify.ts';
import { createSender, NotifyConfigError } from './index.ts';
import { renderSlack } from './render-slack.ts';
import { renderWebhook } from './render-webhook.ts';
import { createSlackWebhookSender } from './slack-webhook.ts';
import { alert, closedPort, notification, startServer } from './test-fixtures.ts';
import { createWebhookSender } from './webhook.ts';

const n = notification([alert('decision_type=refund')]);
const SECRET = 'T0001/B0001/hushhushhush';

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<Error & { status?: number; retryAfterMs?: number }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected the send to fail');
}

describe('webhook senders over HTTP', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  after(() => server.close());
  const answer = (status: number, body = '', headers: Record<string, string> = {}) => {
    server.requests.length = 0;
    server.reply = (_req, res) => {
      res.writeHead(status, headers);
      res.end(body);
    };
  };
  const webhook = () => createWebhookSender({ receiver: 'oncall', url: `${server.url}/hooks/${SECRET}` });

  it('posts the generic JSON body once and returns the status', async () => {
    answer(200, '{"accepted":true}');
    assert.deepEqual(await webhook().send(n), { status: 200, ref: '' });
    assert.equal(server.requests.length, 1);
    const [req] = server.requests;
    assert.equal(req!.method, 'POST');
    assert.equal(req!.path, `/hooks/${SECRET}`);
    assert.match(String(req!.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req!.body), JSON.parse(JSON.stringify(renderWebhook(n))));
  });

  it('500 is a DeliveryError, retried with backoff', async () => {
    answer(500, 'boom');
    const e = await failure(webhook().send(n));
    assert.ok(e instanceof DeliveryError);
    assert.ok(!(e instanceof RetryAfterError) && !(e instanceof UnrecoverableJobError));
    assert.equal(e.status, 500);
    assert.match(e.message, /^webhook of receiver "oncall" failed \(500\): boom$/);
  });

  it("429 waits the receiver's Retry-After", async () => {
    answer(429, 'slow down', { 'retry-after': '2' });
    const e = await failure(webhook().send(n));
    assert.ok(e instanceof RetryAfterError);
    assert.ok(e instanceof DeliveryRateLimitedError);
    assert.equal(e.retryAfterMs, 2000);
    assert.equal(e.status, 429);
  });

  it('404 is not retried', async () => {
    answer(404, 'no such hook');
    const e = await failure(webhook().send(n));
    assert.ok(e instanceof UnrecoverableJobError);
    assert.equal(e.status, 404);
  });

  it('does not follow a redirect', async () => {
    answer(302, '', { location: `${server.url}/elsewhere` });
    const e = await failure(webhook().send(n));
    assert.ok(e instanceof UnrecoverableJobError);
    assert.equal(e.status, 302);
    assert.equal(server.requests.length, 1);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    server.requests.length = 0;
    server.reply = () => {};
    const started = Date.now();
    const sender = createWebhookSender({ receiver: 'oncall', url: `${server.url}/hooks/${SECRET}`, timeoutMs: 200 });
    const e = await failure(sender.send(n));
    assert.ok(e instanceof DeliveryError);
    assert.equal(e.status, 0);
    assert.equal(e.message, 'webhook of receiver "oncall" unreachable: timed out');
    assert.ok(Date.now() - started < 5000);
  });

  it('posts the Block Kit message to a Slack incoming webhook and keeps its error text', async () => {
    const slack = createSlackWebhookSender({ receiver: 'slack', url: `${server.url}/services/${SECRET}` });
    answer(200, 'ok');
    assert.deepEqual(await slack.send(n), { status: 200, ref: '' });
    const body = JSON.parse(server.requests[0]!.body);
    assert.deepEqual(body.blocks, renderSlack(n).blocks);
    assert.equal(body.text, renderSlack(n).text);

    answer(404, 'no_service');
    const e = await failure(slack.send(n));
    assert.ok(e instanceof UnrecoverableJobError);
    assert.equal(e.message, 'Slack webhook of receiver "slack" rejected the message (404): no_service');

    answer(400, 'invalid_payload');
    assert.match((await failure(slack.send(n))).message, /\(400\): invalid_payload$/);
  });
});

describe('secrets in errors', () => {
  it('never shows the URL, nor its secret path, when the connection is refused', async () => {
    const port = await closedPort();
    for (const sender of [
      createWebhookSender({ receiver: 'oncall', url: `http://127.0.0.1:${port}/hooks/${SECRET}` }),
      createSlackWebhookSender({ receiver: 'slack', url: `http://127.0.0.1:${port}/services/${SECRET}` }),
    ]) {
      const e = await failure(sender.send(n));
      assert.ok(e instanceof DeliveryError);
      assert.equal(e.status, 0);
      assert.match(e.message, /unreachable: ECONNREFUSED$/);
      const shown = `${e.message} ${e.stack} ${JSON.stringify(e)}`;
      assert.ok(!shown.includes('hushhush') && !shown.includes(`:${port}/`), shown);
    }
  });

  it('scrubs the URL from an answer that echoes it', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(404);
      res.end(`nothing at http://127.0.0.1${req.path}`);
    });
    try {
      const url = `${server.url}/hooks/${SECRET}`;
      const e = await failure(createWebhookSender({ receiver: 'oncall', url }).send(n));
      assert.ok(!e.message.includes('hushhush'), e.message);
    } finally {
      await server.close();
    }
  });
});

describe('createSender', () => {
  const HOOK = 'https://hooks.slack.com/services/T0/B0/xyz';
  it('picks the Slack bot with a token and a channel, else the incoming webhook', () => {
    const env = { LIVEGRADE_SLACK_BOT_TOKEN: 'xoxb-1', LIVEGRADE_SLACK_WEBHOOK_URL: HOOK };
    assert.equal(createSender('slack', { type: 'slack', channel: '#ml-alerts' }, env).kind, 'slack-bot');
    assert.equal(createSender('slack', { type: 'slack' }, env).kind, 'slack-webhook');
    assert.equal(
      createSender('slack', { type: 'slack', channel: '#x' }, { LIVEGRADE_SLACK_WEBHOOK_URL: HOOK }).kind,
      'slack-webhook',
    );
    assert.equal(
      createSender('oncall', { type: 'webhook', url_env: 'ONCALL_URL' }, { ONCALL_URL: 'https://example.test/h' }).kind,
      'webhook',
    );
  });

  it('names the receiver and the missing variable, never a secret value', () => {
    const fails = (f: () => unknown, pattern: RegExp) => {
      assert.throws(f, (e: Error) => {
        assert.ok(e instanceof NotifyConfigError && e instanceof UnrecoverableJobError);
        assert.match(e.message, pattern);
        return true;
      });
    };
    fails(
      () => createSender('slack', { type: 'slack', channel: '#x' }, {}),
      /receiver "slack".*LIVEGRADE_SLACK_WEBHOOK_URL/,
    );
    fails(
      () => createSender('slack', { type: 'slack' }, { LIVEGRADE_SLACK_BOT_TOKEN: 'xoxb-1' }),
      /receiver "slack" \(type slack\) has no channel.*LIVEGRADE_SLACK_WEBHOOK_URL is not set/,
    );
    fails(
      () => createSender('oncall', { type: 'webhook', url_env: 'ONCALL_URL' }, { ONCALL_URL: '' }),
      /receiver "oncall".*ONCALL_URL/,
    );
    fails(
      () => createSender('oncall', { type: 'webhook', url_env: 'ONCALL_URL' }, { ONCALL_URL: 'not a url hushhush' }),
      /^receiver "oncall": ONCALL_URL is not a valid URL$/,
    );
  });
});
