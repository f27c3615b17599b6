/**
 * A request the store cannot serve as asked, carrying the HTTP status the
 * API answers it with; the message says what to fix. Each feature names its
 * own subclass, so a route refuses only the mistakes of its own feature.
 */
export class StoreRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 | 422 = 400,
  ) {
    super(message);
  }
}
