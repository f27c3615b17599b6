// Issue 16, the config loader: seeded bad livegrade.config.yaml documents
// (test/support/fuzz.ts). Each is refused with a ConfigError naming the file,
// and the key when the YAML parsed; nothing else escapes (no TypeError,
// RangeError or stack overflow); an alias bomb is refused by the YAML
// parser's alias limit, before it expands. LIVEGRADE_FUZZ_SECONDS sets the
// budget, LIVEGRADE_FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@livegrade/core';
import { type BadConfig, badConfigs, fuzzSeconds, fuzzSeed, Tally } from '../../../test/support/fuzz.ts';
import { parseConfigYaml } from './config-file.ts';

const SOURCE = '/etc/livegrade/fuzz.yaml';

/** Why the loader's answer to `c` is wrong, or undefined when it is right. */
function problemWith(c: BadConfig): string | undefined {
  try {
    parseConfigYaml(c.yaml, SOURCE);
  } catch (err) {
    if (!(err instanceof ConfigError)) return `threw ${(err as Error).name}: ${(err as Error).message.slice(0, 200)}`;
    if (!err.message.includes(SOURCE)) return `message does not name the file: ${err.message.slice(0, 200)}`;
    if (c.names && !c.names.test(err.message)) return `message does not match ${c.names}: ${err.message.slice(0, 300)}`;
    return undefined;
  }
  return c.expect === 'refused' ? 'accepted' : undefined;
}

describe('fuzzing the config loader with bad documents', () => {
  it('refuses every one with a ConfigError naming the file and key, and nothing else', (t) => {
    const seconds = fuzzSeconds(8);
    const seed = fuzzSeed();
    const kinds = new Tally();
    const failures: string[] = [];
    const deadline = Date.now() + seconds * 1000;
    let n = 0;
    for (const c of badConfigs(seed)) {
      if (Date.now() >= deadline || failures.length >= 20) break;
      kinds.add(c.kind);
      const problem = problemWith(c);
      if (problem) failures.push(`#${n} ${c.kind} ${JSON.stringify(c.yaml.slice(0, 120))}: ${problem}`);
      n++;
    }
    t.diagnostic(`seed ${seed}: ${n} documents in ${seconds} s (${(n / seconds).toFixed(0)}/s); ${kinds}`);
    assert.deepEqual(failures, [], `seed ${seed} (LIVEGRADE_FUZZ_SEED=${seed} replays it)`);
    assert.ok(n >= 50, `only ${n} documents were tried`);
  });

  it('refuses a billion-laughs file by its alias count, before expanding it', () => {
    const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    lines.push('sampling:\n  slice_by: *a9');
    // expanded, this is 10^10 strings: only a refusal before expansion returns at all
    assert.throws(
      () => parseConfigYaml(lines.join('\n'), SOURCE),
      (err: Error) =>
        err instanceof ConfigError &&
        err.message.startsWith(`invalid YAML in ${SOURCE}:`) &&
        /alias/i.test(err.message),
    );
  });
});
