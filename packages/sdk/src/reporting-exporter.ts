import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * The BatchSpanProcessor hands a failed scheduled export to OTel's diag
 * logger, which is silent unless configured: spans would vanish without a
 * word. This wrapper tells the user's onError instead. The transports retry
 * on their own (the Kafka client, the OTLP exporter), so a failure here is final.
 */
export class ReportingExporter implements SpanExporter {
  private readonly reported = new WeakSet<object>();

  constructor(
    readonly inner: SpanExporter,
    private readonly onError: (err: Error) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const fail = (err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err ?? 'span export failed'));
      this.report(new Error(`dropped ${spans.length} spans: ${error.message}`, { cause: error }));
      this.reported.add(error);
      done({ code: ExportResultCode.FAILED, error });
    };
    try {
      this.inner.export(spans, (result) =>
        result.code === ExportResultCode.SUCCESS ? done(result) : fail(result.error),
      );
    } catch (err) {
      fail(err);
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  /** Reports what a flush rejected with, unless export() already did. */
  absorb(err: unknown): void {
    for (const e of Array.isArray(err) ? err : [err]) {
      if (e && typeof e === 'object' && this.reported.has(e)) continue;
      this.report(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private report(err: Error) {
    try {
      this.onError(err);
    } catch {
      // the user's handler failing must not break the export pipeline
    }
  }
}
