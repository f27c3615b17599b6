import { type BaselineInfo, RequestError, type ScoringConfig, type SliceAggregate } from '@livegrade/core';
import type { Repository } from '@livegrade/store';

export interface RegisterRequest {
  name: string;
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, exclusive */
  to: number;
  modelVersion?: string | undefined;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Snapshots the per-slice aggregates of [from, to) as baseline `name`. The
 * same grouping sets and the same query as live windows, so every live
 * slice finds its counterpart. Refuses a used name (baselines are
 * immutable) and an empty range (a baseline of nothing would make every
 * comparison meaningless).
 */
export async function registerBaseline(
  store: Repository,
  config: Pick<ScoringConfig, 'slices'>,
  req: RegisterRequest,
  now = Date.now(),
): Promise<BaselineInfo> {
  if (!NAME.test(req.name)) {
    throw new RequestError(
      `baseline name "${req.name}" is not valid: use 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  if (!Number.isFinite(req.from) || !Number.isFinite(req.to)) {
    throw new RequestError('from and to must be times', 'invalid', [
      { name: 'from', reason: 'a time' },
      { name: 'to', reason: 'a time' },
    ]);
  }
  if (req.from >= req.to) {
    throw new RequestError(
      `from (${iso(req.from)}) must be before to (${iso(req.to)}): a baseline covers [from, to)`,
      'invalid',
      [{ name: 'from', reason: 'must be before to' }],
    );
  }
  if (req.to > now) {
    throw new RequestError(`to (${iso(req.to)}) is in the future: a baseline covers what happened`, 'invalid', [
      { name: 'to', reason: 'in the future' },
    ]);
  }
  if (await store.baselineExists(req.name)) {
    throw new RequestError(
      `a baseline named "${req.name}" exists; baselines are immutable, pick another name`,
      'conflict',
    );
  }
  const modelVersion = req.modelVersion ?? '';
  const slices = await store.sliceAggregates(config.slices, { from: req.from, to: req.to, modelVersion });
  const total = slices.find((s) => s.slice === '*');
  if (!total || total.volume === 0) {
    const which = modelVersion ? ` of model version "${modelVersion}"` : '';
    throw new RequestError(
      `no decisions${which} between ${iso(req.from)} and ${iso(req.to)}: nothing to register as baseline "${req.name}"`,
    );
  }
  const header = { name: req.name, created_at: now, from: req.from, to: req.to, model_version: modelVersion };
  await store.insertBaseline(header, slices);
  return { ...header, slices: slices.length, volume: total.volume, active: false };
}

export async function activateBaseline(store: Repository, name: string): Promise<void> {
  if (!(await store.baselineExists(name))) throw new RequestError(await unknownBaseline(store, name), 'not_found');
  await store.activateBaseline(name);
}

export async function showBaseline(
  store: Repository,
  name: string,
): Promise<{ info: BaselineInfo; slices: SliceAggregate[] }> {
  const info = (await store.listBaselines()).find((b) => b.name === name);
  if (!info) throw new RequestError(await unknownBaseline(store, name), 'not_found');
  return { info, slices: await store.baselineSlices(name) };
}

async function unknownBaseline(store: Repository, name: string): Promise<string> {
  const names = (await store.listBaselines()).map((b) => b.name);
  return names.length === 0
    ? `no baseline named "${name}": none is registered yet (livegrade baseline register)`
    : `no baseline named "${name}" (registered: ${names.join(', ')})`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
