export { DecisionHandle } from './decision.ts';
export { KafkaSpanExporter } from './kafka-exporter.ts';
export { type DecisionSpec, type Feedback, init, Livegrade, type Review } from './livegrade.ts';
export type { InitOptions } from './options.ts';
export type { VerdictSink } from './verdict-queue.ts';
