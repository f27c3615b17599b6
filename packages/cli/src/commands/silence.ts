import { userInfo } from 'node:os';
import { addSilence, expireSilence, listSilences, type SilenceRequest } from '@livegrade/api';
import type { Env, Silence } from '@livegrade/core';
import { loadConfig } from '@livegrade/runtime';
import { throughApiOrStore } from '../store-access.ts';
import { iso, renderRows } from '../table.ts';
import { UsageError } from '../usage.ts';

const USAGE = `usage:
  livegrade silence add --rule <rule|*> --slice <slice|*> --for <duration> --comment <why> [--by <name>]
  livegrade silence list [--all] [--json]
  livegrade silence expire <id>
slices: * or dim=value pairs joined by , (language=hi matches every slice with language=hi); durations: 30m, 2h, 1d (at most 30d)`;

export interface SilenceOptions {
  rule?: string | undefined;
  slice?: string | undefined;
  for?: string | undefined;
  comment?: string | undefined;
  by?: string | undefined;
  all?: boolean | undefined;
  json?: boolean | undefined;
}

/** `livegrade silence ...`: through the running instance's API, or on the store when none runs. */
export async function silence(env: Env, args: string[], opts: SilenceOptions, now = Date.now()): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add':
      if (rest.length !== 0) throw new UsageError(`silence add takes flags only\n\n${USAGE}`);
      return add(env, opts);
    case 'list':
      if (rest.length !== 0) throw new UsageError(`silence list takes no arguments\n\n${USAGE}`);
      return list(env, opts, now);
    case 'expire':
      if (rest.length !== 1) throw new UsageError(`silence expire takes one silence id\n\n${USAGE}`);
      return expire(env, rest[0]!);
    default:
      throw new UsageError(sub ? `unknown silence command "${sub}"\n\n${USAGE}` : USAGE);
  }
}

async function add(env: Env, opts: SilenceOptions): Promise<number> {
  for (const flag of ['rule', 'slice', 'for', 'comment'] as const) {
    if (!opts[flag]?.trim()) throw new UsageError(`--${flag} is required\n\n${USAGE}`);
  }
  const request: SilenceRequest = {
    rule: opts.rule!,
    slice: opts.slice!,
    for: opts.for!,
    comment: opts.comment!,
    created_by: opts.by?.trim() || whoami(),
  };
  const added = await throughApiOrStore<Silence>(env, {
    api: async (api) => (await api.json<{ silence: Silence }>('POST', '/v1/silences', request)).silence,
    store: async (store) => addSilence(store, (await loadConfig({ env })).config.alerts, request),
  });
  const rule = added.rule === '*' ? 'every rule' : `rule "${added.rule}"`;
  const slice = added.slice === '*' ? 'every slice' : `slices matching ${added.slice}`;
  process.stdout.write(`silenced ${rule} on ${slice} until ${iso(added.ends_at)} (id ${added.id})\n`);
  process.stdout.write(`expire it early with: livegrade silence expire ${added.id}\n`);
  return 0;
}

async function list(env: Env, opts: SilenceOptions, now: number): Promise<number> {
  const all = opts.all ?? false;
  const silences = await throughApiOrStore(env, {
    api: async (api) => (await api.json<{ silences: Silence[] }>('GET', `/v1/silences${all ? '?all=1' : ''}`)).silences,
    store: (store) => listSilences(store, { all, now }),
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(silences, null, 2)}\n`);
    return 0;
  }
  if (silences.length === 0) {
    process.stdout.write(all ? 'no silences\n' : 'no active silences (--all shows expired ones)\n');
    return 0;
  }
  const rows = silences.map((s) => ({
    id: s.id,
    ...(all ? { state: s.ends_at <= now ? 'expired' : 'active' } : {}),
    rule: s.rule,
    slice: s.slice,
    from: iso(s.starts_at),
    until: iso(s.ends_at),
    by: s.created_by,
    comment: s.comment,
  }));
  process.stdout.write(renderRows(rows));
  return 0;
}

async function expire(env: Env, id: string): Promise<number> {
  const { silence: s, expired } = await throughApiOrStore(env, {
    api: (api) => api.json<{ silence: Silence; expired: boolean }>('DELETE', `/v1/silences/${encodeURIComponent(id)}`),
    store: (store) => expireSilence(store, id),
  });
  process.stdout.write(
    expired
      ? `silence ${s.id} expired: matching alerts notify again\n`
      : `silence ${s.id} had already ended at ${iso(s.ends_at)}\n`,
  );
  return 0;
}

/** who added a silence, when --by is not given: the login name, as the audit trail should say someone */
function whoami(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'cli';
  }
}
