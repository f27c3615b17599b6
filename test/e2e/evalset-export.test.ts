// `livegrade evalset export` (issue 7), as a user runs it on a seeded store:
// first with no instance running (the CLI opens the store itself), then
// through a running instance's API (which holds the embedded store).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FlatSpan, type SampleDecision, toDecisionRow, toVerdictRow, type VerdictEvent } from '@livegrade/core';
import { openStore, toSpanRow } from '@livegrade/store';
import { livegrade } from '../support/cli.ts';
import { tempDataDir, testEnv } from '../support/env.ts';
import { throughRunningApi } from '../support/instance.ts';

const HOUR = 3_600_000;
const end = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const start = end - 24 * HOUR;
const FROM = new Date(start).toISOString();
const TO = new Date(end).toISOString();

const BIG = ['refund/en', 'refund/hi', 'reship/de'];
const PER_BIG_SLICE = 100;
const LABELS = ['approve', 'deny', 'escalate'];
const KEPT: SampleDecision = { sampled: true, reason: 'stratified', weight: 2 };
const FAILED: SampleDecision = { sampled: true, reason: 'fallback', weight: 1 };
const NOT_KEPT: SampleDecision = { sampled: false, reason: '', weight: 0 };

interface Seeded {
  id: string;
  slice: string;
  hard: boolean;
}

/** What went into the store, to check the export against. */
const seeded: Seeded[] = [];
const spans: Array<{ span: FlatSpan; sample: SampleDecision }> = [];
const verdicts: VerdictEvent[] = [];

function slug(slice: string): { type: string; language: string; key: string } {
  const [type, language] = slice.split('/') as [string, string];
  return { type, language, key: `decision_type=${type},language=${language}` };
}

/** One decision span (plus its root) with a recorded input, context and output. */
function decision(
  id: string,
  slice: string,
  at: number,
  opts: { label: string; fallback?: boolean; input?: boolean; sample: SampleDecision },
) {
  const { type, language } = slug(slice);
  const traceId = createHash('md5').update(id).digest('hex');
  const base = {
    traceId,
    kind: 1,
    serviceName: 'support-bot',
    scopeName: 'support-bot',
    resourceAttributes: { 'service.name': 'support-bot' },
    events: [],
    statusCode: 0,
    statusMessage: '',
  };
  spans.push({
    span: {
      ...base,
      spanId: `r${traceId.slice(0, 15)}`,
      parentSpanId: '',
      name: 'ticket',
      startMs: at - 5,
      endMs: at + 300,
      attributes: {},
    },
    sample: opts.sample,
  });
  spans.push({
    span: {
      ...base,
      spanId: `d${traceId.slice(0, 15)}`,
      parentSpanId: `r${traceId.slice(0, 15)}`,
      name: `decision ${type}`,
      startMs: at,
      endMs: at + 200,
      attributes: {
        'livegrade.decision.id': id,
        'livegrade.decision.type': type,
        'livegrade.decision.label': opts.label,
        'livegrade.model.version': at < start + 12 * HOUR ? 'm-1' : 'm-2',
        'livegrade.slice.language': language,
        ...(opts.fallback ? { 'livegrade.outcome.fallback': true } : {}),
        ...(opts.input === false
          ? {}
          : {
              'livegrade.input': JSON.stringify({ ticket: id, text: `please help with ${type}` }),
              'livegrade.context': JSON.stringify({ customer_tier: 'gold' }),
              'livegrade.output': opts.label,
            }),
      },
    },
    sample: opts.sample,
  });
}

function review(id: string, label: string, at: number, seniority: 'senior' | 'junior' = 'senior') {
  verdicts.push({
    id: `rev-${id}-${at}`,
    decision_id: id,
    kind: 'review',
    reviewer_id: `${seniority}-1`,
    seniority,
    label,
    ts: at,
  });
}

/**
 * Each big slice: 100 reviewed decisions, 55 hard (25 overridden, 25 fallbacks,
 * 5 thumbs-down) and 45 easy. refund/en also has 10 sampled decisions nobody
 * reviewed, 5 reviewed ones without an input, and 20 reviewed ones not kept by
 * the sampler. chat/en has 3 decisions (too small); escalate/en one whose
 * senior review says deny and a later junior review approve.
 */
function seed() {
  let n = 0;
  const at = () => start + 60_000 + ((n++ * 7_919) % (22 * HOUR));
  for (const slice of BIG) {
    const { type, language } = slug(slice);
    for (let i = 0; i < PER_BIG_SLICE; i++) {
      const id = `${type}-${language}-${String(i).padStart(3, '0')}`;
      const t = at();
      const label = LABELS[i % 3]!;
      const override = i % 4 === 0;
      const fallback = i % 4 === 1;
      const thumbsDown = i % 10 === 2 && !override;
      decision(id, slice, t, { label, fallback, sample: fallback ? FAILED : KEPT });
      review(id, override ? LABELS[(i + 1) % 3]! : label, t + 60_000);
      if (thumbsDown)
        verdicts.push({ id: `fb-${id}`, decision_id: id, kind: 'feedback', value: 'thumbs_down', ts: t + 30_000 });
      seeded.push({ id, slice: slug(slice).key, hard: override || fallback || thumbsDown });
    }
  }
  for (let i = 0; i < 10; i++) decision(`unreviewed-${i}`, 'refund/en', at(), { label: 'approve', sample: KEPT });
  for (let i = 0; i < 5; i++) {
    const t = at();
    decision(`no-input-${i}`, 'refund/en', t, { label: 'approve', input: false, sample: KEPT });
    review(`no-input-${i}`, 'approve', t + 60_000);
  }
  for (let i = 0; i < 20; i++) {
    const t = at();
    decision(`not-kept-${i}`, 'refund/en', t, { label: 'approve', sample: NOT_KEPT });
    review(`not-kept-${i}`, 'approve', t + 60_000);
  }
  for (let i = 0; i < 3; i++) {
    const t = at();
    decision(`chat-${i}`, 'chat/en', t, { label: 'approve', sample: KEPT });
    review(`chat-${i}`, i === 0 ? 'deny' : 'approve', t + 60_000);
    seeded.push({ id: `chat-${i}`, slice: slug('chat/en').key, hard: i === 0 });
  }
  const t = at();
  decision('escalate-1', 'escalate/en', t, { label: 'approve', sample: KEPT });
  review('escalate-1', 'deny', t + 60_000, 'senior');
  review('escalate-1', 'approve', t + 120_000, 'junior');
  seeded.push({ id: 'escalate-1', slice: slug('escalate/en').key, hard: true });
}

interface Line {
  decision_id: string;
  slice: string;
  split: 'dev' | 'holdout';
  hard: boolean;
  hard_reasons: string[];
  human_label: string;
  model_label: string;
  input: string;
  context: string;
  output: string;
}

interface Manifest {
  name: string;
  file: string;
  content_hash: string;
  items: number;
  seed: number;
  query: { sql: string; params: Record<string, unknown> };
  params: { per_slice: number; hard_share: number; holdout: number; slice_by: string[] };
  filters: { from: string; to: string };
  counts: {
    dev: { hard: number; easy: number };
    holdout: { hard: number; easy: number };
    slices: Array<{
      slice: string;
      too_small: boolean;
      short: string[];
      rotation?: { replaced: { hard: number; easy: number } };
    }>;
  };
  too_small: string[];
  excluded: { no_human_label: number; no_input: number };
  model_versions: Record<string, number>;
  rotated_from: null | { name: string; content_hash: string; replaced: number; kept: number };
}

function lines(dir: string, name: string): Line[] {
  return readFileSync(join(dir, `${name}.jsonl`), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

function manifest(dir: string, name: string): Manifest {
  return JSON.parse(readFileSync(join(dir, `${name}.manifest.json`), 'utf8')) as Manifest;
}

/** The holdout rule computed independently: the first 53 bits of sha256(decision id) against the fraction. */
function heldOut(id: string, fraction: number): boolean {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) >> 11n) / 2 ** 53 < fraction;
}

function count(items: Line[], slice: string, split: string, hard: boolean): number {
  return items.filter((i) => i.slice === slice && i.split === split && i.hard === hard).length;
}

const ids = (items: Line[]) => items.map((i) => i.decision_id).sort();

describe('livegrade evalset export', () => {
  const data = tempDataDir();
  const out = tempDataDir('livegrade-evals-');
  // port 0 in the env: no instance is looked for, the CLI opens the store
  const offline = { LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_API_PORT: '0' };
  // the previous set in `dir` rotated into support-v2, a quarter of its dev items replaced
  const rotateArgs = (dir: string) => [
    'evalset',
    'export',
    '--name',
    'support-v2',
    '--from',
    FROM,
    '--to',
    TO,
    '--out',
    dir,
    '--seed',
    '43',
    '--rotate-from',
    join(dir, 'support-v1.manifest.json'),
    '--fraction',
    '0.25',
  ];
  const exportArgs = (name: string, dir: string, ...more: string[]) => [
    'evalset',
    'export',
    '--name',
    name,
    '--per-slice',
    '20',
    '--hard-share',
    '0.4',
    '--holdout',
    '0.2',
    '--seed',
    '42',
    '--from',
    FROM,
    '--to',
    TO,
    '--out',
    dir,
    ...more,
  ];

  before(async () => {
    seed();
    const store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    await store.insertDecisions(
      spans.filter((s) => s.span.parentSpanId !== '').map((s) => toDecisionRow(s.span, s.sample)),
    );
    await store.insertSpans(
      spans.map(({ span, sample }) =>
        toSpanRow(
          span,
          span.parentSpanId === ''
            ? undefined
            : {
                decisionId: String(span.attributes['livegrade.decision.id']),
                decisionType: String(span.attributes['livegrade.decision.type']),
              },
          { reason: sample.reason, weight: sample.weight },
        ),
      ),
    );
    await store.insertVerdicts(verdicts.map((v) => toVerdictRow({ ...v, id: v.id! }, end)));
    await store.close();
  });
  after(() => {
    data.cleanup();
    out.cleanup();
  });

  describe('with no instance running', () => {
    const first = join(out.dir, 'first');

    it('writes per-slice quotas with the hard share inside each split, and reports the short slices', async () => {
      const r = await livegrade(exportArgs('support-v1', first), offline);
      assert.equal(r.code, 0, r.stderr);
      const items = lines(first, 'support-v1');
      for (const slice of BIG.map((s) => slug(s).key)) {
        // 20 per slice: 4 held out (2 hard, 2 easy), 16 dev (6 hard, 10 easy)
        assert.equal(count(items, slice, 'holdout', true), 2, slice);
        assert.equal(count(items, slice, 'holdout', false), 2, slice);
        assert.equal(count(items, slice, 'dev', true), 6, slice);
        assert.equal(count(items, slice, 'dev', false), 10, slice);
      }
      // the small slices give what they have and stay short
      assert.deepEqual(ids(items.filter((i) => i.slice === slug('chat/en').key)), ['chat-0', 'chat-1', 'chat-2']);
      const m = manifest(first, 'support-v1');
      assert.deepEqual(m.too_small, [slug('chat/en').key, slug('escalate/en').key]);
      assert.equal(m.items, 3 * 20 + 3 + 1);
      assert.match(r.stdout, /exported eval set "support-v1": 64 items in 5 slices/);
      assert.match(
        r.stdout,
        /decision_type=chat,language=en\s+1\s+1\s+0\s+1\s+too small: dev hard: 1 of 6; dev easy: 1 of 10/,
      );
      assert.match(r.stdout, /2 slices are too small: the shortfall is left empty, not filled from other strata/);
    });

    it('takes only sampled, labelled decisions with an input, and says how many it left out', () => {
      const items = lines(first, 'support-v1');
      const known = new Map(seeded.map((s) => [s.id, s]));
      for (const i of items) {
        const s = known.get(i.decision_id);
        assert.ok(s, `${i.decision_id} is not a seeded candidate`);
        assert.equal(i.slice, s.slice);
        assert.equal(i.hard, s.hard, i.decision_id);
        assert.equal(i.split, heldOut(i.decision_id, 0.2) ? 'holdout' : 'dev', i.decision_id);
        assert.deepEqual(JSON.parse(i.input), {
          ticket: i.decision_id,
          text: `please help with ${i.slice.split(',')[0]!.slice(14)}`,
        });
        assert.equal(i.context, '{"customer_tier":"gold"}');
        assert.equal(i.output, i.model_label);
      }
      // the latest senior review is the label, though a junior reviewed later
      const escalate = items.find((i) => i.decision_id === 'escalate-1')!;
      assert.equal(escalate.human_label, 'deny');
      assert.deepEqual(escalate.hard_reasons, ['override']);
      const m = manifest(first, 'support-v1');
      assert.equal(m.excluded.no_human_label, 10);
      assert.equal(m.excluded.no_input, 5);
      assert.match(m.query.sql, /FROM decision_facts\(/);
      assert.deepEqual(m.filters, { from: FROM, to: TO });
      assert.deepEqual(m.params, { per_slice: 20, hard_share: 0.4, holdout: 0.2, slice_by: ['language'] });
      assert.equal(m.seed, 42);
      assert.equal((m.model_versions['m-1'] ?? 0) + (m.model_versions['m-2'] ?? 0), m.items);
      const bytes = readFileSync(join(first, 'support-v1.jsonl'));
      assert.equal(m.content_hash, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
      assert.equal(m.file, 'support-v1.jsonl');
    });

    it('writes the same bytes and content hash for the same inputs', async () => {
      const again = join(out.dir, 'again');
      const r = await livegrade(exportArgs('support-v1', again), offline);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        readFileSync(join(again, 'support-v1.jsonl'), 'utf8'),
        readFileSync(join(first, 'support-v1.jsonl'), 'utf8'),
      );
      assert.equal(manifest(again, 'support-v1').content_hash, manifest(first, 'support-v1').content_hash);
    });

    it('keeps the held-out split whatever the seed', async () => {
      const seeded7 = join(out.dir, 'seed7');
      const r = await livegrade([...exportArgs('support-v1', seeded7), '--seed', '7'], offline);
      assert.equal(r.code, 0, r.stderr);
      const a = lines(first, 'support-v1');
      const b = lines(seeded7, 'support-v1');
      assert.deepEqual(ids(b.filter((i) => i.split === 'holdout')), ids(a.filter((i) => i.split === 'holdout')));
      assert.notDeepEqual(ids(b.filter((i) => i.split === 'dev')), ids(a.filter((i) => i.split === 'dev')));
      assert.notEqual(manifest(seeded7, 'support-v1').content_hash, manifest(first, 'support-v1').content_hash);
    });

    it('rotates: every held-out item kept, round(f × dev) replaced per slice with fresh items of the same hardness', async () => {
      const r = await livegrade(rotateArgs(first), offline);
      assert.equal(r.code, 0, r.stderr);
      const before = lines(first, 'support-v1');
      const after = lines(first, 'support-v2');
      assert.deepEqual(
        after.filter((i) => i.split === 'holdout'),
        before.filter((i) => i.split === 'holdout'),
      );
      const old = new Set(before.map((i) => i.decision_id));
      for (const slice of BIG.map((s) => slug(s).key)) {
        const fresh = after.filter((i) => i.slice === slice && !old.has(i.decision_id));
        // 16 dev items: round(0.25 × 16) = 4 replaced, round(4 × 6/16) = 2 of them hard
        assert.equal(fresh.length, 4, slice);
        assert.equal(fresh.filter((i) => i.hard).length, 2, slice);
        assert.ok(fresh.every((i) => i.split === 'dev'));
        for (const split of ['dev', 'holdout']) {
          for (const hard of [true, false])
            assert.equal(count(after, slice, split, hard), count(before, slice, split, hard));
        }
      }
      for (const i of after) assert.equal(i.split, heldOut(i.decision_id, 0.2) ? 'holdout' : 'dev');
      const m = manifest(first, 'support-v2');
      assert.equal(m.rotated_from?.name, 'support-v1');
      assert.equal(m.rotated_from?.content_hash, manifest(first, 'support-v1').content_hash);
      assert.equal(m.rotated_from?.replaced, 12);
      assert.deepEqual(m.params, manifest(first, 'support-v1').params);
      assert.match(r.stdout, /rotated from "support-v1" \(sha256:[0-9a-f]{64}\): 12 dev items replaced/);
    });

    it('refuses to rotate a set whose file no longer matches its manifest', async () => {
      const tampered = join(out.dir, 'tampered');
      assert.equal((await livegrade(exportArgs('support-v1', tampered), offline)).code, 0);
      const file = join(tampered, 'support-v1.jsonl');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"human_label":"deny"', '"human_label":"approve"'));
      const r = await livegrade(
        [
          'evalset',
          'export',
          '--name',
          'v2',
          '--out',
          tampered,
          '--rotate-from',
          join(tampered, 'support-v1.manifest.json'),
          '--fraction',
          '0.2',
        ],
        offline,
      );
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /support-v1\.jsonl does not match its manifest: its content hash is sha256:[0-9a-f]+, the manifest records sha256:/,
      );
    });

    it('resolves the default window to the last 30 days and records it', async () => {
      const dir = join(out.dir, 'defaults');
      const before = Date.now();
      const r = await livegrade(['evalset', 'export', '--name', 'recent', '--out', dir], offline);
      const afterRun = Date.now();
      assert.equal(r.code, 0, r.stderr);
      const m = manifest(dir, 'recent');
      const to = Date.parse(m.filters.to);
      assert.ok(to >= before - 1000 && to <= afterRun, m.filters.to);
      assert.equal(to - Date.parse(m.filters.from), 30 * 24 * HOUR);
      assert.equal(m.items, 64);
    });

    it('never overwrites an eval set', async () => {
      const r = await livegrade(exportArgs('support-v1', first), offline);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /support-v1\.jsonl exists: an eval set is never overwritten/);
    });

    // every flag's checks are unit-tested in packages/cli/src/evalset/options.test.ts; these go through the CLI
    it('names each bad flag, and a previous set it cannot use', async () => {
      const manifestPath = join(first, 'support-v1.manifest.json');
      const cases: Array<[string[], RegExp]> = [
        [
          ['--per-slice', '0'],
          /--per-slice 0 is outside \[1, 1000000\]: it takes a whole number of items per slice, 1 or more/,
        ],
        [['--holdout=-0.1'], /--holdout -0\.1 is outside \[0, 1\]/],
        [['--fraction', '0.2'], /--fraction is the share of dev items a rotation replaces: it needs --rotate-from/],
        [
          ['--rotate-from', join(out.dir, 'nope.json'), '--fraction', '0.2'],
          /--rotate-from .*nope\.json: cannot read it \(ENOENT\)/,
        ],
        [
          ['--rotate-from', join(first, 'support-v1.jsonl'), '--fraction', '0.2'],
          /--rotate-from .*support-v1\.jsonl: /,
        ],
        [
          ['--rotate-from', manifestPath, '--fraction', '0.2', '--holdout', '0.3'],
          /--holdout 0\.3 differs from the previous set's 0\.2: a rotation keeps the set's holdout/,
        ],
        [['--k', '5'], /unknown flag --k for livegrade evalset export \(it takes --name, --out/],
      ];
      for (const [flags, message] of cases) {
        const r = await livegrade(
          ['evalset', 'export', '--name', 'bad', '--out', join(out.dir, 'bad'), ...flags],
          offline,
        );
        assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, flags.join(' '));
      }
      const noName = await livegrade(['evalset', 'export', '--out', first], offline);
      assert.equal(noName.code, 2);
      assert.match(noName.stderr, /--name is required/);
      const unknown = await livegrade(['evalset', 'import'], offline);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown evalset command "import"/);
    });
  });

  describe('through a running instance', () => {
    // the instance opens the store the offline commands wrote
    const running = throughRunningApi(data.dir, offline);
    const online = running.env;

    it('exports the same bytes as the store does, and rotates through the API', async () => {
      const dir = join(out.dir, 'online');
      const r = await livegrade(exportArgs('support-v1', dir), online);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        readFileSync(join(dir, 'support-v1.jsonl'), 'utf8'),
        readFileSync(join(out.dir, 'first', 'support-v1.jsonl'), 'utf8'),
      );
      const rotated = await livegrade(rotateArgs(dir), online);
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.equal(
        readFileSync(join(dir, 'support-v2.jsonl'), 'utf8'),
        readFileSync(join(out.dir, 'first', 'support-v2.jsonl'), 'utf8'),
      );
    });

    it('answers a bad window with 400 and the reason', async () => {
      const res = await fetch(`${running.url}/v1/evalsets/candidates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: end, to: start }),
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { detail: string }).detail, /must be before to/);
    });
  });
});
