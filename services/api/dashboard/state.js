// @ts-check
// What the dashboard shows, in one object that main.js creates and passes to the
// modules that read or change it; and how a view is written in, and read from, the URL.
// No DOM here: the tests run this module in Node.

/** @typedef {import('../src/read-models.ts').SlicesResponse} SlicesResponse */
/** @typedef {import('../src/read-models.ts').AlertView} AlertView */

/**
 * The part of the state a link carries: `/?window=15m&slice=decision_type%3Drefund` opens that view.
 * @typedef {object} View
 * @property {string} window window length (`1h`); '' for the API's default
 * @property {string} metric '' for the API's default
 * @property {string} slice the slice whose detail is open; '' for none
 * @property {string} trace the trace open over the detail; '' for none
 */

/**
 * @typedef {View & {
 *   filter: string,
 *   list: SlicesResponse | null,
 *   alerts: AlertView[],
 *   alertsError: string,
 *   loads: { list: number, detail: number, trace: number },
 * }} State
 * `list` is the last /v1/slices answer. Each load bumps its counter in `loads`;
 * an answer for an older load is dropped.
 */

/** @type {ReadonlyArray<keyof View>} */
export const VIEW_KEYS = ['window', 'metric', 'slice', 'trace'];

/** @returns {State} */
export function createState() {
  return {
    window: '',
    metric: '',
    slice: '',
    trace: '',
    filter: '',
    list: null,
    alerts: [],
    alertsError: '',
    loads: { list: 0, detail: 0, trace: 0 },
  };
}

/**
 * The view a URL asks for. Its query is the link's form (`/?slice=<key>&window=15m`, what Slack
 * alerts link to); a hash (`#window=1h&slice=…`, links from before the query) still opens its
 * view, and wins over the query, being the newer when both are there.
 * @param {string} search `location.search`
 * @param {string} hash `location.hash`
 * @returns {View}
 */
export function viewOf(search, hash) {
  const q = new URLSearchParams(search);
  const h = new URLSearchParams(hash.replace(/^#/, ''));
  /** @param {keyof View} k */
  const pick = (k) => h.get(k) ?? q.get(k) ?? '';
  return { window: pick('window'), metric: pick('metric'), slice: pick('slice'), trace: pick('trace') };
}

/**
 * The view of a state, with `changes` applied.
 * @param {View} state
 * @param {Partial<View>} [changes]
 * @returns {View}
 */
export function viewFrom(state, changes = {}) {
  return { window: state.window, metric: state.metric, slice: state.slice, trace: state.trace, ...changes };
}

/**
 * The page's URL for a view: only what is set, so the API's defaults stay out of a link.
 * @param {View} view
 */
export function urlOf(view) {
  const q = query(view);
  return q ? `/?${q}` : '/';
}

/**
 * A query string of the parameters that are set.
 * @param {Record<string, string | number | null | undefined>} params
 */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined && v !== null) q.set(k, String(v));
  return q.toString();
}
