import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { caseId, RequestError } from '@livegrade/core';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../../../../test/support/env.ts';
import { bankOccurrence } from '../../../../test/support/store.ts';
import { retireCase } from './bank.ts';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const data = tempDataDir();
let store: Store;

before(async () => {
  store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
});
after(async () => {
  await store?.close();
  data.cleanup();
});

describe('retiring a bank case', () => {
  it('retires a case: gone from active, kept with includeRetired; errors name what is wrong', async () => {
    const input = 'retire: policy changed';
    const id = caseId('refund', input);
    await store.insertOccurrences([bankOccurrence(T0, { input, decision_id: 'ret-1' })]);
    const kindOf = (kind: string, message?: RegExp) => (e: unknown) =>
      e instanceof RequestError && e.kind === kind && (!message || message.test(e.message));
    await assert.rejects(retireCase(store, { id, reason: '  ', by: 'ana' }), kindOf('invalid', /a reason is required/));
    await assert.rejects(
      retireCase(store, { id: 'c0000000000000000', reason: 'x', by: 'ana' }),
      kindOf('not_found', /no case "c0000000000000000"/),
    );
    const retired = await retireCase(store, { id, reason: 'refund policy changed in v7', by: 'ana' }, T0 + 1000);
    assert.equal(retired.status, 'retired');
    assert.equal(
      (await store.bankCases()).find((c) => c.id === id),
      undefined,
    );
    const all = (await store.bankCases({ includeRetired: true })).find((c) => c.id === id);
    assert.deepEqual(
      [all?.status, all?.retired_reason, all?.retired_by, all?.retired_at],
      ['retired', 'refund policy changed in v7', 'ana', T0 + 1000],
    );
    await assert.rejects(retireCase(store, { id, reason: 'again', by: 'bo' }), kindOf('conflict', /already retired/));
  });
});
