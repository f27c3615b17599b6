import type { Env } from '@livegrade/core';
import { openStore, type Store } from '@livegrade/store';
import { findRunningApi, type RunningApi } from './remote.ts';

/**
 * Runs a command through the running instance's API when one answers (it
 * holds the embedded store, which one process at a time can open), otherwise
 * on the store directly.
 */
export async function throughApiOrStore<T>(
  env: Env,
  run: { api: (api: RunningApi) => Promise<T>; store: (store: Store) => Promise<T> },
): Promise<T> {
  const api = await findRunningApi(env);
  if (api) return run.api(api);
  const store = await openStore(env).catch((err: Error) => {
    if (/Cannot lock file/i.test(err.message)) {
      throw new Error(
        `the store in ${env.LIVEGRADE_DATA_DIR} is held by another livegrade process whose API does not answer at ${env.LIVEGRADE_HOST}:${env.LIVEGRADE_API_PORT}; go through that instance (set LIVEGRADE_API_URL) or stop it`,
      );
    }
    throw err;
  });
  try {
    return await run.store(store);
  } finally {
    await store.close();
  }
}
