/**
 * What went wrong with a request, independent of how it arrived. The store
 * and the operations throw these; the API maps a kind to an HTTP status
 * (services/api/src/problem.ts) and the CLI to an exit code
 * (packages/cli/src/exit-code.ts), so neither layer below knows about HTTP
 * or flags.
 */
export const ERROR_KINDS = ['invalid', 'forbidden', 'not_found', 'conflict', 'limit'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** An input field a request got wrong, and why (RFC 9457's "invalid-params"). */
export interface InvalidParam {
  name: string;
  reason: string;
}

/** A request that cannot be served as asked; the message says what to fix. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    message: string,
    readonly kind: ErrorKind = 'invalid',
    /** the input fields to blame, when the mistake is in some */
    readonly params: readonly InvalidParam[] = [],
  ) {
    super(message);
  }
}

export function isRequestError(err: unknown): err is RequestError {
  return err instanceof RequestError;
}
