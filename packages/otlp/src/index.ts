export { decodeTraces } from './decode.ts';
export { encodeTraces, encodeTracesJson } from './encode.ts';
export { detectFormat, OtlpDecodeError, type OtlpFormat } from './errors.ts';
export { type AttributeFilter, decodeSpanFacts } from './facts.ts';
export { protobufByTrace, splitByTrace, type TracePayload } from './split.ts';
