import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG } from '@livegrade/core';
import { CONFIG_FILE, loadConfig } from './config-file.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory holding `files` (name → content). */
function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'livegrade-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function loadError(opts: Parameters<typeof loadConfig>[0]): Promise<string> {
  try {
    await loadConfig(opts);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e.message;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('uses the defaults when there is no file and LIVEGRADE_CONFIG is unset or blank', async () => {
    const cwd = tempDir();
    assert.deepEqual(await loadConfig({ cwd, env: {} }), { config: DEFAULT_CONFIG, path: null });
    assert.deepEqual(await loadConfig({ cwd, env: { LIVEGRADE_CONFIG: '  ' } }), {
      config: DEFAULT_CONFIG,
      path: null,
    });
  });

  it('reads livegrade.config.yaml from cwd, durations in ms', async () => {
    const cwd = tempDir({
      [CONFIG_FILE]: [
        '# policy for prod',
        'sampling:',
        '  slice_by: [language, segment]',
        '  min_probability: 0.01',
        '  decision_wait: 2s',
        '  keep_always:',
        '    score_below: null',
        '    decision_types:',
        '      - refund',
        '',
      ].join('\n'),
    });
    const { config, path } = await loadConfig({ cwd, env: {} });
    assert.equal(path, join(cwd, CONFIG_FILE));
    assert.deepEqual(config.sampling.slice_by, ['language', 'segment']);
    assert.equal(config.sampling.min_probability, 0.01);
    assert.equal(config.sampling.decision_wait, 2_000);
    assert.equal(config.sampling.keep_always.score_below, null);
    assert.deepEqual(config.sampling.keep_always.decision_types, ['refund']);
    assert.equal(config.sampling.per_slice_target_per_hour, 100, 'unset keys keep their defaults');
    assert.equal(config.sampling.recent_horizon, 72 * 3_600_000);
  });

  it('treats an empty file or one of only comments as the defaults', async () => {
    for (const text of ['', '# nothing set yet\n', 'sampling:\n  # decision_wait: 5s\n']) {
      const cwd = tempDir({ [CONFIG_FILE]: text });
      assert.deepEqual(await loadConfig({ cwd, env: {} }), { config: DEFAULT_CONFIG, path: join(cwd, CONFIG_FILE) });
    }
  });

  it('prefers the file LIVEGRADE_CONFIG names, relative to cwd, over the one in cwd', async () => {
    const cwd = tempDir({ [CONFIG_FILE]: 'sampling:\n  per_slice_target_per_hour: 1\n' });
    mkdirSync(join(cwd, 'deploy'));
    writeFileSync(join(cwd, 'deploy', 'prod.yaml'), 'sampling:\n  per_slice_target_per_hour: 7\n');

    const relative = await loadConfig({ cwd, env: { LIVEGRADE_CONFIG: 'deploy/prod.yaml' } });
    assert.equal(relative.path, join(cwd, 'deploy', 'prod.yaml'));
    assert.equal(relative.config.sampling.per_slice_target_per_hour, 7);

    const other = tempDir({ 'x.yaml': 'sampling:\n  per_slice_target_per_hour: 9\n' });
    const absolute = await loadConfig({ cwd, env: { LIVEGRADE_CONFIG: join(other, 'x.yaml') } });
    assert.equal(absolute.path, join(other, 'x.yaml'));
    assert.equal(absolute.config.sampling.per_slice_target_per_hour, 9);
  });

  it('fails, naming the path, when LIVEGRADE_CONFIG names a missing file, even if cwd has one', async () => {
    const cwd = tempDir({ [CONFIG_FILE]: 'sampling: {}\n' });
    const message = await loadError({ cwd, env: { LIVEGRADE_CONFIG: 'conf/missing.yaml' } });
    assert.match(message, /LIVEGRADE_CONFIG/);
    assert.ok(message.includes(join(cwd, 'conf', 'missing.yaml')), message);
    assert.ok(message.includes('"conf/missing.yaml"'), message);
  });

  it('reports a YAML syntax error with the file, line and column', async () => {
    const cwd = tempDir({
      [CONFIG_FILE]: 'sampling:\n  min_probability: 0.5\n  slice_by: [language, segment\n  decision_wait: 5s\n',
    });
    const file = join(cwd, CONFIG_FILE);
    const message = await loadError({ cwd, env: {} });
    assert.ok(message.startsWith(`invalid YAML in ${file}:\n`), message);
    assert.ok(message.includes(`  ${file}:4:3: `), message);
    assert.match(message, /must be sufficiently indented and end with a \]/);
  });

  it('reports a key written twice at its line', async () => {
    const cwd = tempDir({ [CONFIG_FILE]: 'sampling:\n  decision_wait: 5s\n  decision_wait: 10s\n' });
    const message = await loadError({ cwd, env: {} });
    assert.ok(message.includes(`${join(cwd, CONFIG_FILE)}:3:3: Map keys must be unique`), message);
  });

  it('reports an invalid value with the key and the file', async () => {
    const cwd = tempDir({ [CONFIG_FILE]: 'sampling:\n  min_probability: 2\n  decision_wait: 5\n' });
    const file = join(cwd, CONFIG_FILE);
    const message = await loadError({ cwd, env: {} });
    assert.ok(
      message.includes(`  ${file}: sampling.min_probability: must be greater than 0 and at most 1 (got 2)`),
      message,
    );
    assert.ok(
      message.includes(`  ${file}: sampling.decision_wait: use a duration with a unit, e.g. 5s (got 5)`),
      message,
    );
  });

  it('refuses a livegrade.config.yml rather than silently ignoring it', async () => {
    const cwd = tempDir({ 'livegrade.config.yml': 'sampling:\n  min_probability: 0.5\n' });
    const message = await loadError({ cwd, env: {} });
    assert.ok(message.includes(join(cwd, 'livegrade.config.yml')), message);
    assert.match(message, /reads livegrade\.config\.yaml/);
  });
});
