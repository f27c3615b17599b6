import { OPERATION_NAMES, OPERATIONS, type Operations } from '@livegrade/ops';
import type { FastifyInstance } from '@livegrade/runtime';
import { CONTENT_TYPE } from '@livegrade/store';
import type { RouteDoc } from './docs.ts';

/**
 * Every operation of the catalogue as the route it names: path parameters,
 * the query (GET) or the JSON body (POST, DELETE) merged into the one input
 * object the operation validates. A refusal is thrown as a RequestError and
 * answered as problem+json by the server's error handler.
 */
export function registerOperations(app: FastifyInstance, ops: Operations): RouteDoc[] {
  const docs: RouteDoc[] = [];
  for (const name of OPERATION_NAMES) {
    const spec = OPERATIONS[name];
    const run = ops[name] as (input: unknown) => Promise<unknown>;
    const status = 'status' in spec ? spec.status : 200;
    for (const route of [spec, ...('aliases' in spec ? spec.aliases : [])]) {
      app.route({
        method: route.method,
        url: route.path,
        ...('bodyLimit' in spec ? { bodyLimit: spec.bodyLimit } : {}),
        handler: async (request, reply) => {
          const params = request.params as Record<string, string>;
          const input =
            route.method === 'GET' ? { ...(request.query as object), ...params } : mergeBody(request.body, params);
          const result = await run(input);
          if (name === 'sql') {
            const { format, body } = result as { format: keyof typeof CONTENT_TYPE; body: string };
            return reply.code(200).type(CONTENT_TYPE[format]).send(body);
          }
          return reply.code(status).send(result);
        },
      });
      const alias = route !== spec;
      docs.push({
        method: route.method,
        path: route.path,
        summary: spec.summary,
        input: spec.input,
        status,
        operationId: alias ? `${name}Legacy` : name,
        // the answer is in the format the request asks for
        ...(name === 'sql' ? { produces: Object.values(CONTENT_TYPE).map((t) => t.split(';')[0]!) } : {}),
        ...(alias ? { deprecated: true } : {}),
      });
    }
  }
  return docs;
}

/** The body with the path parameters; a body that is not an object is passed as it is, for validation to name. */
function mergeBody(body: unknown, params: Record<string, string>): unknown {
  if (body === undefined || body === null) return { ...params };
  if (typeof body !== 'object' || Array.isArray(body)) return body;
  return { ...(body as object), ...params };
}
