import type { Env } from '@livegrade/core';
import type { JsonResult, ResultFormat } from '@livegrade/store';
import type { Command } from '../command.ts';
import { flagText } from '../flags.ts';
import { withOperations } from '../operations.ts';
import { renderTable } from '../table.ts';
import { UsageError } from '../usage.ts';

const FORMATS = ['json', 'table', 'csv', 'tsv'] as const;
type CliFormat = (typeof FORMATS)[number];

export const command: Command = {
  usage: 'livegrade sql "<SELECT ...>" [--format table|json|csv|tsv]',
  flags: { format: { type: 'string' } },
  args: 'rest',
  run: (env, args, flags) => sql(env, args.join(' ') || undefined, { format: flagText(flags, 'format') }),
};

/**
 * `livegrade sql "<query>"`: through the running instance's API when one
 * answers (it holds the embedded store), otherwise on the store directly.
 */
export async function sql(
  env: Env,
  query: string | undefined,
  options: { format?: string | undefined },
): Promise<number> {
  if (!query) throw new UsageError('usage: livegrade sql "<SELECT ...>" [--format json|table|csv|tsv]');
  const format = (options.format ?? 'table') as CliFormat;
  if (!FORMATS.includes(format))
    throw new UsageError(`unknown --format "${options.format}" (choose from ${FORMATS.join(', ')})`);
  const wire: ResultFormat = format === 'table' ? 'json' : format;
  const body = await runQuery(env, query, wire);
  process.stdout.write(
    format === 'table' ? renderTable(JSON.parse(body) as JsonResult) : body.endsWith('\n') ? body : `${body}\n`,
  );
  return 0;
}

async function runQuery(env: Env, query: string, format: ResultFormat): Promise<string> {
  return (await withOperations(env, (ops) => ops.sql({ query, format }))).body;
}
