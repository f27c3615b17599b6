export type { BusLogger } from '@livegrade/bus';
export { type AttributeValue, DecisionHandle, PendingDecision } from './decision.ts';
export { DecisionTraceProcessor } from './decision-trace-processor.ts';
export { init } from './init.ts';
export { type DecisionSpec, type Feedback, type FeedbackOptions, Livegrade, type Review } from './livegrade.ts';
export type { InitOptions } from './options.ts';
export { PermanentError, type QueuedVerdict, type VerdictQueueOptions, type VerdictSink } from './verdict-queue.ts';
