import { type GeneratedTrace, generateTraces } from '../../support/traffic.ts';

/**
 * Steady seeded traffic for the fault rows: `rate` traces a second, in ticks,
 * from test/support/traffic.ts (a request span, a decision span, an LLM call).
 * Each trace's decision id is rewritten to `<prefix>-<sequence>`, zero-padded,
 * so the store can be counted by it: every id below `decisionId(prefix, n)`
 * is one of the first n traces sent.
 */
export interface LoadOptions {
  /** traces per second */
  rate: number;
  prefix: string;
  seed: number;
  /** hands traces to the pipeline; resolves once it took them (Kafka acknowledged, the exporter queued them) */
  send(traces: GeneratedTrace[]): Promise<void>;
  tickMs?: number;
  log?: (msg: string) => void;
}

export interface Load {
  /** traces taken by the pipeline so far: sequence numbers 0 .. sent-1 */
  readonly sent: number;
  /** sends that failed and were made again (the same traces) */
  readonly resends: number;
  /** every trace sent, by trace id: its decision id */
  readonly decisionOfTrace: ReadonlyMap<string, string>;
  /** stops generating; resolves with `sent` once the last send settled */
  stop(): Promise<number>;
}

const DIGITS = 8;

export function decisionId(prefix: string, seq: number): string {
  return `${prefix}-${String(seq).padStart(DIGITS, '0')}`;
}

export function startLoad(opts: LoadOptions): Load {
  const tickMs = opts.tickMs ?? 100;
  const started = Date.now();
  const decisionOfTrace = new Map<string, string>();
  let generated = 0;
  let sent = 0;
  let resends = 0;
  let tick = 0;
  let stopping = false;

  async function sendUntilTaken(traces: GeneratedTrace[]) {
    for (;;) {
      try {
        await opts.send(traces);
        return;
      } catch (err) {
        resends++;
        if (resends === 1 || resends % 50 === 0) opts.log?.(`load: send failed (${(err as Error).message}), again`);
        await sleep(500);
      }
    }
  }

  const loop = (async () => {
    while (!stopping) {
      // as many as the rate says by now: a slow send is caught up by the next batch, the rate stays
      const due = Math.floor(((Date.now() - started) * opts.rate) / 1000) - generated;
      if (due > 0) {
        const traces = generateTraces({ traces: due, seed: opts.seed * 100_003 + tick++, startMs: Date.now() - 1000 });
        for (const t of traces) {
          const id = decisionId(opts.prefix, generated++);
          relabel(t, id);
          decisionOfTrace.set(t.traceId, id);
        }
        await sendUntilTaken(traces);
        sent += traces.length;
      }
      await sleep(tickMs);
    }
  })();

  return {
    get sent() {
      return sent;
    },
    get resends() {
      return resends;
    },
    decisionOfTrace,
    async stop() {
      stopping = true;
      await loop;
      return sent;
    },
  };
}

function relabel(trace: GeneratedTrace, id: string) {
  trace.decisionId = id;
  for (const s of trace.spans) if ('livegrade.decision.id' in s.attributes) s.attributes['livegrade.decision.id'] = id;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
