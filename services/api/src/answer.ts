/** An error a request caused, carrying the HTTP status it is answered with. */
type RequestErrorClass = abstract new (...args: never[]) => Error & { status: number };

/**
 * Runs a route's work and answers `{error}` with the error's own status when
 * it is one of `refusals` (a request the route cannot serve as asked);
 * anything else propagates to Fastify as a 500.
 */
export async function answer<T>(
  reply: { code(n: number): { send(b: unknown): unknown } },
  refusals: readonly RequestErrorClass[],
  run: () => Promise<T>,
) {
  try {
    return await run();
  } catch (err) {
    if (refusals.some((c) => err instanceof c)) {
      const e = err as Error & { status: number };
      return reply.code(e.status).send({ error: e.message });
    }
    throw err;
  }
}
