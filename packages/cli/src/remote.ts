import type { Env } from '@livegrade/core';
import type { ResultFormat } from '@livegrade/store';

export class RemoteError extends Error {
  override name = 'RemoteError';
}

/** A client for a running instance's API, or undefined when none answers. */
export async function findRunningApi(env: Env) {
  const base = env.LIVEGRADE_API_URL ?? `http://${env.LIVEGRADE_HOST}:${env.LIVEGRADE_API_PORT}`;
  if (!env.LIVEGRADE_API_URL && env.LIVEGRADE_API_PORT === 0) return undefined;
  const auth: Record<string, string> = {};
  if (env.LIVEGRADE_API_TOKEN) auth.authorization = `Bearer ${env.LIVEGRADE_API_TOKEN}`;
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { service?: string };
    if (!res.ok || body.service !== 'livegrade') return undefined;
  } catch {
    if (env.LIVEGRADE_API_URL) throw new RemoteError(`no livegrade API answers at LIVEGRADE_API_URL=${base}`);
    return undefined;
  }
  async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<string> {
    const res = await fetch(`${base}${path}`, {
      method,
      // fastify refuses an empty body that says it is JSON
      ...(body === undefined
        ? { headers: auth }
        : { headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {}
      throw new RemoteError(`${res.status} from ${base}${path}: ${message}`);
    }
    return text;
  }
  return {
    base,
    sql: (query: string, format: ResultFormat) => call('POST', '/v1/sql', { query, format }),
    /** a JSON endpoint of the API; a non-2xx answer throws RemoteError with the API's message */
    async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
      return JSON.parse(await call(method, path, body)) as T;
    },
  };
}

export type RunningApi = NonNullable<Awaited<ReturnType<typeof findRunningApi>>>;
