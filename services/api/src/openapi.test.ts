import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@livegrade/runtime';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { type Api, createApi, defaultOpenApi } from './api.ts';

const logger = createLogger('silent');
const data = tempDataDir();
let store: Store;
let api: Api;

before(async () => {
  store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  api = createApi({ store, logger, config: { host: '127.0.0.1', port: 0, token: undefined } });
  await api.app.ready();
});
after(async () => {
  await api?.stop();
  await store?.close();
  data.cleanup();
});

type Problem = { type: string; title: string; status: number; detail: string; 'invalid-params'?: { name: string }[] };

describe('OpenAPI document', () => {
  it('matches schemas/openapi.json (regenerate: node --import tsx scripts/gen-schemas.ts)', async () => {
    const onDisk = JSON.parse(readFileSync(new URL('../../../schemas/openapi.json', import.meta.url), 'utf8'));
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(await defaultOpenApi(logger))), 'schemas/openapi.json is stale');
  });

  it('is served at /openapi.json', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ openapi: string }>().openapi, '3.1.0');
    assert.deepEqual(res.json(), JSON.parse(JSON.stringify(api.openapi)));
  });

  it('documents every /v1 route the server answers, and nothing it does not', () => {
    const documented = Object.entries(api.openapi.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const served = api.routes.filter((r) => r.split(' ')[1]!.startsWith('/v1/'));
    assert.deepEqual([...served].sort(), [...documented].sort());
    assert.ok(served.length >= 24, `only ${served.length} routes`);
  });
});

describe('errors as application/problem+json (RFC 9457)', () => {
  async function problem(
    method: 'GET' | 'POST',
    url: string,
    payload?: Record<string, unknown>,
  ): Promise<Problem & { code: number }> {
    const res = await api.app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, res.body);
    return { ...res.json<Problem>(), code: res.statusCode };
  }

  it('names the offending field of a bad body and keeps the message', async () => {
    const p = await problem('POST', '/v1/baselines', { name: 'v1', from: 'yesterday', to: 1 });
    assert.equal(p.code, 400);
    assert.equal(p.status, 400);
    assert.equal(p.type, 'urn:livegrade:problem:invalid');
    assert.match(p.detail, /^invalid request: from: /);
    assert.deepEqual(
      p['invalid-params']?.map((x) => x.name),
      ['from'],
    );
  });

  it('answers an unknown baseline with 404 and its kind', async () => {
    const p = await problem('GET', '/v1/baselines/nope');
    assert.equal(p.code, 404);
    assert.equal(p.type, 'urn:livegrade:problem:not-found');
    assert.match(p.detail, /no baseline named "nope"/);
  });

  it('answers a refused query with 403 and its kind', async () => {
    const refused = await problem('POST', '/v1/sql', { query: 'DROP TABLE decisions' });
    assert.equal(refused.code, 403);
    assert.equal(refused.type, 'urn:livegrade:problem:forbidden');
  });

  it('answers an unknown route and a bad JSON body as problems too', async () => {
    const missing = await problem('GET', '/v1/nothing-here');
    assert.equal(missing.code, 404);
    assert.equal(missing.type, 'about:blank');
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/silences',
      headers: { 'content-type': 'application/json' },
      payload: '{"rule":',
    });
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.json<Problem>().status, 400);
  });
});
