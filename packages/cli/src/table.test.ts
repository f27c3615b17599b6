import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRows, renderTable } from './table.ts';

describe('CLI tables', () => {
  it("write the CLI's own tables in the shared number format: counts grouped, n/a for missing", () => {
    const out = renderRows(
      [
        { slice: 'decision_type=refund', decisions: 12_345, override_rate: 0.0523 },
        { slice: 'decision_type=reship', decisions: 7, override_rate: null },
      ],
      ['decisions', 'override_rate'],
    );
    assert.equal(
      out,
      [
        'slice                 decisions  override_rate',
        '--------------------  ---------  -------------',
        'decision_type=refund     12,345         0.0523',
        'decision_type=reship          7            n/a',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  it('write a SQL answer as the query returned it: NULL, and no separators in a year or an id', () => {
    const out = renderTable({
      meta: [
        { name: 'year', type: 'UInt16' },
        { name: 'n', type: 'Nullable(UInt64)' },
      ],
      data: [
        { year: 2026, n: '12345' },
        { year: 2025, n: null },
      ],
      rows: 2,
    });
    assert.equal(out, ['year      n', '----  -----', '2026  12345', '2025   NULL', '(2 rows)', ''].join('\n'));
  });
});
