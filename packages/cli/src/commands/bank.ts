import { userInfo } from 'node:os';
import type { BankCase, Env } from '@livegrade/core';
import { loadConfig } from '@livegrade/runtime';
import {
  type AddResult,
  addCasesFromSql,
  type BankListing,
  type CaptureResult,
  captureBank,
  listBank,
} from '@livegrade/store';
import { type Flags, flagText } from '../flags.ts';
import { replay } from '../replay/command.ts';
import { throughApiOrStore } from '../store-access.ts';
import { iso, renderRows } from '../table.ts';
import { UsageError } from '../usage.ts';

const USAGE = `usage:
  livegrade bank list [--all] [--json]
  livegrade bank add --sql "<SELECT decision_id [, expected_label] ...>"
  livegrade bank retire <id> --reason <why> [--by <name>]
  livegrade bank capture
  livegrade bank replay --target <url> [--k 5] [--concurrency 8] [--slice-bar 0.8] [--timeout 10s] [--retries 2]
add: each decision needs a kept input, and a human review unless the query returns an expected_label column`;

/** `livegrade bank ...` (issue 7): through the running instance's API, or on the store when none runs. */
export async function bank(env: Env, args: string[], opts: Flags): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list':
      noArguments(rest, sub);
      return list(env, opts);
    case 'add':
      noArguments(rest, sub);
      return add(env, opts);
    case 'retire':
      if (rest.length !== 1) throw new UsageError(`bank retire takes one case id\n\n${USAGE}`);
      return retire(env, rest[0]!, opts);
    case 'capture':
      noArguments(rest, sub);
      return capture(env);
    case 'replay':
      return replay(env, rest, opts);
    default:
      throw new UsageError(sub ? `unknown bank command "${sub}"\n\n${USAGE}` : USAGE);
  }
}

function noArguments(rest: string[], sub: string) {
  if (rest.length !== 0) throw new UsageError(`bank ${sub} takes flags only (got "${rest.join(' ')}")\n\n${USAGE}`);
}

async function list(env: Env, opts: Flags): Promise<number> {
  const all = opts.all === true;
  const listed = await throughApiOrStore(env, {
    api: (api) => api.json<BankListing>('GET', `/v1/bank/cases${all ? '?all=1' : ''}`),
    store: (store) => listBank(store, { includeRetired: all }),
  });
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
    throw new UsageError(`--sql is required: a SELECT returning a decision_id column\n\n${USAGE}`);
  }
  const result = await throughApiOrStore<AddResult>(env, {
    api: (api) => api.json<AddResult>('POST', '/v1/bank/cases', { sql }),
    store: async (store) => {
      const { config } = await loadConfig({ env });
      return addCasesFromSql(store, sql, { sliceBy: config.sampling.slice_by });
    },
  });
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
  if (!reason) throw new UsageError(`--reason is required: say why case ${id} no longer applies\n\n${USAGE}`);
  const by = flagText(opts, 'by')?.trim() || whoami();
  const retired = await throughApiOrStore<BankCase>(env, {
    api: async (api) =>
      (await api.json<{ case: BankCase }>('POST', `/v1/bank/cases/${encodeURIComponent(id)}/retire`, { reason, by }))
        .case,
    store: (store) => store.retireCase(id, reason, by),
  });
  process.stdout.write(
    `retired case ${retired.id} (${retired.slice}, seen ${retired.times_seen}×): no longer replayed; ` +
      'livegrade bank list --all still shows it\n',
  );
  return 0;
}

async function capture(env: Env): Promise<number> {
  const r = await throughApiOrStore<CaptureResult>(env, {
    api: (api) => api.json<CaptureResult>('POST', '/v1/bank/capture'),
    store: async (store) => {
      const { config } = await loadConfig({ env });
      return captureBank(store, { sliceBy: config.sampling.slice_by, lookbackMs: config.bank.capture_lookback });
    },
  });
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
