import type { FastifyInstance } from '@livegrade/runtime';

/** The media types each route reads, in the order its 415 names them. */
export const ACCEPTED_TYPES: Record<string, readonly string[]> = {
  '/v1/traces': ['application/x-protobuf', 'application/json'],
  '/v1/verdicts': ['application/json'],
};

const ALSO_ACCEPTED: Record<string, readonly string[]> = { '/v1/traces': ['application/protobuf'] };

/** The media type of a Content-Type header, lowercase, without parameters; '' when there is none. */
export function mediaType(header: unknown): string {
  return String(header ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

export function unsupportedType(contentType: string, accepted: readonly string[]): string {
  const shown = contentType === '' ? '(none)' : JSON.stringify(contentType.slice(0, 100)).slice(1, -1);
  return `unsupported content-type "${shown}": send ${accepted.join(' or ')}`;
}

/**
 * Refuses a POST whose Content-Type its route does not read before the body
 * is parsed. Fastify's own refusal of a type it has no parser for, or of a
 * header it cannot parse (";;;"), is a bare "Unsupported Media Type" that
 * does not say what to send.
 */
export function registerContentTypeCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST') return;
    const route = request.routeOptions.url ?? '';
    const accepted = ACCEPTED_TYPES[route];
    if (!accepted) return;
    const type = mediaType(request.headers['content-type']);
    if (accepted.includes(type) || ALSO_ACCEPTED[route]?.includes(type)) return;
    // a header with no media type before its first ";" is shown whole
    const given = type || String(request.headers['content-type'] ?? '').trim();
    return reply.code(415).send({ error: unsupportedType(given, accepted) });
  });
}
