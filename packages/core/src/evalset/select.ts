import { seededRandom } from '../random.ts';
import { idDraws, isHeldOut, streamSeed } from './hash.ts';
import type {
  EvalCandidate,
  EvalItem,
  EvalPayload,
  EvalsetParams,
  SliceReport,
  Split,
  SplitCount,
  SplitCounts,
} from './types.ts';

/** A chosen candidate before its payloads are read. */
export type ChosenCandidate = Omit<EvalItem, keyof EvalPayload>;

/** An export's (or a rotation's) outcome: items carried over whole, candidates newly chosen, and each slice's report. */
export interface Selection {
  kept: EvalItem[];
  chosen: ChosenCandidate[];
  slices: SliceReport[];
}

type Hardness = 'hard' | 'easy';

export function isHard(c: Pick<EvalCandidate, 'hard_reasons'>): boolean {
  return c.hard_reasons.length > 0;
}

/**
 * Items wanted per slice and stratum: round(per_slice × holdout) held out,
 * the rest dev, and round(n × hard_share) of each split hard, so the hard
 * share holds inside each split and not just overall.
 */
export function quotas(params: Pick<EvalsetParams, 'per_slice' | 'holdout' | 'hard_share'>): SplitCounts {
  const held = Math.round(params.per_slice * params.holdout);
  const of = (n: number): SplitCount => {
    const hard = Math.round(n * params.hard_share);
    return { hard, easy: n - hard };
  };
  return { dev: of(params.per_slice - held), holdout: of(held) };
}

/**
 * Chooses each slice's items from the candidates. A decision's split is
 * fixed by the hash of its id (isHeldOut); held-out items are ranked by
 * another part of that hash, dev items by the seed, so changing the seed
 * changes only the dev items. Within a stratum the draw is without
 * replacement with probability proportional to sample_weight (Efraimidis–
 * Spirakis keys), so a slice's items mirror its production traffic rather
 * than the sampler's keep rate. A stratum short of its quota stays short and
 * is reported; it is never filled from another stratum.
 */
export function selectEvalset(candidates: readonly EvalCandidate[], params: EvalsetParams): Selection {
  const want = quotas(params);
  const chosen: ChosenCandidate[] = [];
  const slices: SliceReport[] = [];
  for (const [slice, inSlice] of bySlice(candidates)) {
    const pools = strata(inSlice, params.holdout);
    const items = emptyCounts();
    const available = emptyCounts();
    for (const split of SPLITS) {
      for (const hardness of HARDNESS) {
        const pool = pools[split][hardness];
        available[split][hardness] = pool.length;
        const drawn = draw(pool, want[split][hardness], uniformsFor(split, params.seed, slice, hardness));
        items[split][hardness] = drawn.length;
        for (const c of drawn) chosen.push({ ...c, split, hard: hardness === 'hard' });
      }
    }
    slices.push(report(slice, want, available, items));
  }
  return { kept: [], chosen, slices };
}

/**
 * Rotates a previous eval set: every held-out item stays as it was, and in
 * each slice round(fraction × dev items) dev items are replaced by fresh
 * candidates of the same slice and hardness (hard and easy in the slice's
 * dev proportions), the oldest first, since they are the furthest from
 * today's traffic. Fresh means in neither split of the previous set and not
 * held out by hash, so no decision ever changes split. When a stratum has
 * too few fresh candidates the old items stay, and the slice is reported.
 * Slices of the candidates that the previous set lacks are not added: the
 * rotation keeps the set's proportions (they are returned to be reported).
 */
export function rotateEvalset(
  previous: readonly EvalItem[],
  candidates: readonly EvalCandidate[],
  opts: { fraction: number; seed: number; holdout: number },
): Selection & { new_slices: string[] } {
  for (const item of previous) {
    const split: Split = isHeldOut(item.decision_id, opts.holdout) ? 'holdout' : 'dev';
    if (item.split !== split) {
      throw new RangeError(
        `previous item ${item.decision_id} is in split ${item.split} but its id hashes into ${split} at holdout ${opts.holdout}: the set was not made with that holdout`,
      );
    }
  }
  const previousIds = new Set(previous.map((i) => i.decision_id));
  const fresh = bySlice(candidates.filter((c) => !previousIds.has(c.decision_id)));
  const kept: EvalItem[] = [];
  const chosen: ChosenCandidate[] = [];
  const slices: SliceReport[] = [];
  for (const [slice, items] of bySlice(previous)) {
    const held = items.filter((i) => i.split === 'holdout');
    kept.push(...held);
    const dev = {
      hard: items.filter((i) => i.split === 'dev' && i.hard),
      easy: items.filter((i) => i.split === 'dev' && !i.hard),
    };
    const devCount = dev.hard.length + dev.easy.length;
    const total = Math.round(opts.fraction * devCount);
    const hardWanted = devCount === 0 ? 0 : Math.min(dev.hard.length, Math.round((total * dev.hard.length) / devCount));
    const wantedReplace: SplitCount = { hard: hardWanted, easy: Math.min(dev.easy.length, total - hardWanted) };
    const pools = strata(fresh.get(slice) ?? [], opts.holdout);
    const replaced: SplitCount = { hard: 0, easy: 0 };
    for (const hardness of HARDNESS) {
      const incoming = draw(
        pools.dev[hardness],
        wantedReplace[hardness],
        seededUniforms(opts.seed, slice, 'rotate', hardness),
      );
      replaced[hardness] = incoming.length;
      const oldestFirst = [...dev[hardness]].sort((a, b) => a.ts - b.ts || compare(a.decision_id, b.decision_id));
      kept.push(...oldestFirst.slice(incoming.length));
      for (const c of incoming) chosen.push({ ...c, split: 'dev', hard: hardness === 'hard' });
    }
    const shape: SplitCounts = {
      dev: { hard: dev.hard.length, easy: dev.easy.length },
      holdout: { hard: held.filter((i) => i.hard).length, easy: held.filter((i) => !i.hard).length },
    };
    const available: SplitCounts = {
      dev: { hard: pools.dev.hard.length, easy: pools.dev.easy.length },
      holdout: { hard: 0, easy: 0 },
    };
    const short = HARDNESS.filter((h) => replaced[h] < wantedReplace[h]).map(
      (h) => `dev ${h}: replaced ${replaced[h]} of ${wantedReplace[h]} (too few fresh ${h} candidates)`,
    );
    slices.push({
      slice,
      wanted: shape,
      available,
      items: shape,
      too_small: short.length > 0,
      short,
      rotation: { wanted: wantedReplace, replaced },
    });
  }
  const previousSlices = new Set(previous.map((i) => i.slice));
  const new_slices = [...fresh.keys()].filter((s) => !previousSlices.has(s));
  return { kept, chosen, slices, new_slices };
}

const SPLITS: readonly Split[] = ['dev', 'holdout'];
const HARDNESS: readonly Hardness[] = ['hard', 'easy'];

function emptyCounts(): SplitCounts {
  return { dev: { hard: 0, easy: 0 }, holdout: { hard: 0, easy: 0 } };
}

/** Groups by slice, slices and members in code-point order of their keys, so the result owes nothing to input order. */
function bySlice<T extends Pick<EvalCandidate, 'slice' | 'decision_id'>>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of [...rows].sort((a, b) => compare(a.slice, b.slice) || compare(a.decision_id, b.decision_id))) {
    const g = groups.get(r.slice);
    if (g) g.push(r);
    else groups.set(r.slice, [r]);
  }
  return groups;
}

function strata<T extends EvalCandidate>(rows: readonly T[], holdout: number): Record<Split, Record<Hardness, T[]>> {
  const out: Record<Split, Record<Hardness, T[]>> = { dev: { hard: [], easy: [] }, holdout: { hard: [], easy: [] } };
  for (const r of rows) out[isHeldOut(r.decision_id, holdout) ? 'holdout' : 'dev'][isHard(r) ? 'hard' : 'easy'].push(r);
  return out;
}

/** One uniform per candidate, in the pool's (decision id) order. */
type Uniforms = (pool: readonly EvalCandidate[]) => number[];

function uniformsFor(split: Split, seed: number, slice: string, hardness: Hardness): Uniforms {
  return split === 'holdout'
    ? (pool) => pool.map((c) => idDraws(c.decision_id).order)
    : seededUniforms(seed, slice, split, hardness);
}

function seededUniforms(seed: number, ...stratum: string[]): Uniforms {
  return (pool) => {
    const next = seededRandom(streamSeed(seed, ...stratum));
    return pool.map(() => next());
  };
}

/**
 * Up to n of the pool, weighted by sample_weight: each candidate's key is
 * -ln(1 - u) / w and the n smallest keys win (a weighted draw without
 * replacement). Ties, which only equal draws make, go to the smaller id.
 */
function draw<T extends EvalCandidate>(pool: readonly T[], n: number, uniforms: Uniforms): T[] {
  if (n <= 0 || pool.length === 0) return [];
  const u = uniforms(pool);
  return pool
    .map((c, i) => ({ c, key: -Math.log1p(-u[i]!) / weight(c) }))
    .sort((a, b) => a.key - b.key || compare(a.c.decision_id, b.c.decision_id))
    .slice(0, n)
    .map((k) => k.c);
}

function weight(c: EvalCandidate): number {
  return Number.isFinite(c.sample_weight) && c.sample_weight > 0 ? c.sample_weight : 1;
}

function report(slice: string, wanted: SplitCounts, available: SplitCounts, items: SplitCounts): SliceReport {
  const short: string[] = [];
  for (const split of SPLITS) {
    for (const hardness of HARDNESS) {
      if (items[split][hardness] < wanted[split][hardness]) {
        short.push(`${split} ${hardness}: ${items[split][hardness]} of ${wanted[split][hardness]}`);
      }
    }
  }
  return { slice, wanted, available, items, too_small: short.length > 0, short };
}

/** Code-point order: the same on every machine and locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
