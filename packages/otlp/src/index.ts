export { decodeTraces } from './decode.ts';
export { encodeTraces, encodeTracesJson } from './encode.ts';
export { detectFormat, OtlpDecodeError, type OtlpFormat } from './errors.ts';
export { splitByTrace, type TracePayload } from './split.ts';
