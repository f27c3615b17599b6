// The dashboard at `/` in a real browser (system Chromium through
// playwright-core) against an embedded instance behind an API token.
//
// Seeded: a simulated support bot's reviewed decisions go through the real
// sampler (a baseline period where every slice overrides 5%, then the latest
// hour where refund/hi overrides 45%); baseline v1 is registered over the
// first period and activated. The scorer does not run: six hourly windows of
// override_rate for 1,000 slices are written with the store's insert, where
// refund/hi is the one clearly worst slice (degraded, q 1e-9, and firing).
// The browser opens `/`, answers the token prompt, finds refund/hi first,
// opens it, sees its series and a sampled failure with its override, opens
// that trace, and saves the screenshot the README shows.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type AlertState,
  DEFAULT_CONFIG,
  type LivegradeConfig,
  parseConfig,
  type SliceMetricRow,
} from '@livegrade/core';
import { activateBaseline, registerBaseline } from '@livegrade/ops';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, requireChromium } from '../support/browser.ts';
import { startTestInstance } from '../support/instance.ts';
import { reviewedTraffic, sendReviewed } from '../support/reviewed-service.ts';

const chromium = requireChromium();

const HOUR = 3_600_000;
const TOKEN = 'dashboard-test-token';
const WORST = 'decision_type=refund,language=hi';
const RULE = 'override-spike';
/** one slice's value holds markup: the page must show it as text, never run it */
const HOSTILE = 'decision_type=<img src=x onerror="window.__injected=1">,language=en';
/**
 * The README's picture. Every run takes it; it is written to docs/ only when
 * asked (LIVEGRADE_UPDATE_SCREENSHOT=1 npm test -- dashboard), so a test run leaves the checkout clean.
 */
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '../../docs/dashboard.png');

const TYPES = [
  'refund',
  'reship',
  'cancel',
  'exchange',
  'warranty',
  'upgrade',
  'billing',
  'address',
  'shipping',
  'return',
  'gift_card',
  'loyalty',
  'fraud_check',
  'complaint',
  'delivery',
  'invoice',
  'payment',
  'account',
  'subscription',
  'promotion',
];
const LANGS = [
  ...['en', 'hi', 'de', 'pt', 'fr', 'es', 'ja', 'ar', 'it', 'nl', 'pl', 'tr', 'ko', 'zh', 'ru', 'sv', 'da', 'fi'],
  ...['no', 'cs', 'el', 'he', 'hu', 'id', 'ms', 'ro', 'sk', 'th', 'uk', 'vi', 'bn', 'ta', 'te', 'mr', 'ur', 'fa'],
  ...['sw', 'tl', 'hr', 'sr', 'bg', 'lt', 'lv', 'et', 'sl', 'ca', 'gl', 'eu', 'af', 'is'],
];

function configFor(): LivegradeConfig {
  const parsed = parseConfig({
    scoring: { windows: ['1h', '15m'], slices: [['decision_type'], ['decision_type', 'language']] },
    alerts: {
      receivers: { slack: { type: 'slack' } },
      rules: [
        {
          name: RULE,
          metric: 'override_rate',
          window: '1h',
          slices: [['decision_type', 'language']],
          condition: 'degraded',
          severity: 'critical',
          receivers: ['slack'],
        },
      ],
    },
  });
  return { ...parsed, sampling: { ...DEFAULT_CONFIG.sampling, decision_wait: 200 } };
}

/** 999 ordinary slices and the worst one; the markup slice takes one ordinary slot */
function sliceKeys(): string[] {
  const keys = [WORST, HOSTILE];
  for (const type of TYPES) {
    for (const lang of LANGS) {
      const key = `decision_type=${type},language=${lang}`;
      if (key !== WORST && keys.length < 1000) keys.push(key);
    }
  }
  assert.equal(keys.length, 1000);
  return keys;
}

/** deterministic noise in [0, 1) */
function noise(i: number, k: number): number {
  const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

/** override_rate rows of one hourly window ending at `end`; `k` is its age in hours */
function windowRows(end: number, k: number, keys: string[], worstValue: number): SliceMetricRow[] {
  return keys.map((slice, i) => {
    const worst = slice === WORST;
    const value = worst ? worstValue : Math.round((0.03 + 0.05 * noise(i, k)) * 1000) / 1000;
    const degraded = worst && worstValue > 0.2;
    return {
      window_start: end - HOUR,
      window_end: end,
      slice,
      metric: 'override_rate',
      value,
      n: worst ? 60 : 80 + Math.floor(200 * noise(k, i)),
      baseline: 'v1',
      baseline_value: 0.05,
      baseline_n: 120,
      test: 'two_proportion',
      statistic: worst ? 6.1 : noise(i, k + 1),
      p_value: worst ? 1e-10 : 0.2 + 0.8 * noise(i, k + 2),
      q_value: degraded ? 1e-9 : 0.3 + 0.7 * noise(i, k + 2),
      effect: value - 0.05,
      degraded,
    };
  });
}

describe('dashboard in a browser', { skip: chromium.ok ? false : chromium.skip }, () => {
  const hour = Math.floor(Date.now() / HOUR) * HOUR;
  /** ends of the six seeded windows, oldest first; the last is the latest scored */
  const ends = [5, 4, 3, 2, 1, 0].map((k) => hour - k * HOUR);
  /** refund/hi's override rate in each of them: it degrades in the last two */
  const worstSeries = [0.05, 0.04, 0.06, 0.05, 0.3, 0.45];
  const latest = { from: hour - HOUR, to: hour };
  const baselineRange = { from: hour - 10 * HOUR, to: hour - 8 * HOUR };
  const config = configFor();
  let instance: Awaited<ReturnType<typeof startTestInstance>>;
  let browser: Browser;
  let page: Page;
  let base: string;
  const overridden = new Map<string, string>();

  before(async () => {
    instance = await startTestInstance('embedded', {
      services: ['sampler', 'api'],
      config,
      env: { LIVEGRADE_API_TOKEN: TOKEN },
    });
    base = instance.urls.api!;
    const store = instance.store!;
    const types = ['refund', 'reship'];
    const langs = ['en', 'hi', 'de'];
    const reference = reviewedTraffic(types, langs, { ...baselineRange, perSlice: 40, overrideRate: 0.05, seed: 1 });
    const current = reviewedTraffic(types, langs, {
      ...latest,
      perSlice: 60,
      overrideRate: 0.05,
      overrideRateOf: (type, lang) => (type === 'refund' && lang === 'hi' ? 0.45 : 0.05),
      seed: 2,
    });
    for (const d of current) {
      const language = d.span.attributes['livegrade.slice.language'];
      if (
        d.span.name === 'decision refund' &&
        language === 'hi' &&
        d.review.label !== d.span.attributes['livegrade.decision.label']
      ) {
        overridden.set(d.traceId, d.review.label);
      }
    }
    assert.ok(overridden.size > 5, 'the seeded worst slice has overrides');
    await sendReviewed(instance, [...reference, ...current]);
    await registerBaseline(store, config.scoring, { name: 'v1', ...baselineRange });
    await activateBaseline(store, 'v1');

    const keys = sliceKeys();
    for (const [k, end] of ends.entries()) {
      await store.insertSliceMetrics(windowRows(end, ends.length - 1 - k, keys, worstSeries[k]!));
    }
    const firing: AlertState = {
      rule: RULE,
      slice: WORST,
      state: 'firing',
      active_at: ends[4]!,
      last_held_at: hour,
      fired_at: ends[4]!,
      resolved_at: null,
      notified_at: ends[4]!,
      firing_notification: `${RULE}.firing.${ends[4]}`,
      last: {
        slice: WORST,
        window_start: hour - HOUR,
        window_end: hour,
        value: 0.45,
        n: 60,
        baseline: 'v1',
        baseline_value: 0.05,
        baseline_n: 120,
        p_value: 1e-10,
        q_value: 1e-9,
        effect: 0.4,
        degraded: true,
      },
    };
    await store.saveAlertStates([firing]);

    browser = await launchChromium(chromium.ok ? chromium.executablePath : '');
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await instance?.stop();
  });

  it('asks for the API token, then lists 1,000 slices with the worst first', async () => {
    await page.goto(`${base}/`);
    // the first /v1 request answers 401: the page asks once and keeps the token for the tab
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-submit').click();

    const rows = page.getByTestId('slice-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1000);
    const first = rows.first();
    assert.equal(await first.getAttribute('data-slice'), WORST);
    assert.equal(await first.getByTestId('degraded-badge').count(), 1);
    assert.match(await first.innerText(), /45\.0%/);
    assert.match(await first.innerText(), new RegExp(RULE));
    assert.equal(await page.getByTestId('window-picker').inputValue(), '1h');
    assert.equal(await page.getByTestId('metric-picker').inputValue(), 'override_rate');

    const alert = page.getByTestId('alert');
    assert.equal(await alert.count(), 1);
    assert.match(await alert.innerText(), new RegExp(`${RULE}[\\s\\S]*refund[\\s\\S]*hi`));

    // markup in a slice key is shown as text and never runs
    const hostile = page.locator(`[data-testid=slice-row][data-slice="${HOSTILE.replace(/"/g, '\\"')}"]`);
    assert.match(await hostile.innerText(), /<img src=x onerror=/);
    assert.equal(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected), undefined);
  });

  it('opens the worst slice: its series against the baseline and a sampled failure with its verdict', async () => {
    await page.getByTestId('slice-row').first().click();
    await page.locator('[data-testid=series-chart] canvas').waitFor();
    await page.locator('[data-testid=series-chart][data-points]').waitFor();
    assert.match(await page.getByTestId('detail-title').innerText(), /refund[\s\S]*hi/);
    assert.match(page.url(), /slice=decision_type%3Drefund%2Clanguage%3Dhi/, 'the view is in the URL');

    const plotted = await page
      .getByTestId('series-chart')
      .evaluate((node) => (node as HTMLElement & { uplot: { data: Array<Array<number | null>> } }).uplot.data);
    assert.deepEqual(
      plotted[0],
      ends.map((e) => e / 1000),
      'x: the seeded window ends',
    );
    assert.deepEqual(plotted[1], worstSeries, 'the slice’s values');
    assert.deepEqual(
      plotted[2],
      ends.map(() => 0.05),
      'the baseline',
    );
    assert.deepEqual(plotted[3], [null, null, null, null, 0.3, 0.45], 'the degraded points');

    const failure = page.getByTestId('failure-row').filter({ hasText: 'override →' }).first();
    await failure.waitFor();
    const link = failure.getByTestId('trace-link');
    const traceId = (await link.getAttribute('title'))!;
    assert.ok(overridden.has(traceId), `the failure ${traceId} is one of refund/hi's overridden decisions`);
    const verdict = await failure.getByTestId('verdict').first().innerText();
    assert.match(verdict, /override/);
    assert.ok(verdict.includes(overridden.get(traceId)!), `the reviewer's label in "${verdict}"`);

    await page.locator('[data-testid=score-chart] canvas').waitFor();
    assert.ok((await page.getByTestId('label-row').count()) > 0, 'the label distribution');

    await link.click();
    const span = page.getByTestId('trace-span').first();
    await span.waitFor();
    assert.match(await span.innerText(), /decision refund/);
    await page.getByTestId('trace-close').click();
    await page.getByTestId('trace-view').waitFor({ state: 'hidden' });

    const png = await page.screenshot();
    // PNG signature, then the IHDR chunk's width and height
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1366, 900]);
    if (process.env.LIVEGRADE_UPDATE_SCREENSHOT === '1') {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      writeFileSync(SCREENSHOT, png);
    }
  });

  it('says what to do when the chosen window has not been scored yet', async () => {
    await page.getByTestId('window-picker').selectOption('15m');
    const empty = page.getByTestId('slices-empty');
    await page.getByText('No 15m window is scored yet').waitFor();
    assert.match(await empty.innerText(), /scoring\.interval/);
    assert.equal(await page.getByTestId('slice-row').count(), 0);
    assert.match(page.url(), /window=15m/);
  });

  it('opens the slice and window a link names (/?slice=&window=, as Slack alerts link), and keeps the URL in step', async () => {
    const link = (window: string) => `${base}/?slice=${encodeURIComponent(WORST)}&window=${window}`;
    await page.goto(link('1h'));
    await page.locator('[data-testid=series-chart][data-points="6"]').waitFor();
    assert.match(await page.getByTestId('detail-title').innerText(), /refund[\s\S]*hi/);
    assert.equal(await page.getByTestId('window-picker').inputValue(), '1h');
    assert.equal(await page.locator('[data-testid=slice-row].selected').getAttribute('data-slice'), WORST);
    // the shared number format: a rate with one decimal, a q value below its floor
    assert.match(await page.getByTestId('detail-figures').innerText(), /45\.0%[\s\S]*q=<0\.0001/);

    // opening another slice is a new history entry; back returns to the linked one
    const other = page.getByTestId('slice-row').nth(1);
    const otherSlice = (await other.getAttribute('data-slice'))!;
    await other.click();
    await page.waitForURL((url) => url.searchParams.get('slice') === otherSlice);
    assert.equal(new URL(page.url()).searchParams.get('window'), '1h');
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('slice') === WORST);
    await page.locator('[data-testid=slice-row].selected[data-slice^="decision_type=refund,language=hi"]').waitFor();

    // a window other than the default: its picker, and the slice's detail in it
    await page.goto(link('15m'));
    await page.getByText('Not scored in the 15m window shown.').waitFor();
    assert.equal(await page.getByTestId('window-picker').inputValue(), '15m');
    assert.match(await page.getByTestId('detail-title').innerText(), /refund[\s\S]*hi/);
  });

  it('a link naming a metric the API does not know shows the defaults and says why', async () => {
    await page.goto(`${base}/#window=1h&metric=no_such_metric`);
    await page.getByTestId('error').getByText('no_such_metric').waitFor();
    await page.locator(`[data-testid=slice-row][data-slice="${WORST}"]`).waitFor();
    assert.equal(await page.getByTestId('metric-picker').inputValue(), 'override_rate');
    assert.match(await page.getByTestId('error').innerText(), /showing the defaults/);
  });

  it('serves the page and its files without the token, typed and with cache headers', async () => {
    const expect = [
      ['/', 'text/html', 'no-cache'],
      ['/dashboard/app.js', 'text/javascript', 'no-cache'],
      ['/dashboard/style.css', 'text/css', 'no-cache'],
      ['/dashboard/uPlot.iife.min.js', 'text/javascript', 'max-age='],
      ['/dashboard/uPlot.min.css', 'text/css', 'max-age='],
    ] as const;
    for (const [path, type, cache] of expect) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, path);
      assert.ok(res.headers.get('content-type')?.startsWith(type), `${path}: ${res.headers.get('content-type')}`);
      assert.ok(res.headers.get('cache-control')?.includes(cache), `${path}: ${res.headers.get('cache-control')}`);
      const etag = res.headers.get('etag')!;
      const again = await fetch(`${base}${path}`, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304, `${path} revalidates`);
    }
    const html = await fetch(`${base}/`);
    assert.match(html.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal((await fetch(`${base}/v1/slices`)).status, 401, 'the data behind it still needs the token');
  });
});
