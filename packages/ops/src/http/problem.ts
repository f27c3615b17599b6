/**
 * Errors on the wire: RFC 9457 problem details (application/problem+json).
 * The API writes them, the HTTP client reads them back into the same
 * RequestError, so a CLI command fails with the same message and exit code
 * whether it ran on the store or through a running instance.
 */
import { ERROR_KINDS, type ErrorKind, type InvalidParam, RequestError } from '@livegrade/core';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  limit: 422,
};

const TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  /** a URI naming the kind of problem: one per error kind, so clients can branch on it */
  type: string;
  title: string;
  status: number;
  /** what went wrong and how to fix it: the message livegrade has always given */
  detail: string;
  instance?: string;
  /** the input fields to blame */
  'invalid-params'?: InvalidParam[];
}

export function statusOf(kind: ErrorKind): number {
  return STATUS[kind];
}

function typeOf(kind: ErrorKind | 'other'): string {
  return kind === 'other' ? 'about:blank' : `urn:livegrade:problem:${kind.replace('_', '-')}`;
}

/** The problem a RequestError is answered with. */
export function problemOf(err: RequestError, instance?: string): Problem {
  const status = statusOf(err.kind);
  return {
    type: typeOf(err.kind),
    title: TITLE[status] ?? 'Error',
    status,
    detail: err.message,
    ...(instance ? { instance } : {}),
    ...(err.params.length > 0 ? { 'invalid-params': [...err.params] } : {}),
  };
}

/** A problem for an error that is not a RequestError (HTTP-level refusals, 5xx): type about:blank. */
export function plainProblem(status: number, detail: string, instance?: string): Problem {
  return { type: typeOf('other'), title: TITLE[status] ?? 'Error', status, detail, ...(instance ? { instance } : {}) };
}

/** The RequestError a problem stands for, or undefined when it is not one of livegrade's kinds. */
export function requestErrorOf(problem: Partial<Problem>): RequestError | undefined {
  const kind = ERROR_KINDS.find((k) => problem.type === typeOf(k));
  if (!kind || typeof problem.detail !== 'string') return undefined;
  return new RequestError(problem.detail, kind, problem['invalid-params'] ?? []);
}
