// Issue 16, the gateway: seeded bad requests (test/support/fuzz.ts) for a
// bounded time. Every one is answered, never with a 5xx; a refusal is a 4xx
// whose message names what was wrong; memory stays bounded; and a good batch
// still lands afterwards. LIVEGRADE_FUZZ_SECONDS sets the budget,
// LIVEGRADE_FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, inflateSync } from 'node:zlib';
import { decodeTraces, encodeTraces } from '@livegrade/otlp';
import {
  assertMemoryBounded,
  type BadRequest,
  badRequests,
  fuzzSeconds,
  fuzzSeed,
  settledMemory,
  showMemory,
  Tally,
} from '../support/fuzz.ts';
import { startTestInstance } from '../support/instance.ts';
import { countVisible } from '../support/store.ts';
import { generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const MAX_BODY = 4 * 1024 * 1024; // room for JSON nested 100k levels deep under the limit
/** a request unanswered this long is a hang, whatever it was */
const ANSWER_WITHIN_MS = 30_000;

interface Answer {
  status: number;
  text: string;
}

async function send(base: string, r: BadRequest): Promise<Answer> {
  const res = await fetch(`${base}${r.path}`, {
    method: 'POST',
    body: new Uint8Array(r.body),
    headers: r.headers,
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  return { status: res.status, text: await res.text() };
}

/** What the gateway's decoder sees: the body after its content-encoding. */
function decoded(r: BadRequest): Buffer {
  const encoding = r.headers['content-encoding'];
  if (encoding === 'gzip') return gunzipSync(r.body);
  if (encoding === 'deflate') return inflateSync(r.body);
  return r.body;
}

/** Why an answer is wrong for its request, or undefined when it is right. */
function problemWith(r: BadRequest, a: Answer): string | undefined {
  if (a.status >= 200 && a.status < 300) {
    if (r.expect === 'refused') return `accepted (${a.status}) what must be refused`;
    // accepted bytes go to the sampler, which decodes them the same way: it must not dead-letter what the client was told is in
    try {
      decodeTraces(decoded(r), r.headers['content-type'] === 'application/json' ? 'json' : 'protobuf');
    } catch (err) {
      return `accepted (${a.status}) what the sampler cannot decode: ${(err as Error).message}`;
    }
    return undefined;
  }
  if (a.status < 400 || a.status >= 500) return `answered ${a.status}: ${a.text.slice(0, 300)}`;
  let error: unknown;
  try {
    error = (JSON.parse(a.text) as { error?: unknown }).error;
  } catch {
    return `a ${a.status} whose body is not {"error": ...}: ${a.text.slice(0, 200)}`;
  }
  if (typeof error !== 'string' || error.trim() === '') return `a ${a.status} without a message`;
  if (!r.names.test(error)) return `a ${a.status} whose message does not match ${r.names}: ${error.slice(0, 300)}`;
  return undefined;
}

describe('fuzzing the OTLP gateway with bad requests', () => {
  let instance: Awaited<ReturnType<typeof startTestInstance>>;
  let base: string;
  before(async () => {
    instance = await startTestInstance('embedded', {
      env: { LIVEGRADE_MAX_BODY_BYTES: String(MAX_BODY) },
      services: ['gateway', 'sampler'],
    });
    base = instance.urls.gateway!;
  });
  after(async () => instance?.stop());

  it('answers every bad request with a 4xx naming the problem, stays within memory, and keeps serving', async (t) => {
    const seconds = fuzzSeconds(25);
    const seed = fuzzSeed();
    const kinds = new Tally();
    const statuses = new Tally();
    const failures: string[] = [];
    const requests = badRequests(seed, MAX_BODY);
    let sent = 0;
    let warm: NodeJS.MemoryUsage | undefined;
    const started = Date.now();
    const deadline = started + seconds * 1000;
    const warmUntil = started + Math.min(5000, seconds * 100); // the first tenth (at most 5 s) fills caches and pools

    // two requests in flight: a client and the server share this process and the machine
    const worker = async () => {
      while (Date.now() < deadline && failures.length < 20) {
        const r = requests.next().value as BadRequest;
        const index = sent++;
        kinds.add(r.kind);
        let answer: Answer;
        try {
          answer = await send(base, r);
        } catch (err) {
          statuses.add('no-answer');
          failures.push(`#${index} ${r.kind}: no answer: ${(err as Error).cause ?? (err as Error).message}`);
          continue;
        }
        statuses.add(`${r.kind.split(':')[0]}:${answer.status}`);
        const problem = problemWith(r, answer);
        if (problem) failures.push(`#${index} ${r.kind}: ${problem}`);
        if (!warm && Date.now() >= warmUntil) warm = settledMemory();
      }
    };
    await Promise.all([worker(), worker()]);
    const elapsed = (Date.now() - started) / 1000;
    const end = settledMemory();

    t.diagnostic(`seed ${seed}: ${sent} bad requests in ${elapsed.toFixed(1)} s (${(sent / elapsed).toFixed(0)}/s)`);
    t.diagnostic(`kinds: ${kinds}`);
    t.diagnostic(`answers (kind:status): ${statuses}`);
    if (warm) t.diagnostic(`memory after warm-up: ${showMemory(warm)}; at the end: ${showMemory(end)}`);
    assert.deepEqual(failures, [], `seed ${seed}: wrong answers (LIVEGRADE_FUZZ_SEED=${seed} replays them)`);
    assert.ok(sent >= 50, `only ${sent} requests were sent: the run says little`);
    assert.ok(warm, 'the run ended before its warm-up did');
    assertMemoryBounded(warm, end);

    // and it still serves: a good batch is accepted and its decision stored
    const [good] = generateTraces({ traces: 1, seed: seed + 1 });
    const ok = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      body: new Uint8Array(encodeTraces(good!.spans)),
      headers: { 'content-type': 'application/x-protobuf' },
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    assert.equal(ok.status, 200);
    await waitFor('the good decision in the store', async () =>
      (await countVisible(
        instance.store!,
        `SELECT count() FROM decisions WHERE decision_id = '${good!.decisionId}'`,
      )) === 1
        ? true
        : undefined,
    );
  });
});
