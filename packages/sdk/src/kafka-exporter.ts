import type { Producer } from '@livegrade/bus';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * Exports span batches to Kafka as the Collector's Kafka exporter would with
 * otlp_proto and partition_traces_by_id: one ExportTraceServiceRequest per
 * trace, keyed by trace id. One producer send per batch, never per span.
 */
export class KafkaSpanExporter implements SpanExporter {
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const byTrace = new Map<string, ReadableSpan[]>();
    for (const s of spans) {
      const id = s.spanContext().traceId;
      const list = byTrace.get(id);
      if (list) list.push(s);
      else byTrace.set(id, [s]);
    }
    const messages = [];
    for (const [traceId, list] of byTrace) {
      const value = ProtobufTraceSerializer.serializeRequest(list);
      if (value) messages.push({ key: traceId, value: Buffer.from(value.buffer, value.byteOffset, value.byteLength) });
    }
    const sent = this.producer.send(this.topic, messages).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    await this.producer.close();
  }
}
