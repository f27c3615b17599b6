import type { Env } from '@livegrade/core';
import type { Command } from '../command.ts';
import { type Flags, flagText } from '../flags.ts';
import { withOperations } from '../operations.ts';
import { renderRunMarkdown } from '../replay/render.ts';
import { iso, renderRows } from '../table.ts';
import { UsageError } from '../usage.ts';

const RUN_ID = { min: 1, max: 1, what: 'one run id' };

/** `livegrade runs ...`: evaluation records of replays, through the running instance's API or on the store. */
export const command: Command = {
  actions: {
    list: {
      usage: 'livegrade runs list [--json]',
      flags: { json: { type: 'boolean' } },
      run: (env, _args, flags) => list(env, flags.json === true),
    },
    show: {
      usage: 'livegrade runs show <id> [--format md|json]',
      flags: { format: { type: 'string' } },
      args: RUN_ID,
      run: (env, [id], flags) => show(env, id!, flagText(flags, 'format') ?? 'md'),
    },
    signoff: {
      usage: 'livegrade runs signoff <id> --reviewer <name> --note <text>',
      flags: { reviewer: { type: 'string' }, note: { type: 'string' } },
      args: RUN_ID,
      run: (env, [id], flags) => signoff(env, id!, flags),
    },
  },
};

async function list(env: Env, json: boolean): Promise<number> {
  const { runs: recorded } = await withOperations(env, (ops) => ops.listRuns({}));
  if (json) {
    process.stdout.write(`${JSON.stringify(recorded, null, 2)}\n`);
    return 0;
  }
  if (recorded.length === 0) {
    process.stdout.write('no runs recorded (livegrade bank replay --target <url> records one)\n');
    return 0;
  }
  const rows = recorded.map((r) => ({
    id: r.id,
    started: iso(r.started_at),
    verdict: r.verdict,
    target: r.target,
    model_version: r.model_version,
    cases: r.cases,
    'pass@1': Number(r.overall.pass_rate.toFixed(4)),
    pass_k: Number(r.overall.pass_k.toFixed(4)),
    repeated: r.overall.repeated,
    signed_off_by: r.signoffs.map((s) => s.reviewer).join(', '),
  }));
  process.stdout.write(renderRows(rows, ['cases', 'pass@1', 'pass_k', 'repeated']));
  return 0;
}

async function show(env: Env, id: string, format: string): Promise<number> {
  if (format !== 'md' && format !== 'json') throw new UsageError(`unknown --format "${format}" (md or json)`);
  const record = await withOperations(env, (ops) => ops.showRun({ id }));
  process.stdout.write(format === 'json' ? `${JSON.stringify(record, null, 2)}\n` : renderRunMarkdown(record));
  return 0;
}

async function signoff(env: Env, id: string, opts: Flags): Promise<number> {
  const reviewer = flagText(opts, 'reviewer') ?? '';
  const note = flagText(opts, 'note') ?? '';
  if (!reviewer) throw new UsageError(`--reviewer is required: who signs the run off`);
  if (!note) throw new UsageError(`--note is required: what was checked or accepted`);
  const { run } = await withOperations(env, (ops) => ops.signoffRun({ id, reviewer, note }));
  process.stdout.write(
    `run ${run.id} (${run.verdict}) signed off by ${reviewer}; sign-offs: ${run.signoffs.map((s) => s.reviewer).join(', ')}\n`,
  );
  return 0;
}
