// `livegrade baseline register|list|show|activate` (issue 4), as a user runs
// it: first with no instance running (the CLI opens the store itself), then
// through a running instance's API (which holds the embedded store).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KEEP_ALL, toDecisionRow, toVerdictRow } from '@livegrade/core';
import { openStore } from '@livegrade/store';
import { livegrade } from '../support/cli.ts';
import { tempDataDir, testEnv } from '../support/env.ts';
import { throughRunningApi } from '../support/instance.ts';
import { reviewedTraffic } from '../support/reviewed-service.ts';

const HOUR = 3_600_000;
const end = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const from = new Date(end - HOUR).toISOString();
const to = new Date(end).toISOString();
const PER_SLICE = 20;

describe('livegrade baseline', () => {
  const data = tempDataDir();
  // port 0 in the env: no instance is looked for, the CLI opens the store
  const offline = { LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_API_PORT: '0' };
  const decisions = 2 * 3 * PER_SLICE;

  before(async () => {
    const store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    const traffic = reviewedTraffic(['refund', 'reship'], ['en', 'hi', 'de'], {
      from: end - HOUR,
      to: end,
      perSlice: PER_SLICE,
      overrideRate: 0.1,
      seed: 4,
    });
    await store.insertDecisions(traffic.map((d) => toDecisionRow(d.span, KEEP_ALL)));
    await store.insertVerdicts(traffic.map((d) => toVerdictRow(d.review, d.review.ts)));
    await store.close();
  });
  after(() => data.cleanup());

  describe('with no instance running', () => {
    it('registers a baseline from a time range', async () => {
      const r = await livegrade(['baseline', 'register', '--name', 'v3-launch', '--from', from, '--to', to], offline);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`registered baseline "v3-launch": ${decisions} decisions in 10 slices`));
      assert.match(r.stdout, /activate it with: livegrade baseline activate v3-launch/);
    });

    it('refuses a name that is taken: baselines are immutable', async () => {
      const r = await livegrade(['baseline', 'register', '--name', 'v3-launch', '--from', from, '--to', to], offline);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /a baseline named "v3-launch" exists; baselines are immutable, pick another name/);
    });

    it('refuses an empty window, naming it', async () => {
      const r = await livegrade(
        ['baseline', 'register', '--name', 'empty', '--from', 'now-30d', '--to', 'now-29d', '--model-version', 'm-x'],
        offline,
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no decisions of model version "m-x" between .* nothing to register as baseline "empty"/);
    });

    it('refuses times it cannot read, and a time without a zone', async () => {
      const bad = await livegrade(['baseline', 'register', '--name', 'x', '--from', 'yesterday', '--to', to], offline);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--from "yesterday" is not a time: use ISO 8601/);
      const local = await livegrade(
        ['baseline', 'register', '--name', 'x', '--from', '2026-11-20T00:00:00', '--to', to],
        offline,
      );
      assert.equal(local.code, 2);
      assert.match(local.stderr, /--from "2026-11-20T00:00:00" has no time zone/);
      const reversed = await livegrade(['baseline', 'register', '--name', 'x', '--from', to, '--to', from], offline);
      assert.equal(reversed.code, 1);
      assert.match(reversed.stderr, /from .* must be before to/);
    });

    it('lists baselines', async () => {
      const r = await livegrade(['baseline', 'list'], offline);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /v3-launch/);
      assert.match(r.stdout, /\(1 row\)/);
    });
  });

  describe('through a running instance', () => {
    // the instance opens the store the offline commands wrote
    const running = throughRunningApi(data.dir, offline);
    const online = running.env;

    it('activates a baseline and shows it as active', async () => {
      const r = await livegrade(['baseline', 'activate', 'v3-launch'], online);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /baseline "v3-launch" is active/);
      const list = await livegrade(['baseline', 'list'], online);
      assert.match(list.stdout, /v3-launch\s+yes/);
    });

    it('shows a baseline per slice', async () => {
      const r = await livegrade(['baseline', 'show', 'v3-launch', '--format', 'json'], online);
      assert.equal(r.code, 0, r.stderr);
      const shown = JSON.parse(r.stdout) as {
        info: { active: boolean };
        slices: Array<{ slice: string; volume: number }>;
      };
      assert.equal(shown.info.active, true);
      assert.equal(shown.slices.find((s) => s.slice === '*')?.volume, decisions);
      assert.equal(shown.slices.find((s) => s.slice === 'decision_type=refund,language=hi')?.volume, PER_SLICE);
      const table = await livegrade(['baseline', 'show', 'v3-launch'], online);
      assert.match(table.stdout, /decision_type=reship,language=de\s+20/);
    });

    it('names the registered baselines when asked for an unknown one', async () => {
      const r = await livegrade(['baseline', 'activate', 'v4'], online);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^livegrade: no baseline named "v4" \(registered: v3-launch\)/);
    });
  });
});
