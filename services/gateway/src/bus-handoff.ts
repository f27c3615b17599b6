import type { OutgoingMessage, Producer } from '@livegrade/bus';
import type { Logger } from '@livegrade/runtime';

/**
 * The gateway's one way onto the bus. `send` resolves true only once the bus
 * acknowledged every message: the producer writes with acks=all, so a 2xx
 * answered after it never loses what it accepted. False means the bus refused
 * or did not answer within sendTimeoutMs, and the caller answers 503. A send
 * given up on may still land later, or in part, and the client's retry then
 * writes a duplicate: the price of never answering 2xx for a loss. Spans
 * collapse in the store (ReplacingMergeTree on trace and span id, read with
 * FINAL); a verdict only when its client set its id.
 */
export interface BusHandoff {
  send(topic: string, messages: OutgoingMessage[]): Promise<boolean>;
}

/**
 * During an outage every request fails the same way: the log gets one warning
 * when it starts and one line when writes go through again, with how many
 * requests were turned away, not a line per request.
 */
export function createBusHandoff(producer: Producer, sendTimeoutMs: number, log: Logger): BusHandoff {
  let outage: { since: number; refused: number } | undefined;
  return {
    async send(topic, messages) {
      const failure = await failureWithin(producer.send(topic, messages), sendTimeoutMs);
      if (failure === undefined) {
        if (outage) {
          log.info(
            { downForMs: Date.now() - outage.since, refusedRequests: outage.refused },
            'bus accepts writes again',
          );
          outage = undefined;
        }
        return true;
      }
      if (!outage) {
        outage = { since: Date.now(), refused: 0 };
        // the client library's message only: its error objects can carry connection details
        log.warn(
          { topic, reason: failure },
          'bus does not accept writes: answering 503 with Retry-After until it does',
        );
      }
      outage.refused++;
      return false;
    },
  };
}

/** undefined when the send was acknowledged in time, else why not. */
async function failureWithin(send: Promise<void>, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no acknowledgement within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      send.then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
