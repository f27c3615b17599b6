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
