import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failuresSql } from './failures-sql.ts';
import {
  escapeMrkdwn,
  MAX_ALERTS_PER_MESSAGE,
  renderSlack,
  renderSlackResolvedUpdate,
  type SlackBlock,
  type SlackMessage,
  sliceTitle,
} from './render-slack.ts';
import { renderWebhook } from './render-webhook.ts';
import { alert, notification, observation, T0, WINDOW } from './test-fixtures.ts';

const A = 'decision_type=refund,language=hi';
const B = 'decision_type=cancel';

function texts(m: SlackMessage, type: SlackBlock['type']): string[] {
  return m.blocks.flatMap((b) => {
    if (b.type !== type) return [];
    if (b.type === 'header' || b.type === 'section') return [b.text.text];
    if (b.type === 'context') return b.elements.map((e) => e.text);
    return [''];
  });
}

/** The section about one slice: its first line names the slice in bold. */
function sectionOf(m: SlackMessage, slice: string): string {
  const found = texts(m, 'section').filter((t) => t.split('\n')[0]!.includes(sliceTitle(slice)));
  assert.equal(found.length, 1, `one section for ${slice}`);
  return found[0]!;
}

const twoSlices = notification([
  alert(A),
  alert(B, {
    last: observation(B, {
      value: 0.2567,
      baseline_value: 0.1,
      n: 987,
      baseline_n: 5432,
      p_value: 0.049,
      q_value: 0.1234,
      effect: 0.1567,
    }),
  }),
]);

describe('renderSlack', () => {
  it('says what degraded, where, by how much, on how many samples, with the SQL of each slice', () => {
    const m = renderSlack(twoSlices);
    assert.deepEqual(texts(m, 'header'), ['🔴 FIRING: override-rate']);
    assert.match(texts(m, 'section')[0]!, /^override_rate degraded against baseline november, on \*2 slices\*/);

    const a = sectionOf(m, A);
    for (const part of [
      '*12.3%* vs 4.5% on baseline november',
      'n 1,234 vs baseline n 10,000',
      'p &lt;0.0001',
      'q 0.0031',
      'effect +7.8 pp',
      'window 2026-11-20T12:00:00Z – 2026-11-20T12:15:00Z',
      `\`\`\`${escapeMrkdwn(failuresSql(A, T0, T0 + WINDOW))}\`\`\``,
    ])
      assert.ok(a.includes(part), `slice A shows ${part}:\n${a}`);

    const b = sectionOf(m, B);
    for (const part of [
      '*25.7%* vs 10.0%',
      'n 987 vs baseline n 5,432',
      'p 0.049',
      'q 0.12',
      'effect +15.7 pp',
      `\`\`\`${escapeMrkdwn(failuresSql(B, T0, T0 + WINDOW))}\`\`\``,
    ])
      assert.ok(b.includes(part), `slice B shows ${part}:\n${b}`);
    // Slack would read a bare < of the SQL (here in a slice value) as the start of a link
    const angled = sectionOf(renderSlack(notification([alert('language=<en>')])), 'language=<en>');
    assert.ok(!angled.includes("'<en>'") && angled.includes("d.slices['language'] = '&lt;en&gt;'"), angled);

    assert.match(m.text, /FIRING override-rate/);
    assert.ok(m.text.includes(A) && m.text.includes(B));
  });

  it(`shows at most ${MAX_ALERTS_PER_MESSAGE} slices and counts the rest, within Slack's limits`, () => {
    const alerts = Array.from({ length: 27 }, (_, i) => alert(`decision_type=t${String(i).padStart(2, '0')}`));
    const m = renderSlack(notification(alerts));
    const sliceSections = texts(m, 'section').filter((t) => t.startsWith('`decision_type='));
    assert.equal(sliceSections.length, MAX_ALERTS_PER_MESSAGE);
    assert.ok(sliceSections[19]!.startsWith('`decision_type=t19`'));
    const more = texts(m, 'context').find((t) => t.startsWith('…and'));
    assert.ok(more?.startsWith('…and 7 more slices: decision_type=t20; '), more);
    assert.ok(m.blocks.length <= 50);
    for (const t of [...texts(m, 'section'), ...texts(m, 'context')]) assert.ok(t.length <= 3000);
    assert.ok(texts(m, 'header')[0]!.length <= 150);
  });

  it('formats each metric on its own scale and states a threshold condition', () => {
    const kappa = renderSlack(
      notification([alert('*', { last: observation('*', { value: 0.71234, baseline_value: null, baseline: '' }) })], {
        metric: 'model_kappa',
        severity: 'warning',
        condition: { kind: 'threshold', op: '<', fire: 0.75, clear: 0.8 },
      }),
    );
    assert.deepEqual(texts(kappa, 'header'), ['🟠 FIRING: override-rate']);
    assert.match(texts(kappa, 'section')[0]!, /^model_kappa &lt; 0\.75 \(clears at &gt;= 0\.8\)/);
    const s = sectionOf(kappa, '*');
    assert.ok(s.includes('model_kappa *0.712*\n'), s);
    assert.ok(!s.includes('baseline'), 'no baseline figures when none was compared');

    const latency = renderSlack(
      notification([alert(A, { last: observation(A, { value: 1234.5, baseline_value: 250.04, effect: 984.46 }) })], {
        metric: 'latency_p95',
      }),
    );
    assert.ok(sectionOf(latency, A).includes('*1,235 ms* vs 250 ms on baseline november'));
    assert.ok(sectionOf(latency, A).includes('effect +984 ms'));
  });

  it('marks a repeat and a resolve, and leaves the SQL out once resolved', () => {
    const repeat = renderSlack({ ...twoSlices, kind: 'repeat' });
    assert.deepEqual(texts(repeat, 'header'), ['🔴 still firing: override-rate']);
    assert.ok(sectionOf(repeat, A).includes('firing since 2026-11-20T12:15:00Z'));

    const resolved = renderSlack(
      notification([alert(A, { state: 'resolved', resolved_at: T0 + 4 * WINDOW })], { kind: 'resolved' }),
    );
    assert.deepEqual(texts(resolved, 'header'), ['✅ RESOLVED: override-rate']);
    assert.ok(sectionOf(resolved, A).includes('resolved at 2026-11-20T13:00:00Z'));
    assert.ok(!sectionOf(resolved, A).includes('```'));
  });

  it('escapes Slack markup in slice values', () => {
    const m = renderSlack(notification([alert('intent=<!channel> & *more*`')]));
    const s = texts(m, 'section').find((t) => t.includes('intent='))!;
    assert.ok(s.startsWith('`intent=&lt;!channel&gt; &amp; *more*ˋ`'), s);
    assert.ok(!s.includes('<!channel>'));
  });
});

describe('the dashboard button', () => {
  const buttons = (m: SlackMessage) =>
    m.blocks.flatMap((b) => (b.type === 'section' && b.accessory ? [b.accessory.url] : []));

  it("links each slice's section to the dashboard's view of that slice and window", () => {
    const odd = 'language=a&b,tier=x y';
    const m = renderSlack(notification([alert(A), alert(odd)]), { publicUrl: 'https://lg.example.com/' });
    assert.deepEqual(buttons(m), [
      `https://lg.example.com/?slice=${encodeURIComponent(A)}&window=15m`,
      'https://lg.example.com/?slice=language%3Da%26b%2Ctier%3Dx%20y&window=15m',
    ]);
    const resolved = renderSlackResolvedUpdate(twoSlices, [{ slice: A, resolved_at: T0 }], {
      publicUrl: 'https://lg.example.com',
    });
    assert.equal(buttons(resolved).length, 2);
  });

  it('is left out without a public URL', () => {
    assert.deepEqual(buttons(renderSlack(twoSlices)), []);
    assert.deepEqual(buttons(renderSlack(twoSlices, {})), []);
  });
});

describe('renderSlackResolvedUpdate', () => {
  it('marks the resolved slices of the firing message and leaves the others as they were', () => {
    const firing = renderSlack(twoSlices);
    const m = renderSlackResolvedUpdate(twoSlices, [{ slice: A, resolved_at: T0 + 4 * WINDOW }]);
    assert.deepEqual(texts(m, 'header'), ['🔴 FIRING: override-rate (1 of 2 resolved)']);
    const a = texts(m, 'section').find((t) => t.includes(A))!;
    assert.ok(a.startsWith(`✅ ~\`${A}\`~ resolved at 2026-11-20T13:00:00Z\n~override_rate *12.3%*`), a);
    assert.equal(
      texts(m, 'section').find((t) => t.startsWith(`\`${B}\``)),
      sectionOf(firing, B),
    );
    assert.match(m.text, /\(1 of 2 resolved\)$/);

    const all = renderSlackResolvedUpdate(twoSlices, [
      { slice: A, resolved_at: T0 + 4 * WINDOW },
      { slice: B, resolved_at: null },
    ]);
    assert.deepEqual(texts(all, 'header'), ['✅ RESOLVED: override-rate']);
    assert.ok(texts(all, 'section').some((t) => t.startsWith(`✅ ~\`${B}\`~ resolved\n`)));
  });
});

describe('renderWebhook', () => {
  it('wraps the notification as is, versioned, with a one-line summary', () => {
    const body = JSON.parse(JSON.stringify(renderWebhook(twoSlices)));
    assert.deepEqual(Object.keys(body), ['version', 'notification', 'summary']);
    assert.equal(body.version, 1);
    assert.deepEqual(body.notification, twoSlices);
    assert.equal(
      body.summary,
      `🔴 FIRING override-rate (critical): override_rate degraded against baseline november, on 2 slices: ${A}; ${B}`,
    );
  });
});
