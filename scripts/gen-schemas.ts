// Writes schemas/json/*.json from the zod schemas (see packages/core/src/json-schemas.ts), and
// schemas/openapi.json from the API's routes (services/api/src/routes/docs.ts).
import { writeFileSync } from 'node:fs';
import { defaultOpenApi } from '@livegrade/api';
import { jsonSchemas } from '@livegrade/core';
import { createLogger } from '@livegrade/runtime';

for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`../schemas/json/${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/json/${file}`);
}
const openapi = await defaultOpenApi(createLogger('silent'));
writeFileSync(new URL('../schemas/openapi.json', import.meta.url), `${JSON.stringify(openapi, null, 2)}\n`);
console.log('wrote schemas/openapi.json');
