import { Writable } from 'node:stream';
import type { Instance } from '@livegrade/cli';
import { type FlatSpan, topicsOf } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { pino } from 'pino';

/**
 * Steady decision traffic for the Redis rows, in compressed time: two
 * decision types at `perSecond` decisions a second each, stamped with the
 * wall clock. `steady` never errs; `flap` errs on every decision while its
 * phase is on (on for `periodMs`, off for `periodMs`, on multiples of
 * it), so a threshold rule on its error rate fires and resolves at known
 * windows. Window lengths and the period are multiples of the scoring
 * interval, so no window straddles a phase.
 */
export const FLAP = 'flap';
export const STEADY = 'steady';

export function flapOn(ms: number, periodMs: number): boolean {
  return Math.floor(ms / periodMs) % 2 === 1;
}

export interface Load {
  sent(): number;
  stop(): Promise<void>;
}

let seq = 0;

export function startLoad(
  instance: Pick<Instance, 'env' | 'bus'>,
  opts: { perSecond: number; periodMs: number },
): Load {
  const topics = topicsOf(instance.env);
  const producer = instance.bus.producer();
  const tag = `${process.pid.toString(16)}${Date.now().toString(16)}`;
  let sent = 0;
  let stopped = false;
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((opts.perSecond * tickMs) / 1000));
  const loop = (async () => {
    while (!stopped) {
      const now = Date.now();
      const spans: FlatSpan[] = [];
      for (const type of [FLAP, STEADY]) {
        for (let i = 0; i < perTick; i++) {
          const n = seq++;
          const traceId = `${tag}${n.toString(16)}`.padStart(32, '0').slice(-32);
          const error = type === FLAP && flapOn(now, opts.periodMs);
          spans.push({
            traceId,
            spanId: n.toString(16).padStart(16, '0').slice(-16),
            parentSpanId: '',
            name: `decision ${type}`,
            kind: 1,
            startMs: now,
            endMs: now + 5,
            statusCode: error ? 2 : 0,
            statusMessage: error ? 'model timeout' : '',
            serviceName: 'support-bot',
            scopeName: 'support-bot',
            resourceAttributes: { 'service.name': 'support-bot' },
            events: [],
            attributes: {
              'livegrade.decision.id': `dec-${traceId}`,
              'livegrade.decision.type': type,
              'livegrade.decision.label': 'approve',
              'livegrade.decision.score': 0.9,
            },
          });
        }
      }
      await producer.send(
        topics.spans,
        spans.map((s) => ({ key: s.traceId, value: Buffer.from(encodeTraces([s])) })),
      );
      sent += spans.length;
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - now))));
    }
  })();
  return {
    sent: () => sent,
    async stop() {
      stopped = true;
      await loop;
      await producer.close();
    },
  };
}

/**
 * A pino logger at info that hands every line to `onLine` (parsed), so a
 * scenario counts what the services report ('window scored', ...) without
 * printing it.
 */
export function listeningLogger(onLine: (line: Record<string, unknown>) => void) {
  let buffered = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          onLine(JSON.parse(text) as Record<string, unknown>);
        } catch {}
        nl = buffered.indexOf('\n');
      }
      done();
    },
  });
  return pino({ name: 'livegrade', level: 'info' }, stream);
}
