import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@platformatic/kafka';
import { toBatches } from './batches.ts';

type Raw = Message<Buffer, Buffer, Buffer, Buffer>;

function message(
  topic: string,
  partition: number,
  offset: number,
  opts: { key?: string; headers?: [string, string][] } = {},
): Raw {
  return {
    topic,
    partition,
    offset: BigInt(offset),
    key: opts.key === undefined ? (undefined as unknown as Buffer) : Buffer.from(opts.key),
    value: Buffer.from(`${topic}/${partition}@${offset}`),
    headers: new Map((opts.headers ?? []).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
    headerEntries: [],
    timestamp: 1_700_000_000_000n + BigInt(offset),
    leaderEpoch: 0,
    metadata: {},
    commit: () => {},
    toJSON: () => ({}) as ReturnType<Raw['toJSON']>,
  };
}

describe('toBatches', () => {
  it('groups messages by partition, keeping offset order, and converts them', () => {
    const batches = toBatches(
      [
        message('s', 0, 5, {
          key: 'trace-a',
          headers: [
            ['h', 'v1'],
            ['h', 'v2'],
          ],
        }),
        message('s', 1, 7),
        message('s', 0, 6, { key: 'trace-b' }),
        message('v', 0, 1, { key: '' }),
      ],
      new Map(),
    );
    assert.deepEqual(
      batches.map((b) => [b.topic, b.partition, b.messages.map((m) => m.offset)]),
      [
        ['s', 0, ['5', '6']],
        ['s', 1, ['7']],
        ['v', 0, ['1']],
      ],
    );
    const [first] = batches[0]?.messages ?? [];
    assert.equal(first?.key, 'trace-a');
    assert.equal(first?.value.toString(), 's/0@5');
    assert.deepEqual(first?.headers, { h: 'v1' }, 'the first value of a repeated header');
    assert.equal(first?.timestamp, 1_700_000_000_005);
    assert.equal(batches[1]?.messages[0]?.key, null, 'no key');
    assert.equal(batches[2]?.messages[0]?.key, null, 'an empty key');
  });

  it('takes the listed end offset as high watermark, or just past the batch when the listing is older', () => {
    const ends = new Map([
      ['s\u00000', 100n],
      ['s\u00001', 3n],
    ]);
    const [p0, p1, p2] = toBatches([message('s', 0, 5), message('s', 1, 7), message('s', 2, 0)], ends);
    assert.equal(p0?.highWatermark, '100');
    assert.equal(p1?.highWatermark, '8');
    assert.equal(p2?.highWatermark, '1');
  });
});
