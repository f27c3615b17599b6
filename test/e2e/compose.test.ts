// docker-compose.yml and the Dockerfile cannot run here (no Docker on these
// machines), so this test reads them as Compose would (YAML with `<<:` merge
// keys) and checks what makes them fit for production: Kafka on infra's major
// with its data on a volume, Redis as BullMQ needs it, every livegrade service
// healthy on the port it really listens on, not root, started after a one-shot
// migrate job, and a ClickHouse server not older than the embedded engine.
// Each check is run on the real files, then on mutated copies it must reject.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { SERVICES } from '@livegrade/cli';
import { type Env, parseEnv } from '@livegrade/core';
import { query } from 'chdb';
import { parse } from 'yaml';

interface Files {
  compose: string;
  dockerfile: string;
  pom: string;
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  user?: unknown;
  restart?: unknown;
  environment?: Record<string, unknown>;
  volumes?: string[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }>;
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const files: Files = {
  compose: read('docker-compose.yml'),
  dockerfile: read('Dockerfile'),
  pom: read('infra/kafka/pom.xml'),
};

/** what `livegrade up --services` accepts */
const LIVEGRADE_SERVICES: string[] = [...SERVICES];
const INFRA = ['kafka', 'clickhouse', 'redis'];

/** chdb's engine, as `SELECT version()` answers (its package names another: 26.7.3-stable.1 answers 26.7.2.1) */
let engineVersion = '';

function compose(text: string, version: '1.1' | '1.2' = '1.2'): Compose {
  return parse(text, { merge: true, version }) as Compose;
}

function service(c: Compose, name: string): Service {
  const s = c.services[name];
  assert.ok(s, `docker-compose.yml has no ${name} service`);
  return s;
}

/** the services built from this repository, by what their command runs: `up ...` or `migrate` */
function livegradeServices(c: Compose, command: 'up' | 'migrate'): [string, Service][] {
  return Object.entries(c.services).filter(([, s]) => s.build === '.' && s.command?.[0] === command);
}

/** the livegrade services a container's `up` command runs: its --services list, or all of them */
function servicesOf(s: Service): string[] {
  const i = s.command?.indexOf('--services') ?? -1;
  return i < 0 ? LIVEGRADE_SERVICES : (s.command?.[i + 1]?.split(',') ?? []);
}

function healthTest(s: Service): string {
  const t = s.healthcheck?.test;
  return Array.isArray(t) ? t.join(' ') : (t ?? '');
}

/** `source:target[:mode]` volume entries whose source is a named volume declared at the top level */
function namedVolumeAt(c: Compose, name: string, target: string): void {
  const s = service(c, name);
  const mount = (s.volumes ?? []).map((v) => v.split(':')).find(([, t]) => t === target);
  assert.ok(mount, `${name} mounts no volume at ${target}: ${JSON.stringify(s.volumes)}`);
  const source = mount[0]!;
  assert.ok(!source.startsWith('.') && !source.startsWith('/'), `${name}: ${target} is a bind mount, not a volume`);
  assert.ok(c.volumes && source in c.volumes, `${name}: volume "${source}" is not declared under top-level volumes:`);
}

function nonRoot(name: string, user: unknown): void {
  assert.equal(typeof user, 'string', `${name}: user must be a quoted "uid:gid" string, got ${JSON.stringify(user)}`);
  const uid = (user as string).split(':')[0];
  assert.ok(uid !== '0' && uid !== 'root' && uid !== '', `${name} runs as root (user: ${user})`);
}

/** ${NAME:-default} as Compose substitutes it with NAME unset; values as the container sees them */
function containerEnv(s: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s.environment ?? {}).map(([k, v]) => [
      k,
      String(v).replace(/\$\{[A-Z0-9_]+(?::-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? ''),
    ]),
  );
}

/**
 * The port whose /healthz answers in a process running these services, as
 * startInstance decides: the api serves its own (and starts no metrics
 * listener), the gateway listens on its port, any other process has /healthz
 * only on the metrics listener.
 */
function healthzPort(services: string[], env: Env): number {
  if (services.includes('api')) return env.LIVEGRADE_API_PORT;
  if (services.includes('gateway')) return env.LIVEGRADE_GATEWAY_PORT;
  return env.LIVEGRADE_METRICS_PORT;
}

function majorMinor(version: string, what: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  assert.ok(m, `${what}: "${version}" is not a major.minor version`);
  return [Number(m[1]), Number(m[2])];
}

const checks: Record<string, (f: Files) => void> = {
  'means the same to a YAML 1.1 and a YAML 1.2 reader (no unquoted no, off or 22:22)': (f) => {
    assert.deepEqual(compose(f.compose, '1.1'), compose(f.compose, '1.2'));
  },

  "Kafka's image is on the major of the broker the tests run (infra/kafka/pom.xml)": (f) => {
    const image = service(compose(f.compose), 'kafka').image ?? '';
    const m = /^apache\/kafka:(\d+)\.\d+\.\d+$/.exec(image);
    assert.ok(m, `kafka image "${image}" is not a pinned apache/kafka:X.Y.Z`);
    const infra = /<kafka\.version>((\d+)\.\d+\.\d+)<\/kafka\.version>/.exec(f.pom);
    assert.ok(infra, 'infra/kafka/pom.xml has no <kafka.version>');
    assert.equal(Number(m[1]), 4, `kafka image ${image} is not Kafka 4`);
    assert.equal(m[1], infra[2], `kafka image ${image}: another major than infra's Kafka ${infra[1]}`);
  },

  'Kafka keeps its data in a named volume at KAFKA_LOG_DIRS, under a fixed CLUSTER_ID, with a healthcheck': (f) => {
    const c = compose(f.compose);
    const kafka = service(c, 'kafka');
    const env = kafka.environment ?? {};
    const dirs = env.KAFKA_LOG_DIRS;
    assert.equal(typeof dirs, 'string', 'kafka: KAFKA_LOG_DIRS is not set (the image defaults to /tmp)');
    assert.equal(dirs, '/var/lib/kafka/data', "kafka: KAFKA_LOG_DIRS is not the image's data directory");
    namedVolumeAt(c, 'kafka', dirs as string);
    assert.match(String(env.CLUSTER_ID ?? ''), /^[A-Za-z0-9_-]{22}$/, 'kafka: no fixed CLUSTER_ID (base64 UUID)');
    assert.equal(env.KAFKA_CONTROLLER_QUORUM_VOTERS, '1@kafka:9093', 'kafka: static voters');
    assert.ok(healthTest(kafka), 'kafka has no healthcheck');
  },

  'Redis is configured as BullMQ requires: noeviction, append-only, a data volume, a healthcheck': (f) => {
    const c = compose(f.compose);
    const redis = service(c, 'redis');
    const command = (redis.command ?? []).join(' ');
    assert.match(command, /--maxmemory-policy noeviction\b/, `redis command: ${command}`);
    assert.match(command, /--appendonly yes\b/, `redis command: ${command}`);
    assert.match(command, /--appendfsync everysec\b/, `redis command: ${command}`);
    namedVolumeAt(c, 'redis', '/data');
    assert.match(healthTest(redis), /redis-cli ping/, 'redis: no `redis-cli ping` healthcheck');
  },

  'every livegrade service runs, healthy on the port its /healthz answers on, not as root': (f) => {
    const c = compose(f.compose);
    const found = livegradeServices(c, 'up');
    const started = found.flatMap(([, s]) => servicesOf(s));
    assert.deepEqual([...started].sort(), [...LIVEGRADE_SERVICES].sort(), 'each livegrade service in one container');
    for (const [name, s] of found) {
      const port = healthzPort(servicesOf(s), parseEnv(containerEnv(s)));
      assert.ok(
        healthTest(s).includes(`:${port}/healthz`),
        `${name}: the healthcheck does not ask /healthz on port ${port}: ${healthTest(s)}`,
      );
      nonRoot(name, s.user);
    }
  },

  'every livegrade service waits for the migrate job and healthy infrastructure, and does not migrate': (f) => {
    const c = compose(f.compose);
    for (const [name, s] of livegradeServices(c, 'up')) {
      const deps = s.depends_on ?? {};
      assert.equal(deps.migrate?.condition, 'service_completed_successfully', `${name} does not wait for migrate`);
      for (const infra of INFRA) {
        assert.equal(deps[infra]?.condition, 'service_healthy', `${name} does not wait for ${infra} to be healthy`);
        assert.ok(healthTest(service(c, infra)), `${name} waits for ${infra} healthy, which has no healthcheck`);
      }
      assert.equal(parseEnv(containerEnv(s)).LIVEGRADE_MIGRATE, false, `${name} would migrate on start`);
    }
  },

  'a one-shot migrate job runs `livegrade migrate` once ClickHouse is healthy': (f) => {
    const c = compose(f.compose);
    const jobs = livegradeServices(c, 'migrate');
    assert.equal(jobs.length, 1, 'one service built here runs `migrate`');
    const [[name, job]] = jobs as [[string, Service]];
    assert.equal(name, 'migrate', 'the livegrade services depend on a service named migrate');
    assert.deepEqual(job.command, ['migrate']);
    assert.equal(job.restart, 'no', 'the migrate job must not restart after it exited');
    assert.equal(job.depends_on?.clickhouse?.condition, 'service_healthy');
    nonRoot(name, job.user);
  },

  "the ClickHouse server is not older than chdb's engine": (f) => {
    const image = service(compose(f.compose), 'clickhouse').image ?? '';
    const m = /^clickhouse\/clickhouse-server:(.+)$/.exec(image);
    assert.ok(m, `clickhouse image "${image}" is not clickhouse/clickhouse-server:<version>`);
    const [major, minor] = majorMinor(m[1]!, image);
    const [engineMajor, engineMinor] = majorMinor(engineVersion, 'chdb SELECT version()');
    assert.ok(
      major > engineMajor || (major === engineMajor && minor >= engineMinor),
      `${image} is older than chdb's engine ${engineVersion}`,
    );
  },

  "the image's final stage runs as a user that is not root": (f) => {
    const stages = f.dockerfile.split(/^FROM\s/m);
    const final = stages[stages.length - 1]!;
    const users = [...final.matchAll(/^USER\s+(\S+)/gm)].map((u) => u[1]!);
    assert.ok(users.length > 0, 'the final stage sets no USER: it runs as root');
    const user = users[users.length - 1]!.split(':')[0];
    assert.ok(user !== 'root' && user !== '0', `the final stage runs as ${user}`);
  },
};

/** replaces the one occurrence of `from`; fails when the file no longer holds it */
function swap(text: string, from: string | RegExp, to: string): string {
  const next = text.replace(from, to);
  assert.notEqual(next, text, `mutation: ${from} not found`);
  return next;
}

const HEALTHZ = (port: number) => `fetch('http://127.0.0.1:${port}/healthz')`;

/** a mutated copy of one file, the check it must fail, and the complaint expected from that check */
interface Mutation {
  check: string;
  what: string;
  file: keyof Files;
  edit: (t: string) => string;
  expect: RegExp;
}

const compose_ = (check: string, what: string, edit: (t: string) => string, expect: RegExp): Mutation => ({
  check,
  what,
  file: 'compose',
  edit,
  expect,
});

const LIVEGRADE = 'every livegrade service runs';
const WAITS = 'every livegrade service waits';

const mutations: Mutation[] = [
  compose_('YAML 1.1', 'restart: no unquoted', (t) => swap(t, 'restart: "no"', 'restart: no'), /deep-equal/),
  compose_(
    'YAML 1.1',
    'an unquoted off',
    (t) => swap(t, 'KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false"', 'KAFKA_AUTO_CREATE_TOPICS_ENABLE: off'),
    /deep-equal/,
  ),
  compose_("Kafka's image", 'Kafka 3', (t) => swap(t, /apache\/kafka:[\d.]+/, 'apache/kafka:3.9.1'), /not Kafka 4/),
  compose_("Kafka's image", 'an unpinned tag', (t) => swap(t, /apache\/kafka:[\d.]+/, 'apache/kafka:latest'), /pinned/),
  {
    check: "Kafka's image",
    what: 'infra on Kafka 5',
    file: 'pom',
    edit: (t) => swap(t, /<kafka.version>4/, '<kafka.version>5'),
    expect: /another major than infra's Kafka 5/,
  },
  compose_(
    'Kafka keeps',
    'no KAFKA_LOG_DIRS',
    (t) => swap(t, /^ *KAFKA_LOG_DIRS: .*\n/m, ''),
    /KAFKA_LOG_DIRS is not set/,
  ),
  compose_(
    'Kafka keeps',
    'the volume elsewhere',
    (t) => swap(t, '- kafka:/var/lib/kafka/data', '- kafka:/var/lib/kafka/other'),
    /mounts no volume at \/var\/lib\/kafka\/data/,
  ),
  compose_(
    'Kafka keeps',
    'a bind mount',
    (t) => swap(t, '- kafka:/var/lib/kafka/data', '- ./kafka:/var/lib/kafka/data'),
    /bind mount/,
  ),
  compose_(
    'Kafka keeps',
    'the volume undeclared',
    (t) => swap(t, /^ {2}kafka:\n(?= {2}\S)/m, ''),
    /volume "kafka" is not declared/,
  ),
  compose_('Kafka keeps', 'no CLUSTER_ID', (t) => swap(t, /^ *CLUSTER_ID: .*\n/m, ''), /no fixed CLUSTER_ID/),
  compose_(
    'Kafka keeps',
    'no healthcheck',
    (t) => swap(t, /(KAFKA_AUTO_CREATE_TOPICS_ENABLE[\s\S]*?)healthcheck:\n(.*\n){3}/, '$1'),
    /kafka has no healthcheck/,
  ),
  compose_('Redis', 'allkeys-lru', (t) => swap(t, '"noeviction"', '"allkeys-lru"'), /allkeys-lru/),
  compose_('Redis', 'appendonly no', (t) => swap(t, '"--appendonly", "yes"', '"--appendonly", "no"'), /appendonly no/),
  compose_('Redis', 'no data volume', (t) => swap(t, /^ *- redis:\/data\n/m, ''), /redis mounts no volume at \/data/),
  compose_(
    'Redis',
    'no healthcheck',
    (t) => swap(t, '"redis-cli ping | grep -q PONG"', '"true"'),
    /no `redis-cli ping` healthcheck/,
  ),
  compose_(LIVEGRADE, 'api probed on 9464', (t) => swap(t, HEALTHZ(8080), HEALTHZ(9464)), /^api: .* port 8080/),
  compose_(LIVEGRADE, 'gateway probed on 9464', (t) => swap(t, HEALTHZ(4318), HEALTHZ(9464)), /^gateway: .* port 4318/),
  compose_(LIVEGRADE, 'sampler probed on 8080', (t) => swap(t, HEALTHZ(9464), HEALTHZ(8080)), /^sampler: .* port 9464/),
  compose_(
    LIVEGRADE,
    '/metrics probed, not /healthz',
    (t) => swap(t, HEALTHZ(9464), "fetch('http://127.0.0.1:9464/metrics')"),
    /^sampler: the healthcheck does not ask \/healthz/,
  ),
  compose_(
    LIVEGRADE,
    'the api moved to 9000 in its env',
    (t) => swap(t, '    LIVEGRADE_HOST: 0.0.0.0\n', '    LIVEGRADE_HOST: 0.0.0.0\n    LIVEGRADE_API_PORT: 9000\n'),
    /^api: .* port 9000/,
  ),
  compose_(LIVEGRADE, 'root', (t) => swap(t, 'user: "1000:1000"', 'user: "0:0"'), /runs as root/),
  compose_(LIVEGRADE, 'no user', (t) => swap(t, /^ {2}user: "1000:1000"\n/m, ''), /user must be/),
  compose_(LIVEGRADE, 'the scorer removed', (t) => swap(t, /^ {2}scorer:\n(.*\n){2}\n/m, ''), /in one container/),
  compose_(
    WAITS,
    'migrate only started',
    (t) => swap(t, 'migrate: { condition: service_completed_successfully }', 'migrate: { condition: service_started }'),
    /does not wait for migrate/,
  ),
  compose_(
    WAITS,
    'redis only started',
    (t) => swap(t, 'redis: { condition: service_healthy }', 'redis: { condition: service_started }'),
    /does not wait for redis to be healthy/,
  ),
  compose_(
    WAITS,
    'services that migrate',
    (t) => swap(t, 'LIVEGRADE_MIGRATE: "false"', 'LIVEGRADE_MIGRATE: "true"'),
    /would migrate on start/,
  ),
  compose_(
    'a one-shot',
    'a job that restarts',
    (t) => swap(t, 'restart: "no"', 'restart: on-failure'),
    /must not restart/,
  ),
  compose_(
    'a one-shot',
    'a job that runs up',
    (t) => swap(t, 'command: ["migrate"]', 'command: ["up"]'),
    /runs `migrate`/,
  ),
  compose_(
    'the ClickHouse',
    'ClickHouse 25.8',
    (t) => swap(t, /clickhouse-server:[\d.]+/, 'clickhouse-server:25.8'),
    /older than chdb's engine/,
  ),
  compose_(
    'the ClickHouse',
    'ClickHouse latest',
    (t) => swap(t, /clickhouse-server:[\d.]+/, 'clickhouse-server:latest'),
    /not a major.minor/,
  ),
  {
    check: "the image's final stage",
    what: 'USER root',
    file: 'dockerfile',
    edit: (t) => swap(t, /^USER .*/m, 'USER root'),
    expect: /runs as root/,
  },
  {
    check: "the image's final stage",
    what: 'no USER',
    file: 'dockerfile',
    edit: (t) => swap(t, /^USER .*\n/m, ''),
    expect: /sets no USER/,
  },
  {
    check: "the image's final stage",
    what: 'USER in the build stage only',
    file: 'dockerfile',
    edit: (t) => swap(swap(t, /^USER .*\n/m, ''), /^WORKDIR \/app\n/m, 'WORKDIR /app\nUSER node\n'),
    expect: /sets no USER/,
  },
];

function checkNamed(prefix: string): [string, (f: Files) => void] {
  const found = Object.entries(checks).filter(([name]) => name.includes(prefix));
  assert.equal(found.length, 1, `one check named like "${prefix}"`);
  return found[0]!;
}

describe('docker-compose.yml and the Dockerfile', () => {
  before(() => {
    engineVersion = query('SELECT version()', 'TSVRaw').trim();
  });

  for (const [name, check] of Object.entries(checks)) it(name, () => check(files));

  it('each check fails on a copy that breaks what it checks', () => {
    for (const name of Object.keys(checks)) {
      assert.ok(
        mutations.some((m) => name.includes(m.check)),
        `no mutation exercises "${name}"`,
      );
    }
    for (const m of mutations) {
      const [name, check] = checkNamed(m.check);
      const mutated = { ...files, [m.file]: m.edit(files[m.file]) };
      assert.throws(
        () => check(mutated),
        (err: Error) => err instanceof assert.AssertionError && m.expect.test(err.message),
        `"${name}" did not fail as expected on a copy with ${m.what}`,
      );
    }
  });
});
