import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from '@livegrade/runtime';

/** Bearer-token check on /v1/*. Health stays open for probes. */
export function registerAuth(app: FastifyInstance, token: string | undefined) {
  if (!token) return;
  const expected = Buffer.from(`Bearer ${token}`);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const got = Buffer.from(String(request.headers.authorization ?? ''));
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      return reply
        .code(401)
        .send({ error: 'missing or wrong bearer token (Authorization: Bearer $LIVEGRADE_API_TOKEN)' });
    }
  });
}
