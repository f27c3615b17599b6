/**
 * Thrown by a handler (or by the adapter itself, for a payload that fails its
 * schema) to fail a job at once: no further attempts are made.
 */
export class UnrecoverableJobError extends Error {
  override name = 'UnrecoverableJobError';
}

/** A payload that does not match its contract, or a job name the contract does not know. */
export class JobPayloadError extends UnrecoverableJobError {
  override name = 'JobPayloadError';
  constructor(
    readonly queue: string,
    readonly job: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Thrown by a handler to have its job retried after exactly `retryAfterMs`
 * (e.g. an HTTP 429's Retry-After) instead of the exponential backoff, cap
 * and jitter. It still counts as an attempt, so a job cannot be postponed
 * forever. A `retryAfterMs` that is not a finite number (an unparsable
 * header) falls back to the backoff; a negative one means "now".
 */
export class RetryAfterError extends Error {
  override name = 'RetryAfterError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}
