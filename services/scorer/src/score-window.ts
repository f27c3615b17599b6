import { evaluateWindow, type ScoreWindowJob, type ScoringConfig, type SliceAggregate } from '@livegrade/core';
import type { Repository } from '@livegrade/store';

export interface WindowScore {
  window_start: number;
  window_end: number;
  slices: number;
  rows: number;
  degraded: number;
  baseline: string;
}

/**
 * Scores one window: the per-slice aggregates in one ClickHouse pass, the
 * comparison with the active baseline, one insert of its rows. Idempotent:
 * the rows replace any earlier run of the same window.
 */
export async function scoreWindow(
  deps: { store: Repository; baselines: BaselineCache },
  config: ScoringConfig,
  window: ScoreWindowJob,
): Promise<WindowScore> {
  const range = { from: window.end_ms - window.window_ms, to: window.end_ms };
  const [current, baseline] = await Promise.all([
    deps.store.sliceAggregates(config.slices, range),
    deps.baselines.active(),
  ]);
  const rows = evaluateWindow({
    window_start: range.from,
    window_end: range.to,
    current,
    baseline,
    config,
  });
  await deps.store.insertSliceMetrics(rows);
  return {
    window_start: range.from,
    window_end: range.to,
    slices: current.length,
    rows: rows.length,
    degraded: rows.filter((r) => r.degraded).length,
    baseline: baseline?.name ?? '',
  };
}

export interface BaselineCache {
  active(): Promise<{ name: string; slices: ReadonlyMap<string, SliceAggregate> } | null>;
}

/**
 * Baselines are immutable, so a baseline's slices are loaded once per name;
 * which one is active is asked on every window, so an activation takes
 * effect at the next window on every worker.
 */
export function baselineCache(store: Repository): BaselineCache {
  const loaded = new Map<string, Promise<ReadonlyMap<string, SliceAggregate>>>();
  return {
    async active() {
      const name = await store.activeBaseline();
      if (name === null) return null;
      let slices = loaded.get(name);
      if (!slices) {
        slices = store.baselineSlices(name).then((rows) => new Map(rows.map((r) => [r.slice, r])));
        loaded.set(name, slices);
        slices.catch(() => loaded.delete(name));
      }
      return { name, slices: await slices };
    },
  };
}
