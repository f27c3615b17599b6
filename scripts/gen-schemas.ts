// Writes schemas/json/*.json from the zod schemas (see packages/core/src/json-schemas.ts).
import { writeFileSync } from 'node:fs';
import { jsonSchemas } from '@livegrade/core';

for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`../schemas/json/${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/json/${file}`);
}
