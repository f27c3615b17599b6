import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatCount, formatP } from '@livegrade/alerter';
import type { Env } from '@livegrade/core';
import { activateBaseline, registerBaseline } from '@livegrade/ops';
import type { JsonResult, Store } from '@livegrade/store';
import type { Command } from '../command.ts';
import { type AlertReceiver, startAlertReceiver, type WebhookBody } from '../demo/alert-receiver.ts';
import { DEMO_WEBHOOK_ENV, demoConfig } from '../demo/demo-config.ts';
import { sliceFailuresSql } from '../demo/failures-query.ts';
import { clock, describeAlert, percent, slicesTable } from '../demo/report.ts';
import { createSupportBot, type SupportBot } from '../demo/support-bot.ts';
import {
  BROKEN_VERSION,
  createTrafficModel,
  DECISION_TYPES,
  DEGRADED,
  DEGRADED_SLICE,
  HEALTHY_VERSION,
  LANGUAGES,
} from '../demo/traffic-model.ts';
import { flagText } from '../flags.ts';
import { type Instance, startInstance } from '../instance.ts';
import { renderTable } from '../table.ts';
import { UsageError } from '../usage.ts';

export interface DemoOptions {
  /** stop once the story is told (the SQL answer and the bank) instead of staying up with the dashboard */
  exit?: boolean | undefined;
  dataDir?: string | undefined;
}

const DECISIONS_PER_SECOND = 40;
const BASELINE_MS = 60_000;
/** from prompt-v8's release; the alert normally fires within a minute of it */
const ALERT_DEADLINE_MS = 150_000;
/** once one rule fired, how long the other gets to fire on the same slice */
const SECOND_RULE_GRACE_MS = 20_000;
/** the alert state says firing but no webhook came: the state is printed after this long */
const WEBHOOK_GRACE_MS = 15_000;
const PROGRESS_EVERY_MS = 10_000;
const SEED = 6;
/** a file that marks a data dir as the demo's, so only such a directory is wiped */
const MARKER = '.livegrade-demo';
const RULES = ['override-rate', 'score-drift'];

class Interrupted extends Error {}

export const command: Command = {
  usage: `livegrade demo [--exit] [--data-dir <dir>]   the whole loop in ~2 minutes: a simulated support bot, a baseline,
                                               a release that breaks one slice, its alert and the SQL behind it`,
  flags: { exit: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  run: (env, _args, flags) => demo(env, { exit: flags.exit === true, dataDir: flagText(flags, 'data-dir') }),
};

/**
 * `livegrade demo`: the whole loop in about two minutes. An embedded
 * livegrade and a simulated support bot instrumented with the SDK; a
 * baseline over a minute of healthy traffic; then a release that breaks one
 * slice, the alert it raises, and the SQL that lists that slice's failures.
 */
export async function demo(
  env: Env,
  opts: DemoOptions,
  processEnv: Record<string, string | undefined> = process.env,
): Promise<number> {
  const t0 = Date.now();
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const at = () => {
    const s = Math.floor((Date.now() - t0) / 1000);
    return `[${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}]`;
  };

  const dataDir = resolve(opts.dataDir ?? join(env.LIVEGRADE_DATA_DIR, 'demo'));
  // a demo already running holds these ports and this data dir: say so before wiping its data
  await assertPortFree(env.LIVEGRADE_HOST, env.LIVEGRADE_API_PORT, 'LIVEGRADE_API_PORT');
  await assertPortFree(env.LIVEGRADE_HOST, env.LIVEGRADE_GATEWAY_PORT, 'LIVEGRADE_GATEWAY_PORT');
  prepareDataDir(dataDir);
  const demoEnv: Env = {
    ...env,
    // always embedded, whatever the environment points at: the demo must not write into a real deployment
    LIVEGRADE_KAFKA_BROKERS: undefined,
    LIVEGRADE_CLICKHOUSE_URL: undefined,
    LIVEGRADE_REDIS_URL: undefined,
    LIVEGRADE_CONFIG: undefined,
    LIVEGRADE_DATA_DIR: dataDir,
    // the services' logs would drown the story; LIVEGRADE_LOG_LEVEL still turns them on
    LIVEGRADE_LOG_LEVEL: processEnv.LIVEGRADE_LOG_LEVEL ? env.LIVEGRADE_LOG_LEVEL : 'warn',
  };

  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const wait = (ms: number) =>
    sleep(ms, undefined, { signal: interrupted.signal }).catch(() => {
      throw new Interrupted();
    });

  let receiver: AlertReceiver | undefined;
  let instance: Instance | undefined;
  let bot: SupportBot | undefined;
  try {
    say('livegrade demo: a support bot graded on its live traffic (about 2 minutes)');
    receiver = await startAlertReceiver((body) => {
      say();
      say(describeAlert(body));
      say();
    });
    const slack = Boolean(env.LIVEGRADE_SLACK_WEBHOOK_URL);
    const config = demoConfig({ slack });
    instance = await startInstance(demoEnv, {
      config,
      processEnv: { [DEMO_WEBHOOK_ENV]: receiver.url },
    });
    const store = instance.store!;
    const api = instance.urls.api!;
    const gateway = instance.urls.gateway!;

    say(`  livegrade: embedded (in-process bus, ClickHouse engine in-process, in-process jobs), data in ${dataDir}`);
    const ignored = ['LIVEGRADE_KAFKA_BROKERS', 'LIVEGRADE_CLICKHOUSE_URL', 'LIVEGRADE_REDIS_URL', 'LIVEGRADE_CONFIG'];
    const set = ignored.filter((k) => env[k as keyof Env]);
    if (set.length > 0) say(`             (${set.join(', ')} ignored: the demo never touches a real deployment)`);
    say(`  gateway:   ${gateway}   API: ${api}`);
    say(
      `  support-bot: ${DECISIONS_PER_SECOND} decisions/s over the SDK, ${Object.keys(DECISION_TYPES).join(', ')} × ${LANGUAGES.join(', ')}; ` +
        'senior and junior reviewers, thumbs up and down',
    );
    say(
      `  scoring: 1m windows every 10s; alert rules ${RULES.join(', ')} on every decision_type × language slice → ` +
        `this terminal (webhook)${slack ? ' and Slack' : ''}`,
    );
    say();

    const model = createTrafficModel(SEED);
    bot = createSupportBot({
      endpoint: gateway,
      decisionsPerSecond: DECISIONS_PER_SECOND,
      model,
      onError: (err) => process.stderr.write(`support-bot: ${err.message}\n`),
    });
    const progress = (phase: string, extra = '') => {
      const c = bot!.counts();
      const scored = instance!.scorer?.stats().windows.completed ?? 0;
      say(
        `${at()} ${phase}: ${formatCount(c.decisions)} decisions, ${formatCount(c.reviews)} reviews (${formatCount(c.overrides)} senior overrides), ` +
          `${scored} windows scored${extra}`,
      );
    };

    // 1. a minute of healthy traffic: the reference the release is judged against
    say(`${at()} 1/5 baseline: the bot answers with ${HEALTHY_VERSION} for ${BASELINE_MS / 1000} s`);
    const trafficStart = Date.now();
    bot.start();
    while (Date.now() - trafficStart < BASELINE_MS) {
      await wait(Math.min(PROGRESS_EVERY_MS, BASELINE_MS - (Date.now() - trafficStart)));
      progress('baseline traffic');
    }

    // 2. the release ships; the baseline is registered over the healthy model's decisions
    bot.breakModel();
    const brokeAt = Date.now();
    say(
      `${at()} 2/5 release: ${BROKEN_VERSION} ships. Its Hindi refund instructions were mistranslated: refund requests ` +
        'in Hindi now go wrong about half the time, with less confidence. Every other slice is unchanged.',
    );
    await bot.settle(HEALTHY_VERSION);
    const stored = await waitUntilStored(store, bot, HEALTHY_VERSION, wait);
    if (!stored) say(`${at()} (not every ${HEALTHY_VERSION} decision reached the store in time; registering what did)`);
    const info = await registerBaseline(store, config.scoring, {
      name: HEALTHY_VERSION,
      from: trafficStart - 1000,
      to: Date.now(),
      modelVersion: HEALTHY_VERSION,
    });
    await activateBaseline(store, info.name);
    const baseSlices = await store.baselineSlices(info.name);
    const overrideOf = (slice: string) => {
      const s = baseSlices.find((b) => b.slice === slice);
      return s && s.reviewed > 0 ? percent(s.overridden / s.reviewed) : 'n/a';
    };
    say(
      `${at()} registered and activated baseline "${info.name}": ${formatCount(info.volume)} decisions of ${HEALTHY_VERSION} in ${info.slices} slices; ` +
        `override rate ${overrideOf('*')} overall, ${overrideOf(DEGRADED_SLICE)} in ${DEGRADED_SLICE}`,
    );

    // 3. every window is compared with the baseline until the broken slice alerts
    say(`${at()} 3/5 scoring each 1m window against "${info.name}" until an alert fires`);
    const firing = await waitForAlert({
      store,
      receiver,
      deadline: brokeAt + ALERT_DEADLINE_MS,
      wait,
      onProgress: async () => progress('live traffic', await latestOf(store)),
      onStateOnly: (text) => say(text),
    });
    if (!firing) {
      const latest = await latestOf(store);
      process.stderr.write(
        `livegrade demo: no alert on ${DEGRADED_SLICE} within ${ALERT_DEADLINE_MS / 1000} s of ${BROKEN_VERSION}'s release` +
          `${latest ? ` (latest window${latest})` : ''}. The machine may be too busy to keep up; run it again, or look at ` +
          `the scored windows: LIVEGRADE_DATA_DIR=${dataDir} npx livegrade sql "SELECT * FROM slice_metrics FINAL ORDER BY window_end DESC"\n`,
      );
      return 1;
    }
    if (slack) say(await slackOutcome(store, firing.notification.id, wait));

    // 4. what the alert means: wider slices dilute it; the SQL lists the failures behind it
    const window = firing.notification.alerts.find((a) => a.slice === DEGRADED_SLICE)?.last ?? {
      window_start: firing.notification.at - firing.notification.window_ms,
      window_end: firing.notification.at,
    };
    const metrics = await store.windowMetrics({ start: window.window_start, end: window.window_end });
    const wider = ['*', `decision_type=${DEGRADED.decision_type}`, `language=${DEGRADED.language}`, DEGRADED_SLICE];
    const rows = wider.flatMap((s) => metrics.filter((m) => m.slice === s && m.metric === 'override_rate'));
    say(
      `${at()} 4/5 the same window (${clock(window.window_start)}–${clock(window.window_end)} UTC), override rate of the slices ` +
        'that hold the broken one: the wider the slice, the more it is diluted; the rules watch the narrowest, which says where to look',
    );
    say(slicesTable(rows));
    const sql = sliceFailuresSql(DEGRADED_SLICE, { from: window.window_start, to: window.window_end });
    say(`The sampled failures of ${DEGRADED_SLICE} behind the alert, through the read-only SQL users get:`);
    say();
    say(sql);
    say();
    const answer = JSON.parse(await store.readOnlyQuery(sql, 'json')) as JsonResult;
    say(renderTable(answer));

    // 5. every escape is remembered: the next release is replayed against them before it ships
    await instance.scorer!.captureBank();
    const cases = await store.bankCases();
    const ofSlice = cases.filter((c) => c.slice === DEGRADED_SLICE);
    const overrides = cases.filter((c) => c.reason === 'override').length;
    say(
      `${at()} 5/5 the regression bank: every override and every labelled failure became a replay case, ` +
        `${formatCount(cases.length)} so far (${formatCount(overrides)} overrides), ${formatCount(ofSlice.length)} of them from ${DEGRADED_SLICE}.`,
    );
    say(
      '  Before the fix ships, replay them all against it; the gate exits 1 while any past failure repeats or a slice is below the bar:',
    );
    say(`  LIVEGRADE_API_URL=${api} npx livegrade bank replay --target http://127.0.0.1:9000/decide --k 5`);
    say();
    const elapsed = Math.round((Date.now() - t0) / 1000);
    say(`Demo complete in ${Math.floor(elapsed / 60)}m${String(elapsed % 60).padStart(2, '0')}s.`);
    const view = new URLSearchParams({ window: '1m', metric: 'override_rate', slice: DEGRADED_SLICE });
    say(`Dashboard: ${api}/#${view}`);
    if (opts.exit) {
      // the store stays behind for a look without the instance: livegrade sql opens it itself
      say(`Stopping (--exit). The data stays: LIVEGRADE_DATA_DIR=${dataDir} npx livegrade sql "SELECT ..."`);
      return 0;
    }
    say(`Run your own SQL: LIVEGRADE_API_URL=${api} npx livegrade sql "SELECT ..."`);

    say('The bot keeps sending traffic (still broken) so the dashboard stays live. Press Ctrl+C to stop.');
    await new Promise<void>((resolve) => interrupted.signal.addEventListener('abort', () => resolve(), { once: true }));
    say('stopping');
    return 0;
  } catch (err) {
    if (err instanceof Interrupted) {
      say('\ninterrupted: stopping');
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await bot?.stop();
    await instance?.stop();
    await receiver?.close();
  }
}

async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: Error & { code?: string }) => {
      if (err.code !== 'EADDRINUSE') return reject(err);
      reject(
        new Error(
          `${host}:${port} is in use: is \`livegrade up\` or another demo running? Stop it, or set ${variable} to a free port (0 picks any)`,
        ),
      );
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** Wipes the demo's own data dir (one it made before, or an empty one); refuses anything else. */
function prepareDataDir(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new UsageError(
        `${dir} holds files the demo did not make, and the demo wipes its data dir at each run: pass --data-dir with a new or empty directory`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'made by `livegrade demo`, which wipes this directory at each run\n');
}

/** Until every decision and verdict the bot sent with `version` is stored, at most 30 s; false if that ran out. */
async function waitUntilStored(
  store: Store,
  bot: SupportBot,
  version: string,
  wait: (ms: number) => Promise<void>,
): Promise<boolean> {
  const sent = bot.counts(version);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [row] = await store.select<{ decisions: string; verdicts: string }>(
      `SELECT
         (SELECT count() FROM decisions FINAL WHERE model_version = {v:String}) AS decisions,
         (SELECT count() FROM verdicts FINAL
          WHERE decision_id IN (SELECT decision_id FROM decisions WHERE model_version = {v:String})) AS verdicts`,
      { v: version },
    );
    if (Number(row?.decisions) >= sent.decisions && Number(row?.verdicts) >= sent.verdicts) return true;
    await wait(500);
  }
  return false;
}

/** The degraded slice's override rate in the latest scored window, for the progress lines. */
async function latestOf(store: Store): Promise<string> {
  const [row] = await store.select<{ value: number | null; baseline_value: number | null; q_value: number | null }>(
    `SELECT value, baseline_value, q_value FROM slice_metrics FINAL
     WHERE slice = {slice:String} AND metric = 'override_rate'
     ORDER BY window_end DESC LIMIT 1`,
    { slice: DEGRADED_SLICE },
  );
  if (!row) return '';
  const q = row.q_value === null ? 'not tested yet' : `q ${formatP(row.q_value)}`;
  return `; ${DEGRADED_SLICE} override rate ${percent(row.value)} vs baseline ${percent(row.baseline_value)} (${q})`;
}

/**
 * Until a rule fires on the degraded slice: the webhook delivery is the
 * signal (what a receiver gets); alert_state is the fallback should the
 * delivery not come. Once one rule fired, the other gets a little longer,
 * since a release usually trips both.
 */
async function waitForAlert(deps: {
  store: Store;
  receiver: AlertReceiver;
  deadline: number;
  wait: (ms: number) => Promise<void>;
  onProgress: () => Promise<void>;
  onStateOnly: (text: string) => void;
}): Promise<WebhookBody | undefined> {
  const { store, receiver } = deps;
  const fired = () =>
    receiver
      .received()
      .filter((b) => b.notification.kind === 'firing' && b.notification.alerts.some((a) => a.slice === DEGRADED_SLICE));
  let lastProgress = Date.now();
  let stateSince: number | undefined;
  while (Date.now() < deps.deadline) {
    const got = fired();
    if (got.length > 0) {
      const graceEnd = Math.min(Date.now() + SECOND_RULE_GRACE_MS, deps.deadline);
      while (fired().length < RULES.length && Date.now() < graceEnd) await deps.wait(500);
      // the override rate is the headline: its window is the one shown next
      return fired().find((b) => b.notification.metric === 'override_rate') ?? fired()[0];
    }
    const states = (await store.alertsList()).filter((s) => s.state === 'firing' && s.slice === DEGRADED_SLICE);
    if (states.length > 0) {
      stateSince ??= Date.now();
      if (Date.now() - stateSince > WEBHOOK_GRACE_MS) {
        const s = states[0]!;
        deps.onStateOnly(
          `the alert fired (alert_state) but no webhook delivery arrived: ${s.rule} on ${s.slice}, ` +
            `${s.last?.value ?? 'n/a'} vs baseline ${s.last?.baseline_value ?? 'n/a'}`,
        );
        return {
          version: 1,
          summary: `FIRING ${s.rule} on ${s.slice}`,
          notification: {
            id: s.firing_notification,
            kind: 'firing',
            rule: s.rule,
            metric: 'override_rate',
            severity: 'critical',
            condition: { kind: 'degraded' },
            window_ms: (s.last?.window_end ?? 0) - (s.last?.window_start ?? 0),
            at: s.last?.window_end ?? Date.now(),
            receivers: [],
            alerts: [s],
          },
        };
      }
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      await deps.onProgress();
    }
    await deps.wait(500);
  }
  return undefined;
}

/** Whether the firing message reached Slack, from the alerter's delivery records. */
async function slackOutcome(store: Store, notification: string, wait: (ms: number) => Promise<void>): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const events = await store.alertEvents({ notification, kind: 'delivery' });
    const slack = events.filter((e) => e.receiver === 'slack');
    if (slack.some((e) => e.outcome === 'delivered')) return 'Posted to Slack (LIVEGRADE_SLACK_WEBHOOK_URL).';
    const last = slack[0];
    if (last && last.outcome !== 'retry' && last.outcome !== 'rate_limited') {
      return `Slack did not take the message: ${last.outcome}${last.status ? ` (HTTP ${last.status})` : ''} ${last.detail}`;
    }
    await wait(500);
  }
  return 'Slack: not delivered yet; the alerter keeps retrying in the background (alert_events has each attempt).';
}
