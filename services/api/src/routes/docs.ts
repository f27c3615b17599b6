/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the
 * routes validate with (the operations' inputs, the dashboard's queries), so
 * the document cannot say something the routes do not do. Served at
 * /openapi.json and checked in as schemas/openapi.json (a test fails when
 * they drift; `npm run schemas` writes it).
 */
import { z } from 'zod';

export interface RouteDoc {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  summary: string;
  /** the input object: path parameters, then the query (GET) or the JSON body */
  input: z.ZodType;
  status: number;
  operationId: string;
  /** the success response's content types, when it is not (only) JSON */
  produces?: readonly string[];
  /** an older spelling of another route, kept for scripts */
  deprecated?: boolean;
}

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

const PROBLEM = {
  description: 'The request was refused: RFC 9457 problem details; detail says what to fix',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

export function openApiDocument(routes: readonly RouteDoc[], info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const pathParams = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const schema = z.toJSONSchema(r.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const props = schema.properties ?? {};
    const required = new Set(schema.required ?? []);
    const parameters = pathParams.map((name) => ({ name, in: 'path', required: true, schema: strip(props[name]) }));
    let requestBody: unknown;
    const rest = Object.keys(props).filter((k) => !pathParams.includes(k));
    if (r.method === 'GET') {
      for (const name of rest) {
        parameters.push({ name, in: 'query', required: required.has(name), schema: strip(props[name]) });
      }
    } else if (rest.length > 0) {
      const body: JsonSchema = { ...strip(schema), properties: Object.fromEntries(rest.map((k) => [k, props[k]!])) };
      const bodyRequired = [...required].filter((k) => !pathParams.includes(k));
      if (bodyRequired.length > 0) body.required = bodyRequired;
      else delete body.required;
      requestBody = { required: bodyRequired.length > 0, content: { 'application/json': { schema: body } } };
    }
    const ok = r.produces
      ? { description: 'OK', content: Object.fromEntries(r.produces.map((type) => [type, {}])) }
      : { description: r.status === 201 ? 'Created' : 'OK', content: { 'application/json': {} } };
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.deprecated ? { deprecated: true } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: { [String(r.status)]: ok, '4XX': PROBLEM },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'livegrade API',
      version: info.version,
      description:
        'Operations and reads of a running livegrade instance. /v1/* takes a bearer token when LIVEGRADE_API_TOKEN is set.',
    },
    security: [{ bearer: [] }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: {
      type: 'string',
      description: 'urn:livegrade:problem:<kind> (invalid, forbidden, not-found, conflict, limit), or about:blank',
    },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'what went wrong and how to fix it' },
    instance: { type: 'string' },
    'invalid-params': {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'reason'],
        properties: { name: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};

/** A sub-schema without the top-level $schema zod adds. */
function strip(schema: JsonSchema | undefined): JsonSchema {
  if (!schema) return {};
  const { $schema: _, ...rest } = schema;
  return rest;
}
