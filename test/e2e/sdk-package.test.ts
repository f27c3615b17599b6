// @livegrade/sdk as users get it (issue: packaging): `npm pack` of the built
// package, installed from the tarball into a temporary app outside the
// workspace, so nothing resolves through the workspace's node_modules or its
// source condition. Plain `node app.mjs` and `node app.cjs` send decisions and
// verdicts to a running gateway and they must land; the same app exporting to
// Kafka without its client installed fails with an error naming it; beside
// NodeSDK + HTTP instrumentation a decision is a child of the HTTP server span;
// a TypeScript consumer type-checks against the published .d.ts (and a wrong
// one does not); and the apps run on Node 22 too, which the SDK declares.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '@livegrade/core';
import { startTestInstance } from '../support/instance.ts';
import {
  APP_CJS,
  APP_MJS,
  APP_OTEL_CJS,
  admits,
  appEnv,
  CONSUMER_CTS,
  CONSUMER_MTS,
  installApp,
  installedPackages,
  nodeBinary,
  packSdk,
  type RunResult,
  report,
  resolvesFrom,
  run,
  show,
  TSCONFIG,
  tscPath,
  WRONG_CONSUMER,
  WRONG_MTS,
} from '../support/sdk-app.ts';
import { waitFor } from '../support/wait.ts';

// the versions the workspace's devDependencies pin, so npm finds them in its cache
const PEERS = [
  '@opentelemetry/api@1.10.0',
  '@opentelemetry/sdk-node@0.301.0',
  '@opentelemetry/instrumentation-http@0.301.0',
  '@opentelemetry/sdk-trace@3.1.1',
];

// what the SDK bundles or leaves out: none of the server side may come along with it
const SERVER_SIDE = [
  'chdb',
  'fastify',
  'bullmq',
  'ioredis',
  'kafkajs',
  '@platformatic/kafka',
  'zod',
  'pino',
  '@livegrade/core',
  '@livegrade/bus',
];

interface AppReport {
  entry: string;
  decisions: Array<{ id: string; type: string; label: string; traceId: string }>;
  verdicts: string[];
}

interface SpanIds {
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

interface OtelReport {
  status: number;
  body: string;
  health: string;
  server: SpanIds | undefined;
  healthz: SpanIds | undefined;
  spans: Array<SpanIds & { name: string; kind: number }>;
}

describe('@livegrade/sdk packed and installed into an app outside the workspace', { timeout: 15 * 60_000 }, () => {
  let work: string;
  let app: string;
  let packedFiles: string[];
  let instance: Awaited<ReturnType<typeof startTestInstance>>;

  before(
    async () => {
      work = mkdtempSync(join(tmpdir(), 'livegrade-sdk-package-'));
      const packed = await packSdk(work);
      packedFiles = packed.files;
      // realpath: the apps report resolved paths, and the temp dir may sit behind a symlink
      app = join(realpathSync(work), 'app');
      await installApp(app, [packed.tarball, ...PEERS]);
      writeFileSync(join(app, 'app.mjs'), APP_MJS);
      writeFileSync(join(app, 'app.cjs'), APP_CJS);
      writeFileSync(join(app, 'app-otel.cjs'), APP_OTEL_CJS);
      // only what the apps need: the gateway they send to and the sampler that writes the store
      instance = await startTestInstance('embedded', {
        services: ['gateway', 'sampler'],
        config: { ...DEFAULT_CONFIG, sampling: { ...DEFAULT_CONFIG.sampling, decision_wait: 200 } },
      });
    },
    { timeout: 10 * 60_000 },
  );
  after(async () => {
    await instance?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Runs one of the app's scripts with a Node binary and only the given environment. */
  function node(bin: string, script: string, args: string[], env: Record<string, string>): Promise<RunResult> {
    return run(bin, [script, ...args], { cwd: app, env: appEnv(env), timeoutMs: 60_000 });
  }

  function rows<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    return instance.store!.select<T>(sql, params);
  }

  /** Runs app.mjs or app.cjs against the gateway and checks that its decisions and verdicts are in the store. */
  async function decisionsLand(bin: string, script: 'app.mjs' | 'app.cjs', prefix: string) {
    const r = await node(bin, script, [prefix], { LIVEGRADE_ENDPOINT: instance.urls.gateway! });
    assert.equal(r.code, 0, show(r));
    // delivery failures are reported through onError, by default as console.warn('livegrade: ...')
    assert.doesNotMatch(r.stderr, /livegrade:/, show(r));
    const out = report<AppReport>(r);
    const bundle = script === 'app.mjs' ? 'index.mjs' : 'index.cjs';
    assert.equal(out.entry, join(app, 'node_modules/@livegrade/sdk/dist', bundle), 'the installed package is used');

    const ids = out.decisions.map((d) => d.id);
    const stored = await waitFor(`decisions ${ids.join(', ')}`, async () => {
      const found = await rows<{ decision_id: string; trace_id: string; decision_type: string; service: string }>(
        `SELECT decision_id, trace_id, decision_type, label, service FROM decisions FINAL
         WHERE has({ids:Array(String)}, decision_id) ORDER BY decision_id`,
        { ids },
      );
      return found.length === ids.length ? found : undefined;
    });
    assert.deepEqual(
      stored,
      out.decisions.map((d) => ({
        decision_id: d.id,
        trace_id: d.traceId,
        decision_type: d.type,
        label: d.label,
        service: 'sdk-package-app',
      })),
    );

    const verdicts = await waitFor(`verdicts ${out.verdicts.join(', ')}`, async () => {
      const found = await rows<{ decision_id: string; kind: string; value: string; label: string }>(
        `SELECT decision_id, kind, value, label, seniority FROM verdicts FINAL
         WHERE has({ids:Array(String)}, verdict_id) ORDER BY kind DESC`,
        { ids: out.verdicts },
      );
      return found.length === out.verdicts.length ? found : undefined;
    });
    assert.deepEqual(verdicts, [
      { decision_id: `${prefix}-1`, kind: 'review', value: '', label: 'reject', seniority: 'senior' },
      { decision_id: `${prefix}-2`, kind: 'feedback', value: 'thumbs_down', label: '', seniority: '' },
    ]);
  }

  it('packs only the build, and installs without any server-side package', () => {
    const unexpected = packedFiles.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE)/.test(f));
    assert.deepEqual(unexpected, [], 'the tarball holds dist/, package.json and README.md only');
    for (const f of ['dist/index.mjs', 'dist/index.cjs', 'dist/index.d.mts', 'dist/index.d.cts']) {
      assert.ok(packedFiles.includes(f), `the tarball holds ${f}`);
    }
    const installed = installedPackages(app);
    assert.ok(installed.has('@livegrade/sdk'));
    assert.deepEqual(
      SERVER_SIDE.filter((p) => installed.has(p)),
      [],
      'none of these may be installed with the SDK',
    );
    // not from a parent directory either: the Kafka test below relies on it
    assert.equal(resolvesFrom(app, '@platformatic/kafka'), false, '@platformatic/kafka resolves from the app');
  });

  it('node app.mjs (import) sends decisions and verdicts that land', async () => {
    await decisionsLand(process.execPath, 'app.mjs', 'esm24');
  });

  it('node app.cjs (require) sends decisions and verdicts that land', async () => {
    await decisionsLand(process.execPath, 'app.cjs', 'cjs24');
  });

  it('exporting to Kafka without the Kafka client installed, init() fails with an error naming it', async () => {
    // init() checks for the client before connecting: no broker is needed
    for (const script of ['app.mjs', 'app.cjs']) {
      const r = await node(process.execPath, script, ['kafka'], { LIVEGRADE_KAFKA_BROKERS: '127.0.0.1:9092' });
      assert.notEqual(r.code, 0, `${script} must fail\n${show(r)}`);
      assert.match(r.stderr, /needs the "@platformatic\/kafka" package, which is not installed/, show(r));
      assert.match(r.stderr, /npm install @platformatic\/kafka/, show(r));
      assert.equal(r.stdout, '', `${script} must stop at init()\n${show(r)}`);
    }
  });

  it('beside NodeSDK + HTTP instrumentation, the decision is a child of the HTTP server span', async () => {
    const decisionId = 'otel-refund-1';
    const r = await node(process.execPath, 'app-otel.cjs', [decisionId], {
      LIVEGRADE_ENDPOINT: instance.urls.gateway!,
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    });
    assert.equal(r.code, 0, show(r));
    assert.doesNotMatch(r.stderr, /livegrade:/, show(r));
    const out = report<OtelReport>(r);
    assert.equal(out.status, 200, show(r));
    assert.equal(out.body, 'approve');
    assert.ok(out.server, `the app saw no HTTP server span for /refund\n${show(r)}`);
    assert.ok(out.healthz, `the app saw no HTTP server span for /healthz\n${show(r)}`);
    // fetch is not instrumented: the server span is the trace's root
    assert.equal(out.server.parentSpanId, '');

    const [decision] = await waitFor(`decision ${decisionId}`, async () => {
      const found = await rows<{ trace_id: string; span_id: string }>(
        'SELECT trace_id, span_id FROM decisions FINAL WHERE decision_id = {id:String}',
        { id: decisionId },
      );
      return found.length > 0 ? found : undefined;
    });
    assert.equal(decision!.trace_id, out.server.traceId, "the decision is in the HTTP server span's trace");

    // the first traces of a slice are kept whole (per_slice_target_per_hour), so its spans are in sampled_spans
    const spans = await waitFor(`the spans of trace ${out.server.traceId}`, async () => {
      const found = await rows<{ span_id: string; parent_span_id: string; name: string; decision_id: string }>(
        `SELECT span_id, parent_span_id, name, decision_id FROM sampled_spans FINAL
         WHERE trace_id = {trace:String} ORDER BY ts`,
        { trace: out.server!.traceId },
      );
      return found.length >= 2 ? found : undefined;
    });
    const server = spans.find((s) => s.span_id === out.server!.spanId);
    assert.ok(server, `the HTTP server span reached livegrade: ${JSON.stringify(spans)}`);
    assert.equal(server.parent_span_id, '');
    const decisionSpan = spans.find((s) => s.span_id === decision!.span_id);
    assert.ok(decisionSpan, `the decision span reached livegrade: ${JSON.stringify(spans)}`);
    assert.equal(decisionSpan.decision_id, decisionId);
    assert.equal(decisionSpan.parent_span_id, out.server.spanId, 'the decision span is a child of the server span');

    // the request without a decision was not sent: its trace ended first, and the sampler writes traces in the
    // order they are due, so had it been sent it would be in the store before the decision's
    // every trace the sampler decides has a row in parked_traces, kept or not
    const health = await rows<{ n: string }>('SELECT count() AS n FROM parked_traces WHERE trace_id = {trace:String}', {
      trace: out.healthz.traceId,
    });
    assert.equal(Number(health[0]?.n), 0, 'a trace without a decision is not sent to livegrade');
  });

  it('a TypeScript consumer type-checks against the published .d.ts (ESM and CJS); a wrong one does not', async () => {
    writeFileSync(join(app, 'consumer.mts'), CONSUMER_MTS);
    writeFileSync(join(app, 'consumer.cts'), CONSUMER_CTS);
    writeFileSync(join(app, 'wrong.mts'), WRONG_MTS);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(
      join(app, 'tsconfig.wrong.json'),
      JSON.stringify({ extends: './tsconfig.json', files: ['wrong.mts'] }, null, 2),
    );
    const tsc = (project: string, ...args: string[]) =>
      run(process.execPath, [tscPath(), '-p', project, '--pretty', 'false', ...args], {
        cwd: app,
        env: appEnv({}),
        timeoutMs: 120_000,
      });

    const good = await tsc('tsconfig.json', '--listFiles');
    assert.equal(good.code, 0, show(good));
    // the .mts resolves the import condition, the .cts the require one: both published declarations are checked
    const sdkDist = join(app, 'node_modules/@livegrade/sdk/dist');
    assert.ok(good.stdout.includes(join(sdkDist, 'index.d.mts')), `index.d.mts not checked\n${good.stdout}`);
    assert.ok(good.stdout.includes(join(sdkDist, 'index.d.cts')), `index.d.cts not checked\n${good.stdout}`);
    // without Node's types (TSCONFIG's types: []): a Node-only type such as Buffer in them would fail the check
    assert.ok(!good.stdout.includes('/@types/node/'), `the declarations pulled in @types/node\n${good.stdout}`);

    const wrong = await tsc('tsconfig.wrong.json');
    assert.notEqual(wrong.code, 0, `the wrong consumer type-checked\n${show(wrong)}`);
    WRONG_CONSUMER.forEach((w, i) => {
      // WRONG_MTS has its mistakes one a line from line 4
      const reported = wrong.stdout.split('\n').filter((l) => l.startsWith(`wrong.mts(${i + 4},`));
      assert.ok(
        reported.some((l) => w.error.test(l)),
        `expected ${w.error} for \`${w.line}\`, got:\n${wrong.stdout}`,
      );
    });
  });

  it('declares Node 22 and 24 in engines, and runs app.mjs and app.cjs on Node 22', async (t) => {
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@livegrade/sdk/package.json'), 'utf8')) as {
      engines?: { node?: string };
    };
    const engines = pkg.engines?.node;
    assert.ok(engines, 'the SDK declares engines.node');
    assert.ok(admits(engines, process.version), `engines.node "${engines}" admits ${process.version}`);

    const node22 = await nodeBinary(22);
    if (!node22.ok) {
      if (process.env.CI === 'true') assert.fail(`CI=true: Node 22 is required for this test\n${node22.reason}`);
      const message = `Node 22 is not available (it comes from the npm registry's node package): ${node22.reason}`;
      console.warn(`SKIP: ${message}`);
      t.skip(message);
      return;
    }
    assert.ok(admits(engines, node22.version), `engines.node "${engines}" admits ${node22.version}`);
    await decisionsLand(node22.bin, 'app.mjs', 'esm22');
    await decisionsLand(node22.bin, 'app.cjs', 'cjs22');
  });
});
