import type { Env } from '@livegrade/core';
import { migrate as applyMigrations, loadMigrations, openStoreClients } from '@livegrade/store';
import type { Command } from '../command.ts';

export const command: Command = {
  usage: `livegrade migrate                            apply the store's pending migrations and exit (the one-shot job
                                               before services that run with LIVEGRADE_MIGRATE=false)`,
  run: (env) => migrate(env),
};

/**
 * `livegrade migrate`: applies the pending ClickHouse migrations and exits.
 * The one-shot job of a deployment whose services run with
 * LIVEGRADE_MIGRATE=false, so that they never migrate at once; it migrates
 * whatever LIVEGRADE_MIGRATE says.
 */
export async function migrate(env: Env): Promise<number> {
  const clients = await openStoreClients(env).catch((err: Error) => {
    if (/Cannot lock file/i.test(err.message)) {
      throw new Error(
        `the store in ${env.LIVEGRADE_DATA_DIR} is held by another livegrade process, which migrated it when it opened it`,
      );
    }
    throw err;
  });
  try {
    const applied = await applyMigrations(clients.writer);
    const where =
      clients.mode === 'chdb'
        ? `the embedded store in ${env.LIVEGRADE_DATA_DIR}`
        : `database ${clients.database} on ${env.LIVEGRADE_CLICKHOUSE_URL}`;
    const total = (await loadMigrations()).length;
    process.stdout.write(
      applied.length === 0
        ? `schema of ${where} is up to date (${total} migrations applied before)\n`
        : `applied ${applied.length} of ${total} migrations to ${where}:\n${applied.map((m) => `  ${m}\n`).join('')}`,
    );
    return 0;
  } finally {
    await clients.close();
  }
}
