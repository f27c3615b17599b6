import { userInfo } from 'node:os';
import type { Env } from '@livegrade/core';
import type { Command } from '../command.ts';
import { type Flags, flagText } from '../flags.ts';
import { withOperations } from '../operations.ts';
import { REPLAY_FLAGS, REPLAY_USAGE, replay } from '../replay/command.ts';
import { iso, renderRows } from '../table.ts';
import { UsageError } from '../usage.ts';

const ADD_HELP =
  'add: each decision needs a kept input, and a human review unless the query returns an expected_label column';

/** `livegrade bank ...` (issue 7): through the running instance's API, or on the store when none runs. */
export const command: Command = {
  actions: {
    list: {
      usage: 'livegrade bank list [--all] [--json]',
      flags: { all: { type: 'boolean' }, json: { type: 'boolean' } },
      run: (env, _args, flags) => list(env, flags),
    },
    add: {
      usage: 'livegrade bank add --sql "<SELECT decision_id [, expected_label] ...>"',
      flags: { sql: { type: 'string' } },
      run: (env, _args, flags) => add(env, flags),
    },
    retire: {
      usage: 'livegrade bank retire <id> --reason <why> [--by <name>]',
      flags: { reason: { type: 'string' }, by: { type: 'string' } },
      args: { min: 1, max: 1, what: 'one case id' },
      run: (env, [id], flags) => retire(env, id!, flags),
    },
    capture: { usage: 'livegrade bank capture', run: (env) => capture(env) },
    replay: { usage: REPLAY_USAGE, flags: REPLAY_FLAGS, run: (env, _args, flags) => replay(env, flags) },
  },
  help: ADD_HELP,
};

async function list(env: Env, opts: Flags): Promise<number> {
  const all = opts.all === true;
  const listed = await withOperations(env, (ops) => ops.listBank({ all }));
  if (opts.json === true) {
    process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return 0;
  }
  const { cases } = listed;
  const active = cases.filter((c) => c.status === 'active').length;
  if (cases.length === 0) {
    process.stdout.write(
      all
        ? 'the bank is empty: overrides and labelled failures are captured as they arrive (livegrade bank capture)\n'
        : 'no active cases (livegrade bank list --all shows retired ones)\n',
    );
    return 0;
  }
  // worst first: the cases seen most often are the escapes that cost most
  const sorted = [...cases].sort((a, b) => b.times_seen - a.times_seen || a.slice.localeCompare(b.slice));
  const rows = sorted.map((c) => ({
    id: c.id,
    ...(all ? { status: c.status } : {}),
    slice: c.slice,
    expected: c.expected_label,
    model_said: c.model_label,
    reason: c.reason,
    times_seen: c.times_seen,
    first_seen: iso(c.first_seen),
    input: preview(c.input),
    ...(all ? { retired: c.status === 'retired' ? `${c.retired_by}: ${c.retired_reason}` : '' } : {}),
  }));
  process.stdout.write(renderRows(rows, ['times_seen']));
  process.stdout.write(`${active} active case${active === 1 ? '' : 's'}, bank version ${listed.bank_version}\n`);
  return 0;
}

async function add(env: Env, opts: Flags): Promise<number> {
  const sql = flagText(opts, 'sql');
  if (sql === undefined || sql.trim() === '') {
    throw new UsageError(`--sql is required: a SELECT returning a decision_id column\n\n${ADD_HELP}`);
  }
  const result = await withOperations(env, (ops) => ops.addBankCases({ sql }));
  for (const s of result.skipped) process.stdout.write(`skipped ${s.decision_id}: ${s.reason}\n`);
  const n = result.added.length;
  if (n === 0) {
    throw new Error(
      result.skipped.length === 0
        ? 'the query returned no decision ids: nothing added'
        : `none of the ${result.skipped.length} decisions could be added (reasons above)`,
    );
  }
  process.stdout.write(
    `added ${n} decision${n === 1 ? '' : 's'} to ${result.cases} case${result.cases === 1 ? '' : 's'}` +
      `${result.skipped.length ? `, skipped ${result.skipped.length}` : ''}\n`,
  );
  return 0;
}

async function retire(env: Env, id: string, opts: Flags): Promise<number> {
  const reason = flagText(opts, 'reason')?.trim();
  if (!reason) throw new UsageError(`--reason is required: say why case ${id} no longer applies`);
  const by = flagText(opts, 'by')?.trim() || whoami();
  const { case: retired } = await withOperations(env, (ops) => ops.retireBankCase({ id, reason, by }));
  process.stdout.write(
    `retired case ${retired.id} (${retired.slice}, seen ${retired.times_seen}×): no longer replayed; ` +
      'livegrade bank list --all still shows it\n',
  );
  return 0;
}

async function capture(env: Env): Promise<number> {
  const r = await withOperations(env, (ops) => ops.captureBank({}));
  process.stdout.write(
    `captured ${r.captured} decision${r.captured === 1 ? '' : 's'} into ${r.cases} case${r.cases === 1 ? '' : 's'} ` +
      `(${r.overrides} overrides, ${r.labelled_failures} labelled failures)` +
      `${r.skipped_no_input ? `; ${r.skipped_no_input} without a kept input yet, tried again on the next capture` : ''}\n`,
  );
  return 0;
}

/** One line of at most 48 characters, so a table row stays a row. */
function preview(input: string): string {
  const line = input.replace(/\s+/g, ' ').trim();
  return line.length > 48 ? `${line.slice(0, 47)}…` : line;
}

function whoami(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
