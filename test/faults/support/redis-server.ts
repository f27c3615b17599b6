import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway `redis-server` of the fault suite's own, on a free port of
 * 127.0.0.1 and a temp dir: never the machine's Redis on 6379. The scenario
 * restarts it as a fault.
 *
 * - persistence 'aof' is what production runs (docker-compose.yml): an
 *   append-only file fsynced every second, `noeviction`. A restart reloads
 *   the file: the queues, delayed retries and schedules survive it.
 * - persistence 'none': no AOF, no snapshot. A restart comes back empty.
 *
 * `stop('SIGTERM')` is what `docker restart` does (Redis flushes its AOF and
 * exits); `stop('SIGKILL')` is a crash (with `everysec`, up to a second of
 * writes lost).
 */
export interface RedisServer {
  url: string;
  port: number;
  persistence: 'aof' | 'none';
  running(): boolean;
  start(): Promise<void>;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** stops it and removes its dir */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export async function startRedisServer(opts: { persistence: 'aof' | 'none' }): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'livegrade-faults-redis-'));
  const port = await freePort();
  if (port === 6379) throw new Error('refusing to run a throwaway Redis on 6379');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    ...(opts.persistence === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
  ];

  async function ping(): Promise<boolean> {
    const { connect } = await import('node:net');
    return new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      let out = '';
      s.setTimeout(500, () => {
        s.destroy();
        resolve(false);
      });
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        out += d;
        if (out.includes('\r\n')) {
          s.destroy();
          resolve(out.startsWith('+PONG'));
        }
      });
      s.on('error', () => resolve(false));
    });
  }

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    persistence: opts.persistence,
    running: () => child !== undefined,
    async start() {
      if (child) return;
      const c = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr?.on('data', (d) => {
        err += d;
      });
      child = c;
      exited = new Promise<void>((r) => c.once('exit', () => r()));
      const deadline = Date.now() + 15_000;
      while (!(await ping())) {
        if (c.exitCode !== null) throw new Error(`redis-server on ${port} exited: ${err.trim()}`);
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer within 15 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!child) return;
      child.kill(signal);
      await exited;
      child = undefined;
    },
    async close() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
