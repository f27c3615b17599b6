import { userInfo } from 'node:os';
import type { Env } from '@livegrade/core';
import type { Command } from '../command.ts';
import { type Flags, flagText } from '../flags.ts';
import { withOperations } from '../operations.ts';
import { iso, renderRows } from '../table.ts';
import { UsageError } from '../usage.ts';

const HELP =
  'slices: * or dim=value pairs joined by , (language=hi matches every slice with language=hi); durations: 30m, 2h, 1d (at most 30d)';

/** `livegrade silence ...`: through the running instance's API, or on the store when none runs. */
export const command: Command = {
  actions: {
    add: {
      usage: 'livegrade silence add --rule <rule|*> --slice <slice|*> --for <duration> --comment <why> [--by <name>]',
      flags: {
        rule: { type: 'string' },
        slice: { type: 'string' },
        for: { type: 'string' },
        comment: { type: 'string' },
        by: { type: 'string' },
      },
      run: (env, _args, flags) => add(env, flags),
    },
    list: {
      usage: 'livegrade silence list [--all] [--json]',
      flags: { all: { type: 'boolean' }, json: { type: 'boolean' } },
      run: (env, _args, flags) => list(env, flags),
    },
    expire: {
      usage: 'livegrade silence expire <id>',
      args: { min: 1, max: 1, what: 'one silence id' },
      run: (env, [id]) => expire(env, id!),
    },
  },
  help: HELP,
};

async function add(env: Env, flags: Flags): Promise<number> {
  const [ruleText, sliceText, duration, comment] = (['rule', 'slice', 'for', 'comment'] as const).map((flag) => {
    const value = flagText(flags, flag);
    if (!value) throw new UsageError(`--${flag} is required\n\n${HELP}`);
    return value;
  });
  const { silence: added } = await withOperations(env, (ops) =>
    ops.addSilence({
      rule: ruleText!,
      slice: sliceText!,
      for: duration!,
      comment: comment!,
      created_by: flagText(flags, 'by') || whoami(),
    }),
  );
  const rule = added.rule === '*' ? 'every rule' : `rule "${added.rule}"`;
  const slice = added.slice === '*' ? 'every slice' : `slices matching ${added.slice}`;
  process.stdout.write(`silenced ${rule} on ${slice} until ${iso(added.ends_at)} (id ${added.id})\n`);
  process.stdout.write(`expire it early with: livegrade silence expire ${added.id}\n`);
  return 0;
}

async function list(env: Env, flags: Flags, now = Date.now()): Promise<number> {
  const all = flags.all === true;
  const { silences } = await withOperations(env, (ops) => ops.listSilences({ all }));
  if (flags.json === true) {
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
  const { silence: s, expired } = await withOperations(env, (ops) => ops.expireSilence({ id }));
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
