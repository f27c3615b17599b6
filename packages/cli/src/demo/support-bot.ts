import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { init } from '@livegrade/sdk';
import { MODEL, type SupportCase, type TrafficModel } from './traffic-model.ts';

export interface BotCounts {
  decisions: number;
  errors: number;
  /** reviews and feedback handed to the SDK */
  verdicts: number;
  reviews: number;
  overrides: number;
}

export interface SupportBot {
  start(): void;
  /** ships prompt-v8, which breaks the degraded slice */
  breakModel(): void;
  readonly modelVersion: string;
  /** what was sent, overall or for one model version */
  counts(modelVersion?: string): BotCounts;
  /** resolves once every decision of `modelVersion` has ended and all its verdicts are handed to the SDK and sent */
  settle(modelVersion: string): Promise<void>;
  stop(): Promise<void>;
}

const TICK_MS = 100;

/**
 * The demo's support bot, instrumented as any service would be: one
 * init() and an lg.decide() around each model call, with the lookup and the
 * LLM call as child spans; reviewers and customers answer later through
 * lg.review and lg.feedback. Only the clock is compressed: reviews come
 * seconds after a decision instead of hours.
 */
export function createSupportBot(opts: {
  endpoint: string;
  decisionsPerSecond: number;
  model: TrafficModel;
  onError?: (err: Error) => void;
}): SupportBot {
  const lg = init({
    serviceName: 'support-bot',
    endpoint: opts.endpoint,
    // to the demo's own gateway even when LIVEGRADE_KAFKA_BROKERS is set for a real deployment
    kafkaBrokers: [],
    batch: { scheduledDelayMillis: 250 },
    verdicts: { delayMs: 100 },
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  const { model } = opts;
  const total = emptyCounts();
  const perVersion = new Map<string, BotCounts>();
  /** decisions and verdicts not yet handed to the SDK, per model version */
  const pending = new Map<string, Set<Promise<void>>>();
  let ticker: NodeJS.Timeout | undefined;
  const stopping = new AbortController();
  // every verdict waiting for its time listens on it: hundreds at once is expected
  setMaxListeners(0, stopping.signal);

  const countsOf = (version: string) => {
    const c = perVersion.get(version) ?? emptyCounts();
    perVersion.set(version, c);
    return c;
  };
  const track = (version: string, work: Promise<void>) => {
    const set = pending.get(version) ?? new Set();
    pending.set(version, set);
    set.add(work);
    void work.finally(() => set.delete(work));
  };
  const bump = (version: string, key: keyof BotCounts) => {
    total[key]++;
    countsOf(version)[key]++;
  };

  async function later(version: string, afterMs: number, send: () => void) {
    try {
      await sleep(afterMs, undefined, { signal: stopping.signal });
    } catch {
      return; // stopped: what was not due yet is not sent
    }
    send();
    bump(version, 'verdicts');
  }

  async function handle(c: SupportCase) {
    bump(c.modelVersion, 'decisions');
    let decided: { id: string; traceId: string };
    try {
      decided = await lg.decide(
        {
          type: c.type,
          slices: { language: c.language },
          input: c.message,
          model: MODEL,
          modelVersion: c.modelVersion,
        },
        async (d) => {
          await lg.tracer.startActiveSpan('lookup order', async (span) => {
            await sleep(10 + (c.latencyMs % 40));
            span.end();
          });
          await lg.tracer.startActiveSpan(
            `chat ${MODEL}`,
            { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': MODEL } },
            async (span) => {
              await sleep(c.latencyMs);
              span.setAttribute('gen_ai.usage.input_tokens', c.inputTokens);
              span.setAttribute('gen_ai.usage.output_tokens', c.outputTokens);
              span.end();
            },
          );
          if (c.error) throw new Error(`${MODEL} timed out`);
          d.label(c.label).score(c.score).output(`[${c.label}] reply to: ${c.message}`);
          d.usage({ inputTokens: c.inputTokens, outputTokens: c.outputTokens });
          if (c.fallback) d.fallback();
          if (c.retried) d.retried();
          return { id: d.id, traceId: d.traceId };
        },
      );
    } catch {
      bump(c.modelVersion, 'errors');
      return; // the customer got "please try again"; nobody reviews a timeout
    }
    for (const r of c.reviews) {
      bump(c.modelVersion, 'reviews');
      if (r.label !== c.label && r.seniority === 'senior') bump(c.modelVersion, 'overrides');
      track(
        c.modelVersion,
        later(c.modelVersion, r.afterMs, () =>
          lg.review(decided.id, {
            reviewerId: r.reviewerId,
            seniority: r.seniority,
            label: r.label,
            traceId: decided.traceId,
            ...(r.rationale ? { rationale: r.rationale } : {}),
          }),
        ),
      );
    }
    const fb = c.feedback;
    if (fb) {
      track(
        c.modelVersion,
        later(c.modelVersion, fb.afterMs, () => lg.feedback(decided.id, fb.value, { traceId: decided.traceId })),
      );
    }
  }

  return {
    start() {
      let last = performance.now();
      let owed = 0;
      ticker = setInterval(() => {
        const now = performance.now();
        // paced by elapsed time, so a late timer does not slow the traffic down
        owed += (opts.decisionsPerSecond * (now - last)) / 1000;
        last = now;
        for (; owed >= 1; owed--) {
          const c = model.next();
          track(c.modelVersion, handle(c));
        }
      }, TICK_MS);
    },
    breakModel: () => model.breakModel(),
    get modelVersion() {
      return model.modelVersion;
    },
    counts: (version) => ({ ...(version ? countsOf(version) : total) }),
    async settle(version) {
      // handle() adds the verdicts' work while it runs: wait until nothing is left
      for (let set = pending.get(version); set && set.size > 0; set = pending.get(version)) {
        await Promise.allSettled([...set]);
      }
      await lg.flush();
    },
    async stop() {
      clearInterval(ticker);
      stopping.abort();
      await lg.shutdown({ timeoutMs: 5000 });
    },
  };
}

function emptyCounts(): BotCounts {
  return { decisions: 0, errors: 0, verdicts: 0, reviews: 0, overrides: 0 };
}
