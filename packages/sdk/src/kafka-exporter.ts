import type { OutgoingMessage, Producer } from '@livegrade/bus';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * Exports span batches to Kafka as the Collector's Kafka exporter does with
 * otlp_proto and partition_traces_by_id: one ExportTraceServiceRequest per
 * trace, keyed by trace id, so all of a trace's spans reach the same sampler.
 * One producer send per batch, never one per span.
 */
export class KafkaSpanExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    /** false when the producer is shared and its owner closes it (init() shares it with verdicts) */
    private readonly ownsProducer = true,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.closed) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('KafkaSpanExporter is shut down') });
      return;
    }
    let messages: OutgoingMessage[];
    try {
      messages = messagesByTrace(spans);
    } catch (err) {
      resultCallback({ code: ExportResultCode.FAILED, error: err as Error });
      return;
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
    this.closed = true;
    await this.forceFlush();
    if (this.ownsProducer) await this.producer.close();
  }
}

/** One message per trace id: key = trace id (hex), value = ExportTraceServiceRequest protobuf. */
export function messagesByTrace(spans: ReadableSpan[]): OutgoingMessage[] {
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const s of spans) {
    const id = s.spanContext().traceId;
    const list = byTrace.get(id);
    if (list) list.push(s);
    else byTrace.set(id, [s]);
  }
  const messages: OutgoingMessage[] = [];
  for (const [traceId, list] of byTrace) {
    const bytes = ProtobufTraceSerializer.serializeRequest(list);
    if (!bytes) throw new Error(`could not serialize the ${list.length} spans of trace ${traceId}`);
    // a view, not a copy: the Kafka client only reads the bytes
    messages.push({ key: traceId, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  }
  return messages;
}
