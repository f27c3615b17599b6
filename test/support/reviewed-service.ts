import type { Instance } from '@livegrade/cli';
import { type FlatSpan, topicsOf } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { countVisible } from './store.ts';
import { hexId, rng } from './traffic.ts';
import { waitFor } from './wait.ts';

/**
 * A simulated service whose every decision is reviewed by a senior reviewer:
 * one decision span per trace, spread evenly over a time range, in every
 * (decision type × language) slice, with a chosen override rate per slice.
 * Errors, scores, labels and latencies are drawn from the same distributions
 * in every phase, so only what a scenario changes on purpose differs.
 * Seeded: a scenario sees the same traffic on every run.
 */
export interface Phase {
  /** epoch ms; decisions are spread over [from, to) */
  from: number;
  to: number;
  perSlice: number;
  /** override rate of a slice ("refund/hi"), default `overrideRate` */
  overrideRateOf?: (type: string, language: string) => number;
  overrideRate: number;
  seed: number;
}

export interface ReviewedDecision {
  traceId: string;
  decisionId: string;
  span: FlatSpan;
  review: {
    id: string;
    decision_id: string;
    kind: 'review';
    reviewer_id: string;
    seniority: 'senior';
    label: string;
    ts: number;
  };
}

export const LABELS = ['approve', 'deny', 'escalate'];

export function reviewedTraffic(types: string[], languages: string[], phase: Phase): ReviewedDecision[] {
  const rand = rng(phase.seed);
  const out: ReviewedDecision[] = [];
  const total = types.length * languages.length * phase.perSlice;
  let i = 0;
  for (let k = 0; k < phase.perSlice; k++) {
    for (const type of types) {
      for (const language of languages) {
        const start = phase.from + Math.floor(((phase.to - phase.from) * i++) / total);
        const traceId = hexId(16, rand);
        const decisionId = `dec-${traceId.slice(0, 16)}`;
        const label = LABELS[Math.floor(rand() * LABELS.length)]!;
        const overridden = rand() < (phase.overrideRateOf?.(type, language) ?? phase.overrideRate);
        const reviewLabel = overridden ? LABELS[(LABELS.indexOf(label) + 1 + Math.floor(rand() * 2)) % 3]! : label;
        const error = rand() < 0.02;
        out.push({
          traceId,
          decisionId,
          span: {
            traceId,
            spanId: hexId(8, rand),
            parentSpanId: '',
            name: `decision ${type}`,
            kind: 1,
            startMs: start,
            endMs: start + 100 + Math.floor(rand() * 400),
            statusCode: error ? 2 : 0,
            statusMessage: error ? 'model timeout' : '',
            serviceName: 'support-bot',
            scopeName: 'support-bot',
            resourceAttributes: { 'service.name': 'support-bot' },
            events: [],
            attributes: {
              'livegrade.decision.id': decisionId,
              'livegrade.decision.type': type,
              'livegrade.decision.label': label,
              'livegrade.decision.score': Math.round(rand() * 1000) / 1000,
              'livegrade.model.version': 'm-2026-11',
              'livegrade.slice.language': language,
            },
          },
          review: {
            id: `rev-${decisionId}`,
            decision_id: decisionId,
            kind: 'review',
            reviewer_id: `senior-${Math.floor(rand() * 5)}`,
            seniority: 'senior',
            label: reviewLabel,
            ts: start + 60_000,
          },
        });
      }
    }
  }
  return out;
}

/**
 * Produces the decisions (one OTLP message per trace) and their reviews to
 * the instance's topics, and waits until the sampler has stored them all.
 */
export async function sendReviewed(instance: Pick<Instance, 'env' | 'bus' | 'store'>, traffic: ReviewedDecision[]) {
  const topics = topicsOf(instance.env);
  const producer = instance.bus.producer();
  for (let i = 0; i < traffic.length; i += 500) {
    const batch = traffic.slice(i, i + 500);
    await producer.send(
      topics.spans,
      batch.map((d) => ({ key: d.traceId, value: Buffer.from(encodeTraces([d.span])) })),
    );
    await producer.send(
      topics.verdicts,
      batch.map((d) => ({ key: d.decisionId, value: Buffer.from(JSON.stringify(d.review)) })),
    );
  }
  await producer.close();
  const store = instance.store!;
  await waitFor(
    `${traffic.length} decisions and as many reviews`,
    async () =>
      (await countVisible(store, 'SELECT count() FROM decisions')) === traffic.length &&
      (await countVisible(store, 'SELECT count() FROM verdicts')) === traffic.length
        ? true
        : undefined,
    { timeoutMs: 120_000 },
  );
}
