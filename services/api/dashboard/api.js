// @ts-check
// The dashboard's only way to the data: the read endpoints of the API, whose answers are
// typed by services/api/src/read-models.ts. A 401 asks for the API token once per page
// load; the token is kept in sessionStorage, for the tab only.

import { query } from './state.js';

/** @typedef {import('../src/read-models.ts').SlicesResponse} SlicesResponse */
/** @typedef {import('../src/read-models.ts').AlertsResponse} AlertsResponse */
/** @typedef {import('../src/read-models.ts').SeriesResponse} SeriesResponse */
/** @typedef {import('../src/read-models.ts').DistributionsResponse} DistributionsResponse */
/** @typedef {import('../src/read-models.ts').FailuresResponse} FailuresResponse */
/** @typedef {import('../src/read-models.ts').TraceResponse} TraceResponse */
/** @typedef {import('../src/read-models.ts').ErrorBody} ErrorBody */

export const TOKEN_KEY = 'livegrade.api-token';

/** A refusal of the API: `status` is the HTTP status, the message says why. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Asks for the token in the page's dialog; resolves to '' when the user cancels.
 * @param {HTMLDialogElement} dialog
 * @param {HTMLInputElement} input
 * @param {Storage} storage
 * @returns {Promise<string>}
 */
export function promptToken(dialog, input, storage) {
  return new Promise((resolve) => {
    input.value = '';
    dialog.addEventListener(
      'close',
      () => {
        const token = dialog.returnValue === 'ok' ? input.value.trim() : '';
        if (token) storage.setItem(TOKEN_KEY, token);
        resolve(token);
      },
      { once: true },
    );
    dialog.showModal();
  });
}

/**
 * @typedef {object} Api
 * @property {(p: { window: string, metric: string, limit: number }) => Promise<SlicesResponse>} slices
 * @property {() => Promise<AlertsResponse>} alerts
 * @property {(p: { slice: string, window: string, metric: string }) => Promise<SeriesResponse>} series
 * @property {(p: { slice: string, window: string }) => Promise<DistributionsResponse>} distributions
 * @property {(p: { slice: string, limit: number }) => Promise<FailuresResponse>} failures
 * @property {(traceId: string) => Promise<TraceResponse>} trace
 */

/**
 * @param {{ askToken: () => Promise<string>, storage: Storage, fetch?: typeof fetch }} deps
 * @returns {Api}
 */
export function createApi({ askToken, storage, fetch: get = (input, init) => fetch(input, init) }) {
  /**
   * one question per page load, shared by the requests that were refused together
   * @type {Promise<string> | null}
   */
  let tokenAnswer = null;

  /** @returns {Record<string, string>} */
  const authHeaders = () => {
    const token = storage.getItem(TOKEN_KEY);
    return token ? { authorization: `Bearer ${token}` } : {};
  };

  /**
   * @template T
   * @param {string} path
   * @returns {Promise<T>}
   */
  async function json(path) {
    let res = await get(path, { headers: authHeaders() });
    if (res.status === 401) {
      tokenAnswer ??= askToken();
      if (await tokenAnswer) res = await get(path, { headers: authHeaders() });
    }
    if (res.ok) return res.json();
    /** @type {ErrorBody | null} */
    const body = await res.json().catch(() => null);
    const why = body?.detail ?? body?.error;
    const message = typeof why === 'string' ? why : `${res.status} ${res.statusText}`;
    if (res.status === 401) {
      // a refused token is forgotten, so the next load asks again
      storage.removeItem(TOKEN_KEY);
      throw new ApiError(401, `${message}. Reload the page to enter LIVEGRADE_API_TOKEN again.`);
    }
    throw new ApiError(res.status, `${path.split('?')[0]}: ${message}`);
  }

  return {
    slices: (p) => json(`/v1/slices?${query(p)}`),
    alerts: () => json('/v1/alerts'),
    series: (p) => json(`/v1/slices/series?${query(p)}`),
    distributions: (p) => json(`/v1/slices/distributions?${query(p)}`),
    failures: (p) => json(`/v1/slices/failures?${query(p)}`),
    trace: (traceId) => json(`/v1/traces/${encodeURIComponent(traceId)}`),
  };
}
