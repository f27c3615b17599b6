import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { idDraws, isHeldOut } from './hash.ts';
import { contentHash, evalsetJsonl, parseEvalsetJsonl } from './jsonl.ts';
import { buildManifest } from './manifest.ts';
import { quotas, rotateEvalset, selectEvalset } from './select.ts';
import type { EvalCandidate, EvalItem, EvalsetParams, HardReason } from './types.ts';

const PARAMS: EvalsetParams = { per_slice: 20, hard_share: 0.4, holdout: 0.2, seed: 42, slice_by: ['language'] };
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

function candidate(id: string, slice: string, hard: boolean, over: Partial<EvalCandidate> = {}): EvalCandidate {
  const [type, language] = slice.split('/') as [string, string];
  const reasons: HardReason[] = hard ? ['override'] : [];
  return {
    decision_id: id,
    trace_id: `t-${id}`,
    ts: T0 + (Number.parseInt(createHash('sha1').update(id).digest('hex').slice(0, 6), 16) % (30 * DAY)),
    decision_type: type,
    slice: `decision_type=${type},language=${language}`,
    slices: { language },
    model_version: 'm1',
    model_label: 'approve',
    human_label: hard ? 'deny' : 'approve',
    hard_reasons: reasons,
    sample_weight: 1,
    ...over,
  };
}

/** `hard` hard and `easy` easy candidates in each slice, ids prefixed so pools can be told apart. */
function pool(slices: string[], hard: number, easy: number, prefix = 'd'): EvalCandidate[] {
  return slices.flatMap((s) => [
    ...Array.from({ length: hard }, (_, i) => candidate(`${prefix}-${s}-h${i}`, s, true)),
    ...Array.from({ length: easy }, (_, i) => candidate(`${prefix}-${s}-e${i}`, s, false)),
  ]);
}

function withPayload(c: ReturnType<typeof selectEvalset>['chosen'][number]): EvalItem {
  return { ...c, input: `{"q":"${c.decision_id}"}`, context: '', output: c.model_label };
}

function items(sel: ReturnType<typeof selectEvalset>): EvalItem[] {
  return [...sel.kept, ...sel.chosen.map(withPayload)];
}

function ids(list: Array<{ decision_id: string }>): string[] {
  return list.map((i) => i.decision_id).sort();
}

function count(list: EvalItem[], slice: string, split: string, hard: boolean): number {
  return list.filter((i) => i.slice === slice && i.split === split && i.hard === hard).length;
}

const SLICES = ['refund/en', 'refund/hi', 'reship/de'];

describe('evalset quotas', () => {
  it('splits a slice into holdout and dev, with the hard share inside each split', () => {
    // 20 × 0.2 = 4 held out (1.6 → 2 hard), 16 dev (6.4 → 6 hard)
    assert.deepEqual(quotas(PARAMS), { holdout: { hard: 2, easy: 2 }, dev: { hard: 6, easy: 10 } });
    assert.deepEqual(quotas({ per_slice: 10, holdout: 0, hard_share: 1 }), {
      holdout: { hard: 0, easy: 0 },
      dev: { hard: 10, easy: 0 },
    });
    assert.deepEqual(quotas({ per_slice: 1, holdout: 1, hard_share: 0 }), {
      holdout: { hard: 0, easy: 1 },
      dev: { hard: 0, easy: 0 },
    });
  });

  it('fills every stratum of every slice when there are enough candidates', () => {
    const sel = selectEvalset(pool(SLICES, 200, 400), PARAMS);
    const all = items(sel);
    assert.equal(all.length, 3 * 20);
    for (const s of SLICES.map((x) => candidate('x', x, false).slice)) {
      assert.equal(count(all, s, 'holdout', true), 2);
      assert.equal(count(all, s, 'holdout', false), 2);
      assert.equal(count(all, s, 'dev', true), 6);
      assert.equal(count(all, s, 'dev', false), 10);
    }
    assert.ok(sel.slices.every((r) => !r.too_small && r.short.length === 0));
    assert.equal(new Set(all.map((i) => i.decision_id)).size, all.length);
    for (const i of all) assert.equal(i.hard, i.hard_reasons.length > 0);
  });

  it('reports a short slice and does not pad it with the other stratum', () => {
    const cands = [...pool(['refund/en'], 200, 400), ...pool(['chat/hi'], 1, 400)];
    const sel = selectEvalset(cands, PARAMS);
    const all = items(sel);
    const short = sel.slices.find((s) => s.slice === 'decision_type=chat,language=hi')!;
    assert.equal(short.too_small, true);
    const hard = count(all, short.slice, 'dev', true) + count(all, short.slice, 'holdout', true);
    assert.equal(hard, 1);
    // easy items stay at their quotas: the missing hard ones are not replaced by easy ones
    assert.equal(count(all, short.slice, 'dev', false), 10);
    assert.equal(count(all, short.slice, 'holdout', false), 2);
    assert.equal(short.items.dev.hard + short.items.holdout.hard, 1);
    assert.ok(short.short.some((s) => /^dev hard: [01] of 6$/.test(s)));
    assert.equal(sel.slices.find((s) => s.slice !== short.slice)!.too_small, false);
  });

  it('draws easy items in proportion to sample_weight', () => {
    // one of two candidates per seed, weights 9 and 1: the heavy one should win 90% of draws
    const cands = [
      candidate('heavy', 'refund/en', false, { sample_weight: 9 }),
      candidate('light', 'refund/en', false, { sample_weight: 1 }),
    ];
    const params = { ...PARAMS, per_slice: 1, holdout: 0, hard_share: 0 };
    let heavy = 0;
    const runs = 2000;
    for (let seed = 1; seed <= runs; seed++) {
      if (selectEvalset(cands, { ...params, seed }).chosen[0]!.decision_id === 'heavy') heavy++;
    }
    // binomial(2000, 0.9): sd 13.4, so ±60 is over 4 sd
    assert.ok(Math.abs(heavy - 1800) < 60, `heavy chosen ${heavy} of ${runs}`);
  });
});

describe('evalset holdout', () => {
  it('is a hash of the decision id: sha256, first 53 bits, against the fraction', () => {
    for (const id of ['dec-1', 'dec-2', 'ünïcödé', '']) {
      const first = createHash('sha256').update(id, 'utf8').digest().subarray(0, 8);
      const u = Number(BigInt(`0x${first.toString('hex')}`) >> 11n) / 2 ** 53;
      assert.equal(idDraws(id).split, u);
      assert.equal(isHeldOut(id, 0.2), u < 0.2);
    }
    // over 20,000 ids about 20% fall below 0.2 (binomial sd 57)
    let held = 0;
    for (let i = 0; i < 20_000; i++) if (isHeldOut(`dec-${i}`, 0.2)) held++;
    assert.ok(Math.abs(held - 4000) < 250, `${held} held out`);
  });

  it('is the same set whatever the seed, while the dev items change', () => {
    const cands = pool(SLICES, 200, 400);
    const a = items(selectEvalset(cands, PARAMS));
    const b = items(selectEvalset(cands, { ...PARAMS, seed: 7 }));
    const held = (l: EvalItem[]) => ids(l.filter((i) => i.split === 'holdout'));
    const dev = (l: EvalItem[]) => ids(l.filter((i) => i.split === 'dev'));
    assert.deepEqual(held(a), held(b));
    assert.notDeepEqual(dev(a), dev(b));
    for (const i of [...a, ...b]) assert.equal(i.split, isHeldOut(i.decision_id, 0.2) ? 'holdout' : 'dev');
  });

  it('does not depend on the order the candidates come in', () => {
    const cands = pool(SLICES, 50, 80);
    const reversed = [...cands].reverse();
    assert.equal(
      evalsetJsonl(items(selectEvalset(cands, PARAMS))),
      evalsetJsonl(items(selectEvalset(reversed, PARAMS))),
    );
  });
});

describe('evalset rotation', () => {
  const base = pool(SLICES, 200, 400);
  const previous = items(selectEvalset(base, PARAMS));
  const fresh = pool(SLICES, 200, 400, 'new');
  const rotate = (prev: EvalItem[], cands: EvalCandidate[], fraction: number, seed = 42) =>
    rotateEvalset(prev, cands, { fraction, seed, holdout: PARAMS.holdout });

  it('keeps every held-out item and replaces round(f × dev) per slice with fresh ones of the same hardness', () => {
    const sel = rotate(previous, [...base, ...fresh], 0.2);
    const next = items(sel);
    const byId = (l: EvalItem[]) => [...l].sort((a, b) => (a.decision_id < b.decision_id ? -1 : 1));
    assert.deepEqual(
      byId(next.filter((i) => i.split === 'holdout')),
      byId(previous.filter((i) => i.split === 'holdout')),
    );
    const prevIds = new Set(previous.map((i) => i.decision_id));
    for (const r of sel.slices) {
      // 16 dev items (6 hard, 10 easy): round(0.2 × 16) = 3 replaced, round(3 × 6/16) = 1 of them hard
      assert.deepEqual(r.rotation, { wanted: { hard: 1, easy: 2 }, replaced: { hard: 1, easy: 2 } });
      const incoming = sel.chosen.filter((c) => c.slice === r.slice);
      assert.equal(incoming.length, 3);
      assert.ok(incoming.every((c) => !prevIds.has(c.decision_id) && c.split === 'dev'));
      assert.equal(incoming.filter((c) => c.hard).length, 1);
      for (const split of ['dev', 'holdout']) {
        for (const hard of [true, false]) {
          assert.equal(count(next, r.slice, split, hard), count(previous, r.slice, split, hard));
        }
      }
    }
    assert.equal(next.length, previous.length);
  });

  it('replaces the oldest dev items of each hardness', () => {
    const sel = rotate(previous, [...base, ...fresh], 0.2);
    const keptIds = new Set(sel.kept.map((i) => i.decision_id));
    for (const r of sel.slices) {
      for (const hard of [true, false]) {
        const dev = previous.filter((i) => i.slice === r.slice && i.split === 'dev' && i.hard === hard);
        const dropped = dev.filter((i) => !keptIds.has(i.decision_id));
        const kept = dev.filter((i) => keptIds.has(i.decision_id));
        assert.ok(Math.max(...dropped.map((i) => i.ts)) <= Math.min(...kept.map((i) => i.ts)));
      }
    }
  });

  it('never moves a decision between splits, across several rotations and seeds', () => {
    let current = previous;
    const heldOut = ids(previous.filter((i) => i.split === 'holdout'));
    for (let round = 1; round <= 4; round++) {
      const cands = [...base, ...fresh, ...pool(SLICES, 50, 100, `r${round}`)];
      current = items(rotate(current, cands, 0.5, round));
      assert.deepEqual(ids(current.filter((i) => i.split === 'holdout')), heldOut);
      for (const i of current) assert.equal(i.split, isHeldOut(i.decision_id, PARAMS.holdout) ? 'holdout' : 'dev');
    }
  });

  it('keeps old items and reports the slice when there are too few fresh ones', () => {
    // the only candidates are the previous items themselves: nothing fresh
    const sel = rotate(previous, previous, 0.2);
    assert.equal(sel.chosen.length, 0);
    assert.ok(sel.slices.every((r) => r.too_small && r.rotation!.replaced.hard === 0));
    assert.match(sel.slices[0]!.short.join('; '), /dev hard: replaced 0 of 1 \(too few fresh hard candidates\)/);
    assert.deepEqual(ids(items(sel)), ids(previous));
  });

  it('does not add slices the previous set lacks, and names them', () => {
    const sel = rotate(previous, [...fresh, ...pool(['chat/en'], 30, 30)], 0.2);
    assert.deepEqual(sel.new_slices, ['decision_type=chat,language=en']);
    assert.ok(items(sel).every((i) => i.decision_type !== 'chat'));
  });

  it('refuses a previous set made with another holdout', () => {
    assert.throws(
      () => rotateEvalset(previous, fresh, { fraction: 0.2, seed: 42, holdout: 0.5 }),
      /hashes into holdout at holdout 0.5/,
    );
  });
});

describe('evalset files', () => {
  it('gives the same JSONL bytes and content hash for the same inputs', () => {
    const a = evalsetJsonl(items(selectEvalset(pool(SLICES, 30, 60), PARAMS)));
    const b = evalsetJsonl(items(selectEvalset(pool(SLICES, 30, 60).reverse(), PARAMS)));
    assert.equal(a, b);
    assert.equal(contentHash(a), contentHash(b));
    assert.equal(contentHash(a), `sha256:${createHash('sha256').update(Buffer.from(a, 'utf8')).digest('hex')}`);
    const other = evalsetJsonl(items(selectEvalset(pool(SLICES, 30, 60), { ...PARAMS, seed: 43 })));
    assert.notEqual(contentHash(other), contentHash(a));
  });

  it('writes one sorted line per item and reads it back', () => {
    const all = items(selectEvalset(pool(SLICES, 30, 60), PARAMS));
    const text = evalsetJsonl(all);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, all.length);
    const keys = lines.map((l) => {
      const o = JSON.parse(l) as { slice: string; split: string; decision_id: string };
      return `${o.slice}\u0000${o.split}\u0000${o.decision_id}`;
    });
    assert.deepEqual(keys, [...keys].sort());
    assert.match(
      lines[0]!,
      /^\{"decision_id":"[^"]+","trace_id":"t-[^"]+","ts":"2026-11-\d\dT[\d:.]+Z","decision_type":/,
    );
    const back = parseEvalsetJsonl(text);
    assert.equal(evalsetJsonl(back), text);
  });

  it('names the bad line of a JSONL it cannot read', () => {
    assert.throws(() => parseEvalsetJsonl('{"decision_id":"x"}\n'), /line 1: /);
    assert.throws(() => parseEvalsetJsonl('\nnot json\n'), /line 2: not JSON/);
  });

  it('counts splits, model versions and short slices in the manifest', () => {
    const cands = [
      ...pool(['refund/en'], 200, 400),
      ...pool(['chat/hi'], 0, 5).map((c) => ({ ...c, model_version: 'm2' })),
    ];
    const sel = selectEvalset(cands, PARAMS);
    const all = items(sel);
    const m = buildManifest({
      name: 'support-v1',
      createdAt: T0,
      file: 'support-v1.jsonl',
      contentHash: contentHash(evalsetJsonl(all)),
      items: all,
      candidates: {
        query: { sql: 'SELECT 1', params: {} },
        slice_by: ['language'],
        from: T0 - 30 * DAY,
        to: T0,
        rows: cands,
        excluded: [
          { slice: 'decision_type=refund,language=en', sampled: 700, no_human_label: 90, no_input: 10 },
          { slice: 'decision_type=chat,language=hi', sampled: 5, no_human_label: 0, no_input: 0 },
        ],
      },
      params: PARAMS,
      slices: sel.slices,
      rotatedFrom: null,
    });
    assert.equal(m.items, 20 + 5);
    assert.deepEqual(m.model_versions, { m1: 20, m2: 5 });
    assert.deepEqual(m.too_small, ['decision_type=chat,language=hi']);
    assert.equal(m.counts.dev.hard + m.counts.holdout.hard, 8);
    assert.equal(m.excluded.no_human_label, 90);
    assert.equal(m.excluded.slices.length, 1);
    assert.equal(m.filters.from, '2026-10-02T00:00:00.000Z');
    assert.equal(m.seed, 42);
    assert.deepEqual(m.params, { per_slice: 20, hard_share: 0.4, holdout: 0.2, slice_by: ['language'] });
  });
});
