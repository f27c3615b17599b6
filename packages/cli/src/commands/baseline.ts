import type { BaselineInfo, Env, SliceAggregate } from '@livegrade/core';
import { loadConfig } from '@livegrade/runtime';
import { activateBaseline, registerBaseline, showBaseline } from '@livegrade/store';
import { parseTime } from '../flags.ts';
import { throughApiOrStore } from '../store-access.ts';
import { iso, renderRows } from '../table.ts';
import { UsageError } from '../usage.ts';

const USAGE = `usage:
  livegrade baseline register --name <name> --from <time> --to <time> [--model-version <v>] [--activate]
  livegrade baseline list
  livegrade baseline show <name> [--format table|json]
  livegrade baseline activate <name>
times: ISO 8601 (2026-11-20T00:00:00Z), "now", or "now-<duration>" (now-7d, now-90m)`;

export interface BaselineOptions {
  name?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  modelVersion?: string | undefined;
  activate?: boolean | undefined;
  format?: string | undefined;
}

/** `livegrade baseline ...`: through the running instance's API, or on the store when none runs. */
export async function baseline(env: Env, args: string[], opts: BaselineOptions, now = Date.now()): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'register':
      return register(env, opts, now);
    case 'list':
      return list(env);
    case 'show':
      return show(env, one(rest, 'show'), opts.format ?? 'table');
    case 'activate':
      return activate(env, one(rest, 'activate'));
    default:
      throw new UsageError(sub ? `unknown baseline command "${sub}"\n\n${USAGE}` : USAGE);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required\n\n${USAGE}`);
  return value;
}

function one(rest: string[], sub: string): string {
  if (rest.length !== 1) throw new UsageError(`baseline ${sub} takes one baseline name\n\n${USAGE}`);
  return rest[0]!;
}

async function register(env: Env, opts: BaselineOptions, now: number): Promise<number> {
  if (!opts.name) throw new UsageError(`--name is required\n\n${USAGE}`);
  const from = parseTime(required(opts.from, '--from'), '--from', now);
  const to = parseTime(required(opts.to, '--to'), '--to', now);
  const name = opts.name;
  const info = await throughApiOrStore<BaselineInfo>(env, {
    api: async (api) =>
      (
        await api.json<{ baseline: BaselineInfo }>('POST', '/v1/baselines', {
          name,
          from,
          to,
          ...(opts.modelVersion ? { model_version: opts.modelVersion } : {}),
          activate: opts.activate ?? false,
        })
      ).baseline,
    store: async (store) => {
      const { config } = await loadConfig({ env });
      const registered = await registerBaseline(store, config.scoring, {
        name,
        from,
        to,
        modelVersion: opts.modelVersion,
      });
      if (opts.activate) await activateBaseline(store, name);
      return { ...registered, active: opts.activate ?? false };
    },
  });
  process.stdout.write(
    `registered baseline "${info.name}": ${info.volume} decisions in ${info.slices} slices, ${iso(info.from)} to ${iso(info.to)}` +
      `${info.model_version ? `, model version ${info.model_version}` : ''}${info.active ? ' (active)' : ''}\n`,
  );
  if (!info.active) process.stdout.write(`activate it with: livegrade baseline activate ${info.name}\n`);
  return 0;
}

async function list(env: Env): Promise<number> {
  const baselines = await throughApiOrStore(env, {
    api: async (api) => (await api.json<{ baselines: BaselineInfo[] }>('GET', '/v1/baselines')).baselines,
    store: (store) => store.listBaselines(),
  });
  if (baselines.length === 0) {
    process.stdout.write('no baselines registered (livegrade baseline register --name ... --from ... --to ...)\n');
    return 0;
  }
  const rows = baselines.map((b) => ({
    name: b.name,
    active: b.active ? 'yes' : '',
    from: iso(b.from),
    to: iso(b.to),
    model_version: b.model_version || '(all)',
    slices: b.slices,
    decisions: b.volume,
    created: iso(b.created_at),
  }));
  process.stdout.write(renderRows(rows, ['slices', 'decisions']));
  return 0;
}

async function show(env: Env, name: string, format: string): Promise<number> {
  if (format !== 'table' && format !== 'json') throw new UsageError(`unknown --format "${format}" (table or json)`);
  const shown = await throughApiOrStore(env, {
    api: (api) =>
      api.json<{ info: BaselineInfo; slices: SliceAggregate[] }>('GET', `/v1/baselines/${encodeURIComponent(name)}`),
    store: (store) => showBaseline(store, name),
  });
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  }
  const { info, slices } = shown;
  process.stdout.write(
    `baseline "${info.name}"${info.active ? ' (active)' : ''}: ${iso(info.from)} to ${iso(info.to)}, ` +
      `model version ${info.model_version || '(all)'}, registered ${iso(info.created_at)}\n`,
  );
  const rate = (x: number, n: number) => (n === 0 ? null : Number((x / n).toFixed(4)));
  const rows = slices.map((s) => ({
    slice: s.slice,
    decisions: s.volume,
    error_rate: rate(s.errors, s.volume),
    fallback_rate: rate(s.fallbacks, s.volume),
    thumbs_down_rate: rate(s.thumbs_down, s.volume),
    reviewed: s.reviewed,
    override_rate: rate(s.overridden, s.reviewed),
    latency_p95_ms: Number(s.latency_p95.toFixed(1)),
  }));
  process.stdout.write(
    renderRows(rows, [
      'decisions',
      'error_rate',
      'fallback_rate',
      'thumbs_down_rate',
      'reviewed',
      'override_rate',
      'latency_p95_ms',
    ]),
  );
  return 0;
}

async function activate(env: Env, name: string): Promise<number> {
  await throughApiOrStore(env, {
    api: (api) => api.json('POST', `/v1/baselines/${encodeURIComponent(name)}/activate`),
    store: (store) => activateBaseline(store, name),
  });
  process.stdout.write(`baseline "${name}" is active: the next scoring windows compare against it\n`);
  return 0;
}
