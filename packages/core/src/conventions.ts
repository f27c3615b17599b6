/**
 * Span attribute conventions (schemas/conventions.md is the human-readable
 * copy). OTel GenAI names are used where they exist; livegrade.* only adds
 * what they lack.
 */
export const Attr = {
  decisionId: 'livegrade.decision.id',
  decisionType: 'livegrade.decision.type',
  decisionLabel: 'livegrade.decision.label',
  decisionScore: 'livegrade.decision.score',
  modelVersion: 'livegrade.model.version',
  slicePrefix: 'livegrade.slice.',
  fallback: 'livegrade.outcome.fallback',
  retried: 'livegrade.outcome.retried',
  guardrail: 'livegrade.outcome.guardrail',
  input: 'livegrade.input',
  /** what the model saw besides the input; replayed with it (regression bank) */
  context: 'livegrade.context',
  output: 'livegrade.output',
  genAiModel: 'gen_ai.request.model',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
  serviceName: 'service.name',
} as const;

/** Appended to a payload the SDK cut short, so readers know it is partial. */
export const TRUNCATION_MARKER = '…[truncated by livegrade]';
