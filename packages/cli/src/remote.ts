import type { Env } from '@livegrade/core';
import type { ResultFormat } from '@livegrade/store';

export class RemoteError extends Error {
  override name = 'RemoteError';
}

/** A client for a running instance's API, or undefined when none answers. */
export async function findRunningApi(env: Env) {
  const base = env.LIVEGRADE_API_URL ?? `http://${env.LIVEGRADE_HOST}:${env.LIVEGRADE_API_PORT}`;
  if (!env.LIVEGRADE_API_URL && env.LIVEGRADE_API_PORT === 0) return undefined;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (env.LIVEGRADE_API_TOKEN) headers.authorization = `Bearer ${env.LIVEGRADE_API_TOKEN}`;
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { service?: string };
    if (!res.ok || body.service !== 'livegrade') return undefined;
  } catch {
    if (env.LIVEGRADE_API_URL) throw new RemoteError(`no livegrade API answers at LIVEGRADE_API_URL=${base}`);
    return undefined;
  }
  return {
    base,
    async sql(query: string, format: ResultFormat): Promise<string> {
      const res = await fetch(`${base}/v1/sql`, { method: 'POST', headers, body: JSON.stringify({ query, format }) });
      const text = await res.text();
      if (!res.ok) {
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: string }).error ?? text;
        } catch {}
        throw new RemoteError(`${res.status} from ${base}/v1/sql: ${message}`);
      }
      return text;
    },
  };
}
