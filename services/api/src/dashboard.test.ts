import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatValue } from '@livegrade/core';
import { createHttpServer, createLogger, type FastifyInstance } from '@livegrade/runtime';
import { urlOf, viewFrom, viewOf } from '../dashboard/state.js';
import { registerDashboard } from './dashboard.ts';

// The dashboard's files as the API serves them (Fastify's inject, no browser), and the
// URL rules of its views (dashboard/state.js, which has no DOM and runs here as it is).
// test/e2e/dashboard.test.ts drives the page itself in Chromium.

const WORST = 'decision_type=refund,language=hi';

function server(): FastifyInstance {
  const app = createHttpServer({ logger: createLogger('silent'), service: 'api', bodyLimit: 1024 });
  registerDashboard(app);
  return app;
}

/** The relative specifiers a module imports or re-exports statically (the dashboard uses no other kind). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gm)].map((m) => m[1]!);
}

describe('dashboard files', () => {
  it('serves every module the page loads, and every module those import, as JavaScript', async () => {
    const app = server();
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    const entries = [...page.body.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g)];
    const pending = entries.map((m) => m[1]!);
    assert.ok(pending.includes('/dashboard/app.js'), 'the page loads app.js as a module');
    const seen = new Set<string>();
    while (pending.length > 0) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await app.inject({ method: 'GET', url: path });
      assert.equal(res.statusCode, 200, path);
      assert.match(String(res.headers['content-type']), /^text\/javascript/, `${path}: ${res.headers['content-type']}`);
      assert.equal(res.headers['cache-control'], 'no-cache', path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
      const again = await app.inject({
        method: 'GET',
        url: path,
        headers: { 'if-none-match': String(res.headers.etag) },
      });
      assert.equal(again.statusCode, 304, `${path} revalidates`);
      assert.match(res.body, /^\/\/ @ts-check\n/, `${path} is under the type check`);
      for (const spec of importsOf(res.body)) {
        assert.ok(spec.startsWith('./'), `${path} imports ${spec}: the browser resolves only paths`);
        pending.push(new URL(spec, `http://x${path}`).pathname);
      }
    }
    for (const name of ['app', 'api', 'state', 'format', 'html', 'table', 'detail', 'trace']) {
      assert.ok(seen.has(`/dashboard/${name}.js`), `${name}.js is loaded (seen: ${[...seen].join(', ')})`);
    }
    await app.close();
  });

  it('serves the shared number format: the very file @livegrade/core runs', async () => {
    const app = server();
    const res = await app.inject({ method: 'GET', url: '/dashboard/format.js' });
    const file = new URL('format/number.js', import.meta.resolve('@livegrade/core'));
    assert.equal(res.body, readFileSync(file, 'utf8'));
    assert.equal(importsOf(res.body).length, 0, 'it imports nothing');
    // and it is the format the Node side uses
    const served = (await import(`data:text/javascript,${encodeURIComponent(res.body)}`)) as {
      formatValue: typeof formatValue;
    };
    assert.equal(served.formatValue('override_rate', 0.45), formatValue('override_rate', 0.45));
    await app.close();
  });

  it('serves no .d.ts or other file of the folder', async () => {
    const app = server();
    for (const path of ['/dashboard/format.d.ts', '/dashboard/index.html', '/dashboard/main.js']) {
      assert.equal((await app.inject({ method: 'GET', url: path })).statusCode, 404, path);
    }
    await app.close();
  });
});

describe('dashboard links', () => {
  it('opens the slice and window of a Slack link (/?slice=&window=)', () => {
    const search = `?slice=${encodeURIComponent(WORST)}&window=15m`;
    assert.deepEqual(viewOf(search, ''), { window: '15m', metric: '', slice: WORST, trace: '' });
  });

  it('still opens a hash link, the hash winning over the query', () => {
    assert.deepEqual(viewOf('', '#window=1h&metric=error_rate&trace=abc'), {
      window: '1h',
      metric: 'error_rate',
      slice: '',
      trace: 'abc',
    });
    assert.deepEqual(viewOf('?window=15m&slice=*', '#window=1h'), { window: '1h', metric: '', slice: '*', trace: '' });
  });

  it('writes a view as a link that opens it again, leaving out what is not set', () => {
    const view = { window: '15m', metric: 'override_rate', slice: WORST, trace: '' };
    const url = urlOf(view);
    assert.equal(url, '/?window=15m&metric=override_rate&slice=decision_type%3Drefund%2Clanguage%3Dhi');
    assert.deepEqual(viewOf(new URL(url, 'http://x').search, ''), view);
    assert.equal(urlOf({ window: '', metric: '', slice: '', trace: '' }), '/');
    const state = { ...view, filter: 'x' };
    assert.deepEqual(viewFrom(state, { trace: 't1' }), { ...view, trace: 't1' });
  });
});
