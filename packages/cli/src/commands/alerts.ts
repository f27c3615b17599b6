import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, checkAlertRules, type Env } from '@livegrade/core';
import { loadConfig, parseYaml } from '@livegrade/runtime';
import type { Command } from '../command.ts';
import { withOperations } from '../operations.ts';
import { iso, renderRows } from '../table.ts';

/** `livegrade alerts ...`: `check` reads only the file; `list` goes through the running instance or the store. */
export const command: Command = {
  actions: {
    check: {
      usage:
        'livegrade alerts check <file>     validate alert rules (a livegrade.config.yaml, or a file with just alerts:)',
      args: { min: 1, max: 1, what: 'one file' },
      run: (env, [file]) => check(env, file!),
    },
    list: {
      usage: 'livegrade alerts list [--json]    firing and pending alerts, worst first',
      flags: { json: { type: 'boolean' } },
      run: (env, _args, flags) => list(env, flags.json === true),
    },
  },
};

/**
 * Validated with the same code a service runs at start, so "ok" here means
 * the alerter will take the rules. A file with only the alerts section is
 * checked against the scoring section the rules would run with (the
 * livegrade.config.yaml in use, else the defaults).
 */
async function check(env: Env, file: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(resolve(file), 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const doc = parseYaml(text, file);
  const mapping = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc : {};
  if (!['alerts', 'rules', 'receivers'].some((k) => k in mapping)) {
    throw new ConfigError(`${file} has no alerts: section; no rules to check`);
  }
  const whole = 'scoring' in mapping || 'sampling' in mapping;
  const base = whole ? undefined : await loadConfig({ env });
  const { rules, receivers } = checkAlertRules(doc, file, base?.config);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const against = !base
    ? ''
    : base.path
      ? ` (windows and slices checked against ${base.path})`
      : ' (windows and slices checked against the default scoring section)';
  process.stdout.write(
    `ok: ${count(rules.length, 'rule')}, ${count(Object.keys(receivers).length, 'receiver')}${against}\n`,
  );
  return 0;
}

async function list(env: Env, json: boolean): Promise<number> {
  const { alerts: listed } = await withOperations(env, (ops) => ops.listAlerts({}));
  if (json) {
    process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return 0;
  }
  if (listed.length === 0) {
    process.stdout.write('no firing or pending alerts\n');
    return 0;
  }
  const rows = listed.map((a) => ({
    state: a.state,
    severity: a.severity ?? '?',
    rule: a.rule,
    slice: a.slice,
    value: a.last ? `${figure(a.last.value)} vs ${figure(a.last.baseline_value)}` : '-',
    baseline: a.last?.baseline || '-',
    n: a.last?.n ?? '-',
    q: a.last?.q_value == null ? '-' : figure(a.last.q_value),
    since: since(a.state === 'firing' ? a.fired_at : a.active_at),
  }));
  process.stdout.write(renderRows(rows, ['n']));
  return 0;
}

function figure(v: number | null): string {
  return v === null ? '-' : String(Number(v.toPrecision(4)));
}

function since(ms: number | null): string {
  return ms === null ? '-' : iso(ms);
}
