// The walking skeleton end to end, in both modes with the same scenario:
//   kafka:    SDK → real Kafka → sampler → ClickHouse engine
//   embedded: SDK → gateway → in-process bus → sampler → ClickHouse engine
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { init } from '@livegrade/sdk';
import { trace } from '@opentelemetry/api';
import { requireKafka } from '../support/infra.ts';
import { type Mode, startTestInstance } from '../support/instance.ts';
import { countVisible } from '../support/store.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();
const N = 300;
const TYPES = ['refund', 'change_address', 'cancel_order'];
const LANGS = ['en', 'hi', 'de'];

for (const mode of ['kafka', 'embedded'] as Mode[]) {
  const skip = mode === 'kafka' && !kafka.ok ? (kafka as { skip: string }).skip : false;

  describe(`pipeline end to end (${mode})`, { skip }, () => {
    let instance: Awaited<ReturnType<typeof startTestInstance>>;
    const ids: string[] = [];
    let expectedVerdicts = 0;
    let expectedErrors = 0;

    before(async () => {
      instance = await startTestInstance(mode, { brokers: kafka.ok ? kafka.url : '', label: 'pipeline' });
      const lg = init({
        serviceName: 'support-bot',
        ...(mode === 'kafka'
          ? {
              kafkaBrokers: instance.env.LIVEGRADE_KAFKA_BROKERS,
              topicPrefix: instance.env.LIVEGRADE_KAFKA_TOPIC_PREFIX,
            }
          : { endpoint: instance.urls.gateway }),
        registerGlobal: true,
      });
      const appTracer = trace.getTracer('support-bot');
      for (let i = 0; i < N; i++) {
        const type = TYPES[i % TYPES.length] as string;
        const failing = i % 17 === 0;
        if (failing) expectedErrors++;
        await lg
          .decide(
            { type, slices: { language: LANGS[i % LANGS.length] as string }, input: { message: `q${i}` } },
            async (d) => {
              ids.push(d.id);
              // the app's own span inside the decision: it must arrive as the decision's child
              await appTracer.startActiveSpan('chat support-llm', async (s) => {
                s.setAttribute('gen_ai.request.model', 'support-llm');
                s.end();
              });
              d.label(i % 2 ? 'approve' : 'deny')
                .score((i % 10) / 10)
                .modelVersion('m-2026-11');
              if (failing) throw new Error('model timeout');
            },
          )
          .catch(() => {});
        if (i % 5 === 0) {
          lg.feedback(ids[i] as string, 'thumbs_down');
          expectedVerdicts++;
        }
        if (i % 7 === 0) {
          lg.review(ids[i] as string, { reviewerId: 'r-1', seniority: 'senior', label: 'deny' });
          expectedVerdicts++;
        }
      }
      await lg.shutdown();
      trace.disable();
      const store = instance.store!;
      await waitFor(`${N} decisions and ${expectedVerdicts} verdicts`, async () =>
        (await countVisible(store, 'SELECT count() FROM decisions')) === N &&
        (await countVisible(store, 'SELECT count() FROM verdicts')) === expectedVerdicts
          ? true
          : undefined,
      );
    });
    after(async () => instance?.stop());

    it('keeps exactly one row per decision, with what the SDK recorded', async () => {
      const store = instance.store!;
      // A verdict (or a failing span) that reaches the sampler after its trace
      // was decided, as happens on a busy machine, promotes the trace, which
      // writes its decision again, kept: the only second row a decision may
      // have. Promotions may still be landing while this reads, so the rows
      // themselves say which they are (a count read first could lag them).
      const twice = await store.select<{ decision_id: string; rows: string; reasons: string[] }>(
        `SELECT decision_id, count() AS rows, groupArray(sample_reason) AS reasons FROM decisions
         GROUP BY decision_id HAVING rows > 1 LIMIT 20`,
      );
      for (const d of twice) {
        assert.ok(
          Number(d.rows) === 2 && d.reasons.some((r) => r === 'late_feedback' || r === 'late_override'),
          `a decision is written twice only by a late promotion: ${JSON.stringify(d)}`,
        );
      }
      assert.equal(await countVisible(store, 'SELECT count(DISTINCT decision_id) FROM decisions'), N);
      assert.equal(await countVisible(store, 'SELECT countIf(is_error) FROM decisions'), expectedErrors);
      const byType = JSON.parse(
        await store.readOnlyQuery(
          'SELECT decision_type, count() AS n FROM decisions GROUP BY decision_type ORDER BY decision_type',
        ),
      ).data;
      assert.deepEqual(
        byType.map((r: { decision_type: string; n: string }) => [r.decision_type, Number(r.n)]),
        [
          ['cancel_order', N / 3],
          ['change_address', N / 3],
          ['refund', N / 3],
        ],
      );
      const [first] = JSON.parse(
        await store.readOnlyQuery(
          `SELECT label, score, model_version, slices['language'] AS language, service FROM decisions WHERE decision_id = '${ids[1]}'`,
        ),
      ).data;
      assert.deepEqual(first, {
        label: 'approve',
        score: 0.1,
        model_version: 'm-2026-11',
        language: 'hi',
        service: 'support-bot',
      });
    });

    it('keeps the spans of a trace intact', async () => {
      const store = instance.store!;
      const rows = JSON.parse(
        await store.readOnlyQuery(
          `SELECT s.name AS name, toBool(s.parent_span_id = d.span_id) AS under_decision, toBool(s.trace_id = d.trace_id) AS same_trace
           FROM sampled_spans s JOIN decisions d ON s.trace_id = d.trace_id
           WHERE d.decision_id = '${ids[3]}' ORDER BY s.name DESC`,
        ),
      ).data as Array<{ name: string; under_decision: boolean; same_trace: boolean }>;
      assert.deepEqual(
        rows.map((r) => r.name),
        ['decision refund', 'chat support-llm'],
      );
      assert.equal(rows[1]?.under_decision, true, 'the app span is the decision span’s child');
      assert.ok(rows.every((r) => r.same_trace));
      // every slice is below per_slice_target_per_hour here, so every trace is kept whole; each trace,
      // kept or not, has its row in parked_traces (a kept one without bytes: the ledger entry)
      assert.equal(await countVisible(store, 'SELECT count() FROM parked_traces FINAL'), N, 'every trace, kept or not');
      // the sample holds every failure whole, and no more than the traffic
      const err = JSON.parse(
        await store.readOnlyQuery(
          `SELECT status_code, status_message, sample_reason FROM sampled_spans WHERE decision_id = '${ids[0]}'`,
        ),
      ).data[0];
      assert.deepEqual(err, { status_code: 2, status_message: 'model timeout', sample_reason: 'error' });
      assert.equal(
        await countVisible(store, "SELECT uniqExact(trace_id) FROM sampled_spans WHERE sample_reason = 'error'"),
        expectedErrors,
      );
      assert.ok((await countVisible(store, 'SELECT count() FROM sampled_spans')) <= 2 * N);
    });

    it('joins verdicts to their decisions by decision id', async () => {
      const store = instance.store!;
      assert.equal(
        await countVisible(
          store,
          'SELECT count() FROM verdicts v INNER JOIN decisions d ON v.decision_id = d.decision_id',
        ),
        expectedVerdicts,
      );
      const overrides = await countVisible(
        store,
        `SELECT count() FROM verdicts v INNER JOIN decisions d ON v.decision_id = d.decision_id
         WHERE v.kind = 'review' AND v.label != d.label`,
      );
      // reviews say 'deny' on every 7th decision; the model said 'approve' on the odd ones
      const expected = ids.filter((_, i) => i % 7 === 0 && i % 2 === 1).length;
      assert.equal(overrides, expected);
    });
  });
}
