import type { Env } from '@livegrade/core';
import type { Command } from '../command.ts';
import { exportEvalset, planExport } from '../evalset/export.ts';
import { EXPORT_FLAGS, EXPORT_USAGE, parseExportOptions } from '../evalset/options.ts';
import { renderExport } from '../evalset/report.ts';
import type { Flags } from '../flags.ts';
import { withOperations } from '../operations.ts';

/** `livegrade evalset export` (issue 7): through the running instance's API, or on the store when none runs. */
export const command: Command = {
  actions: {
    export: {
      usage: EXPORT_USAGE.replace(/^usage:\s*/, ''),
      flags: EXPORT_FLAGS,
      run: (env, _args, flags) => evalset(env, flags),
    },
  },
};

async function evalset(env: Env, opts: Flags, now = Date.now()): Promise<number> {
  const plan = await planExport(parseExportOptions(opts, now));
  const result = await withOperations(env, (ops) => exportEvalset(ops, plan, now));
  process.stdout.write(renderExport(result));
  return 0;
}
