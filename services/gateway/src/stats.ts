import type { FastifyInstance } from '@livegrade/runtime';

/** What the gateway has taken in since it started: running totals read by its metrics. */
export interface GatewayStats {
  /** route → outcome → requests; see outcomeOf */
  requests: Record<string, Record<string, number>>;
  /** request body bytes as sent (compressed when the client compressed), from Content-Length */
  requestBytes: number;
  /** spans and traces written to the spans topic, verdicts to the verdicts topic */
  spans: number;
  traces: number;
  verdicts: number;
}

export function emptyGatewayStats(): GatewayStats {
  return { requests: {}, requestBytes: 0, spans: 0, traces: 0, verdicts: 0 };
}

/**
 * A response status as a request outcome: accepted, one of the client's
 * mistakes (so a misconfigured exporter shows up as such), unavailable (the
 * bus did not take the messages in time; the client was told to retry), or
 * failed on our side for any other reason.
 */
export function outcomeOf(status: number): string {
  if (status < 400) return 'accepted';
  if (status === 503) return 'unavailable';
  if (status === 400) return 'rejected_invalid';
  if (status === 404) return 'rejected_not_found';
  if (status === 413) return 'rejected_too_large';
  if (status === 415) return 'rejected_unsupported_media_type';
  if (status < 500) return 'rejected_other';
  return 'failed';
}

/** Counts every request by route and outcome; a path no route matches counts under one label, so its cardinality stays bounded. */
export function countRequests(app: FastifyInstance, stats: GatewayStats): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/healthz') return;
    const outcome = outcomeOf(reply.statusCode);
    const byOutcome = stats.requests[route] ?? {};
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    stats.requests[route] = byOutcome;
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > 0) stats.requestBytes += length;
  });
}
