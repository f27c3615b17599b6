import { Attr } from '../conventions.ts';
import { attrFlag, attrNumber, isDecisionSpan, slicesOf } from '../decision.ts';
import { type FlatSpan, SpanStatus } from '../span.ts';
import type { TraceFacts } from './types.ts';

export function emptyFacts(): TraceFacts {
  return {
    error: false,
    fallback: false,
    retried: false,
    guardrail: false,
    minScore: null,
    decisionTypes: [],
    decisionType: '',
    slices: {},
    rootEndMs: null,
    lastEndMs: 0,
  };
}

/**
 * The time a trace is sampled in (README "Sampling in event time"): the end
 * of its root span, the trace's own clock, so a backlog read hours later
 * counts in the hours it happened in. Not the Kafka message timestamp: after
 * a gateway outage or an exporter's retry that is when the spans reached
 * Kafka, not when the decision was made. A trace whose root never arrived
 * takes its latest span end. Never after `arrivalMs` (a client clock running
 * ahead cannot push a trace into an hour that has not begun) nor before the
 * epoch (a zero timestamp from a broken client).
 */
export function eventTimeOf(facts: TraceFacts, arrivalMs: number): number {
  const t = facts.rootEndMs ?? facts.lastEndMs;
  if (!(t > 0)) return Math.max(0, arrivalMs);
  return Math.min(t, arrivalMs);
}

/**
 * Folds one span into its trace's facts. Outcome flags count on any span: a
 * failing tool call under a decision fails the trace even when the decision
 * span itself looks fine.
 */
export function addSpanFacts(facts: TraceFacts, span: FlatSpan): void {
  const a = span.attributes;
  if (span.statusCode === SpanStatus.ERROR) facts.error = true;
  if (attrFlag(a[Attr.fallback])) facts.fallback = true;
  if (attrFlag(a[Attr.retried])) facts.retried = true;
  if (attrFlag(a[Attr.guardrail])) facts.guardrail = true;
  if (span.endMs > facts.lastEndMs) facts.lastEndMs = span.endMs;
  if (span.parentSpanId === '') facts.rootEndMs = span.endMs;
  if (!isDecisionSpan(span)) return;

  const type = a[Attr.decisionType] as string;
  if (!facts.decisionTypes.includes(type)) facts.decisionTypes.push(type);
  const score = attrNumber(a[Attr.decisionScore]);
  if (score !== null && (facts.minScore === null || score < facts.minScore)) facts.minScore = score;
  // The slice is that of the first decision seen, so a trace never moves between slices as more spans arrive.
  if (facts.decisionType === '') {
    facts.decisionType = type;
    facts.slices = slicesOf(span);
  }
}

/** Combines the facts of two chunks of one trace; `into` came first, so its decision keeps the slice. */
export function mergeFacts(into: TraceFacts, from: TraceFacts): void {
  into.error ||= from.error;
  into.fallback ||= from.fallback;
  into.retried ||= from.retried;
  into.guardrail ||= from.guardrail;
  if (from.minScore !== null && (into.minScore === null || from.minScore < into.minScore)) {
    into.minScore = from.minScore;
  }
  if (from.lastEndMs > into.lastEndMs) into.lastEndMs = from.lastEndMs;
  into.rootEndMs ??= from.rootEndMs;
  for (const t of from.decisionTypes) if (!into.decisionTypes.includes(t)) into.decisionTypes.push(t);
  if (into.decisionType === '' && from.decisionType !== '') {
    into.decisionType = from.decisionType;
    into.slices = { ...from.slices };
  }
}
