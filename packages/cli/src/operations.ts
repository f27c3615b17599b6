import type { Env } from '@livegrade/core';
import { createHttpOperations, createStoreOperations, type Operations, RemoteError } from '@livegrade/ops';
import { loadConfig } from '@livegrade/runtime';
import { openStore } from '@livegrade/store';

/**
 * The base URL of a running instance's API, or undefined when none answers.
 * LIVEGRADE_API_URL names one that must answer; otherwise the default
 * address is tried (port 0 turns the probe off).
 */
export async function runningApi(env: Env): Promise<string | undefined> {
  const base = env.LIVEGRADE_API_URL ?? `http://${env.LIVEGRADE_HOST}:${env.LIVEGRADE_API_PORT}`;
  if (!env.LIVEGRADE_API_URL && env.LIVEGRADE_API_PORT === 0) return undefined;
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { service?: string };
    if (!res.ok || body.service !== 'livegrade') return undefined;
  } catch {
    if (env.LIVEGRADE_API_URL) throw new RemoteError(`no livegrade API answers at LIVEGRADE_API_URL=${base}`);
    return undefined;
  }
  return base;
}

/**
 * Runs `run` with the operations of a running instance (over its API: it
 * holds the embedded store, which one process at a time can open) when one
 * answers, otherwise with the operations on the store itself, configured
 * from the environment as the instance would be.
 */
export async function withOperations<T>(env: Env, run: (ops: Operations) => Promise<T>): Promise<T> {
  const base = await runningApi(env);
  if (base) return run(createHttpOperations({ base, token: env.LIVEGRADE_API_TOKEN }));
  const { config } = await loadConfig({ env });
  const store = await openStore(env).catch((err: Error) => {
    if (/Cannot lock file/i.test(err.message)) {
      throw new Error(
        `the store in ${env.LIVEGRADE_DATA_DIR} is held by another livegrade process whose API does not answer at ${env.LIVEGRADE_HOST}:${env.LIVEGRADE_API_PORT}; go through that instance (set LIVEGRADE_API_URL) or stop it`,
      );
    }
    throw err;
  });
  try {
    return await run(
      createStoreOperations(store, {
        scoring: config.scoring,
        alerts: config.alerts,
        sliceBy: config.sampling.slice_by,
        captureLookbackMs: config.bank.capture_lookback,
      }),
    );
  } finally {
    await store.close();
  }
}
