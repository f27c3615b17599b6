import { z } from 'zod';
import { ReplayRequest, ReplayResponse } from './bank/types.ts';
import { LivegradeConfigSchema } from './config.ts';
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
    'replay-request.schema.json': {
      $id: 'https://livegrade.dev/schemas/replay-request.schema.json',
      title: 'livegrade replay request',
      description:
        'What `livegrade bank replay` POSTs to a candidate for each run of a case, with headers x-livegrade-case-id, x-livegrade-run-id and x-livegrade-attempt.',
      ...z.toJSONSchema(ReplayRequest),
    },
    'replay-response.schema.json': {
      $id: 'https://livegrade.dev/schemas/replay-response.schema.json',
      title: 'livegrade replay response',
      description:
        'What a candidate answers (2xx, JSON) to a replay request; anything else is a bad response. Other keys are ignored.',
      ...z.toJSONSchema(ReplayResponse),
    },
    'config.schema.json': {
      $id: 'https://livegrade.dev/schemas/config.schema.json',
      title: 'livegrade.config.yaml',
      description:
        'Policy settings of livegrade, read at start from $LIVEGRADE_CONFIG or ./livegrade.config.yaml; every key is optional. Durations are strings with a unit: 250ms, 5s, 2m, 72h, 7d.',
      // What the user writes (durations as strings like "5s"), not the parsed form.
      ...z.toJSONSchema(LivegradeConfigSchema, { io: 'input' }),
    },
  };
}
