import type { Env, EvalRun } from '@livegrade/core';
import { type EvalRecord, showEvalRun, signoffEvalRun } from '@livegrade/store';
import { type Flags, flagText } from '../flags.ts';
import { renderRunMarkdown } from '../replay/render.ts';
import { throughApiOrStore } from '../store-access.ts';
import { iso, renderRows } from '../table.ts';
import { UsageError } from '../usage.ts';

const USAGE = `usage:
  livegrade runs list [--json]
  livegrade runs show <id> [--format md|json]
  livegrade runs signoff <id> --reviewer <name> --note <text>`;

/** `livegrade runs ...`: evaluation records of replays, through the running instance's API or on the store. */
export async function runs(env: Env, args: string[], opts: Flags): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list':
      if (rest.length !== 0) throw new UsageError(`runs list takes no arguments\n\n${USAGE}`);
      return list(env, opts.json === true);
    case 'show':
      return show(env, one(rest, 'show'), typeof opts.format === 'string' ? opts.format : 'md');
    case 'signoff':
      return signoff(env, one(rest, 'signoff'), opts);
    default:
      throw new UsageError(sub ? `unknown runs command "${sub}"\n\n${USAGE}` : USAGE);
  }
}

function one(rest: string[], sub: string): string {
  if (rest.length !== 1) throw new UsageError(`runs ${sub} takes one run id\n\n${USAGE}`);
  return rest[0]!;
}

async function list(env: Env, json: boolean): Promise<number> {
  const recorded = await throughApiOrStore(env, {
    api: async (api) => (await api.json<{ runs: EvalRun[] }>('GET', '/v1/runs')).runs,
    store: (store) => store.evalRuns(),
  });
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
  const record = await throughApiOrStore<EvalRecord>(env, {
    api: (api) => api.json('GET', `/v1/runs/${encodeURIComponent(id)}`),
    store: (store) => showEvalRun(store, id),
  });
  process.stdout.write(format === 'json' ? `${JSON.stringify(record, null, 2)}\n` : renderRunMarkdown(record));
  return 0;
}

async function signoff(env: Env, id: string, opts: Flags): Promise<number> {
  const reviewer = flagText(opts, 'reviewer') ?? '';
  const note = flagText(opts, 'note') ?? '';
  if (!reviewer) throw new UsageError(`--reviewer is required: who signs the run off\n\n${USAGE}`);
  if (!note) throw new UsageError(`--note is required: what was checked or accepted\n\n${USAGE}`);
  const run = await throughApiOrStore<EvalRun>(env, {
    api: async (api) =>
      (await api.json<{ run: EvalRun }>('POST', `/v1/runs/${encodeURIComponent(id)}/signoff`, { reviewer, note })).run,
    store: (store) => signoffEvalRun(store, id, { reviewer, note }),
  });
  process.stdout.write(
    `run ${run.id} (${run.verdict}) signed off by ${reviewer}; sign-offs: ${run.signoffs.map((s) => s.reviewer).join(', ')}\n`,
  );
  return 0;
}
