export type OtlpFormat = 'protobuf' | 'json';

/** The payload is not an OTLP ExportTraceServiceRequest; the message says what was wrong and where. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

/** JSON if the first non-blank byte is `{` or `[`, else protobuf: the Collector's Kafka exporter sets no content type. */
export function detectFormat(payload: Uint8Array): OtlpFormat {
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i];
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b || b === 0x5b ? 'json' : 'protobuf';
  }
  return 'protobuf';
}
