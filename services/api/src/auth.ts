import { timingSafeEqual } from 'node:crypto';
import { PROBLEM_CONTENT_TYPE, plainProblem } from '@livegrade/ops';
import type { FastifyInstance } from '@livegrade/runtime';

/** Bearer-token check on /v1/*. Health stays open for probes. */
export function registerAuth(app: FastifyInstance, token: string | undefined) {
  if (!token) return;
  const expected = Buffer.from(`Bearer ${token}`);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const got = Buffer.from(String(request.headers.authorization ?? ''));
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      const detail = 'missing or wrong bearer token (Authorization: Bearer $LIVEGRADE_API_TOKEN)';
      return reply
        .code(401)
        .type(PROBLEM_CONTENT_TYPE)
        .send(plainProblem(401, detail, request.url));
    }
  });
}
