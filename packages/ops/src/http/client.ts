import type { ResultFormat } from '@livegrade/store';
import { OPERATION_NAMES, OPERATIONS, type OperationSpec, type Operations } from '../operations.ts';
import { PROBLEM_CONTENT_TYPE, type Problem, requestErrorOf } from './problem.ts';

/** An answer from the API that is not a livegrade problem (a proxy's page, a 5xx): status and text. */
export class RemoteError extends Error {
  override name = 'RemoteError';
}

export interface HttpOperationsOptions {
  /** the API's base URL, e.g. http://127.0.0.1:8080 */
  base: string;
  /** LIVEGRADE_API_TOKEN, sent as a bearer token; never logged */
  token?: string | undefined;
}

/**
 * The operations over HTTP to a running instance: each call is the route
 * the catalogue names, path parameters filled from the input, the rest as
 * the query (GET) or the JSON body. The instance validates; a refusal comes
 * back as problem+json and is thrown as the same RequestError the store
 * implementation would throw.
 */
export function createHttpOperations(opts: HttpOperationsOptions): Operations {
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  const ops = {} as Record<string, (input: unknown) => Promise<unknown>>;
  for (const name of OPERATION_NAMES) {
    ops[name] = async (input) => {
      const res = await send(opts.base, auth, OPERATIONS[name], (input ?? {}) as Record<string, unknown>);
      const text = await res.text();
      if (name === 'sql') {
        return { format: ((input as { format?: ResultFormat }).format ?? 'json') as ResultFormat, body: text };
      }
      return JSON.parse(text);
    };
  }
  return ops as unknown as Operations;
}

async function send(
  base: string,
  auth: Record<string, string>,
  spec: OperationSpec,
  input: Record<string, unknown>,
): Promise<Response> {
  const rest = { ...input };
  const path = spec.path.replace(/:(\w+)/g, (_, field: string) => {
    const value = rest[field];
    delete rest[field];
    return encodeURIComponent(String(value ?? ''));
  });
  const url = new URL(`${base}${path}`);
  let body: string | undefined;
  if (spec.method === 'GET') {
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined || v === false) continue;
      url.searchParams.set(k, v === true ? '1' : String(v));
    }
  } else if (Object.keys(rest).length > 0) {
    body = JSON.stringify(rest);
  }
  const res = await fetch(url, {
    method: spec.method,
    // fastify refuses an empty body that says it is JSON
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
  if (res.ok) return res;
  const text = await res.text();
  if (res.headers.get('content-type')?.startsWith(PROBLEM_CONTENT_TYPE)) {
    let problem: Partial<Problem> = {};
    try {
      problem = JSON.parse(text) as Partial<Problem>;
    } catch {}
    const known = requestErrorOf(problem);
    if (known) throw known;
    if (typeof problem.detail === 'string')
      throw new RemoteError(`${res.status} from ${url.origin}${path}: ${problem.detail}`);
  }
  throw new RemoteError(`${res.status} from ${url.origin}${path}: ${text}`);
}
