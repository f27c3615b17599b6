import type { Env } from '@livegrade/core';
import { loadConfig } from '@livegrade/runtime';
import { exportEvalset, planExport } from '../evalset/export.ts';
import { EXPORT_USAGE, parseExportOptions } from '../evalset/options.ts';
import { renderExport } from '../evalset/report.ts';
import { apiSource, storeSource } from '../evalset/source.ts';
import type { Flags } from '../flags.ts';
import { throughApiOrStore } from '../store-access.ts';
import { UsageError } from '../usage.ts';

/** `livegrade evalset ...` (issue 7). Options are main.ts's parsed flags; values are strings until checked here. */
export async function evalset(env: Env, args: string[], opts: Flags, now = Date.now()): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'export') {
    throw new UsageError(sub ? `unknown evalset command "${sub}"\n\n${EXPORT_USAGE}` : EXPORT_USAGE);
  }
  if (rest.length > 0)
    throw new UsageError(`evalset export takes no arguments, got "${rest.join(' ')}"\n\n${EXPORT_USAGE}`);
  const plan = await planExport(parseExportOptions(opts, now));
  const result = await throughApiOrStore(env, {
    api: (api) => exportEvalset(apiSource(api), plan, now),
    store: async (store) => {
      const { config } = await loadConfig({ env });
      return exportEvalset(storeSource(store, config.sampling.slice_by), plan, now);
    },
  });
  process.stdout.write(renderExport(result));
  return 0;
}
