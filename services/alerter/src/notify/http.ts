import { errorForAnswer, errorForNoAnswer, type Target } from './classify.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * One POST of a JSON body; resolves with the status of a 2xx, throws the
 * classified error otherwise. Redirects are not followed: a 30x would
 * replay the alert to wherever it points, or drop it, as a GET.
 */
export async function postJson(
  url: string,
  body: unknown,
  target: Target,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ status: number; body: string }> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'livegrade-alerter' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    throw errorForNoAnswer(target, err);
  }
  const error = errorForAnswer(target, { status: res.status, retryAfter: res.headers.get('retry-after'), body: text });
  if (error) throw error;
  return { status: res.status, body: text };
}
