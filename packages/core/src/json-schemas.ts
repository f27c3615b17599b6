import { z } from 'zod';
import { VerdictEvent } from './verdict.ts';

/**
 * The JSON Schemas in schemas/json are generated from the zod schemas the
 * code validates with, so the published contract cannot drift from the check.
 * Regenerate with: node --import tsx scripts/gen-schemas.ts
 */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'verdict.schema.json': {
      $id: 'https://livegrade.dev/schemas/verdict.schema.json',
      title: 'livegrade verdict event',
      description:
        'Human feedback or a review on a decision, sent to POST /v1/verdicts (alone or as {"verdicts": [...]}) or to the <prefix>.verdicts Kafka topic keyed by decision_id.',
      ...z.toJSONSchema(VerdictEvent),
    },
  };
}
