import type { Env } from '@livegrade/core';
import { openStoreClients, type ReadLimits, type StoreClients } from './client.ts';
import { assertMigrated, migrate } from './migrate.ts';
import { createRepository, type Repository } from './repository.ts';

export * from './alerts.ts';
export * from './bank.ts';
export * from './client.ts';
export * from './decision-facts.ts';
export * from './eval-runs.ts';
export * from './evalset.ts';
export type { InsertObservation, InsertObserver } from './insert-timing.ts';
export * from './migrate.ts';
export * from './read-only-sql.ts';
export * from './refused-rows.ts';
export * from './repository.ts';
export * from './rows.ts';
export * from './scoring.ts';
export * from './slice-aggregates.ts';
export * from './slice-sql.ts';
export * from './slice-views.ts';

export interface Store extends Repository {
  clients: StoreClients;
  close(): Promise<void>;
}

/**
 * Opens the store the environment selects, brings its schema up to date (only
 * checks it when LIVEGRADE_MIGRATE=false), returns the repository.
 */
export async function openStore(env: Env, limits?: ReadLimits): Promise<Store> {
  const clients = await openStoreClients(env, limits);
  try {
    if (env.LIVEGRADE_MIGRATE) await migrate(clients.writer);
    else await assertMigrated(clients.writer);
  } catch (err) {
    await clients.close();
    throw err;
  }
  return { ...createRepository(clients), clients, close: () => clients.close() };
}
