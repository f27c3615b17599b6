import type { Env } from '@livegrade/core';
import type { Command } from '../command.ts';
import { type Flags, flagText, parseTime } from '../flags.ts';
import { withOperations } from '../operations.ts';
import { iso, renderRows } from '../table.ts';
import { UsageError } from '../usage.ts';

const TIMES = 'times: ISO 8601 (2026-11-20T00:00:00Z), "now", or "now-<duration>" (now-7d, now-90m)';

/** `livegrade baseline ...`: through the running instance's API, or on the store when none runs. */
export const command: Command = {
  actions: {
    register: {
      usage: 'livegrade baseline register --name <name> --from <time> --to <time> [--model-version <v>] [--activate]',
      flags: {
        name: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'model-version': { type: 'string' },
        activate: { type: 'boolean' },
      },
      run: (env, _args, flags) => register(env, flags),
    },
    list: { usage: 'livegrade baseline list', run: (env) => list(env) },
    show: {
      usage: 'livegrade baseline show <name> [--format table|json]',
      flags: { format: { type: 'string' } },
      args: { min: 1, max: 1, what: 'one baseline name' },
      run: (env, [name], flags) => show(env, name!, flagText(flags, 'format') ?? 'table'),
    },
    activate: {
      usage: 'livegrade baseline activate <name>',
      args: { min: 1, max: 1, what: 'one baseline name' },
      run: (env, [name]) => activate(env, name!),
    },
  },
  help: TIMES,
};

function required(flags: Flags, flag: string): string {
  const value = flagText(flags, flag);
  if (!value) throw new UsageError(`--${flag} is required\n\n${TIMES}`);
  return value;
}

async function register(env: Env, flags: Flags, now = Date.now()): Promise<number> {
  const name = required(flags, 'name');
  const from = parseTime(required(flags, 'from'), '--from', now);
  const to = parseTime(required(flags, 'to'), '--to', now);
  const modelVersion = flagText(flags, 'model-version');
  const { baseline: info } = await withOperations(env, (ops) =>
    ops.registerBaseline({
      name,
      from,
      to,
      ...(modelVersion ? { model_version: modelVersion } : {}),
      activate: flags.activate === true,
    }),
  );
  process.stdout.write(
    `registered baseline "${info.name}": ${info.volume} decisions in ${info.slices} slices, ${iso(info.from)} to ${iso(info.to)}` +
      `${info.model_version ? `, model version ${info.model_version}` : ''}${info.active ? ' (active)' : ''}\n`,
  );
  if (!info.active) process.stdout.write(`activate it with: livegrade baseline activate ${info.name}\n`);
  return 0;
}

async function list(env: Env): Promise<number> {
  const { baselines } = await withOperations(env, (ops) => ops.listBaselines({}));
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
  const shown = await withOperations(env, (ops) => ops.showBaseline({ name }));
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
  await withOperations(env, (ops) => ops.activateBaseline({ name }));
  process.stdout.write(`baseline "${name}" is active: the next scoring windows compare against it\n`);
  return 0;
}
