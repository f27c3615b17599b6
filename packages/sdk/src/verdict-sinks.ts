import type { Producer } from '@livegrade/bus';
import { PermanentError, type VerdictSink } from './verdict-queue.ts';

/** Verdicts as JSON on <prefix>.verdicts, keyed by decision id so a decision's verdicts stay in order. */
export function kafkaVerdictSink(producer: Producer, topic: string): VerdictSink {
  return (batch) =>
    producer.send(
      topic,
      batch.map((v) => ({ key: v.decision_id, value: Buffer.from(JSON.stringify(v)) })),
    );
}

/** A batch is one POST of `{ "verdicts": [...] }` to the gateway, which accepts or refuses it whole. */
export function gatewayVerdictSink(endpoint: string, timeoutMs = 10_000): VerdictSink {
  const url = `${endpoint}/v1/verdicts`;
  return async (batch) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verdicts: batch }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    const text = (await res.text().catch(() => '')).slice(0, 500);
    const message = `${url} answered ${res.status}: ${text}`;
    // a 4xx means this batch will never be accepted; overload and outages are worth retrying
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw retryable ? new Error(message) : new PermanentError(message);
  };
}
