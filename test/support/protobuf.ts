/** Protobuf framing by hand, for OTLP requests no encoder would write (the otlp package's bad-input and facts tests). */
export const pb = {
  varint(n: number): number[] {
    const out: number[] = [];
    for (; n > 127; n = Math.floor(n / 128)) out.push((n % 128) | 128);
    out.push(n);
    return out;
  },
  ld(field: number, ...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([(field << 3) | 2, ...pb.varint(body.length)]), body]);
  },
  varintField(field: number, v: number[]): Buffer {
    return Buffer.from([field << 3, ...v]);
  },
  request(...spanFields: Buffer[]): Buffer {
    const span = pb.ld(2, pb.ld(1, Buffer.alloc(16, 0xab)), pb.ld(2, Buffer.alloc(8, 0xcd)), ...spanFields);
    return pb.ld(1, pb.ld(2, span));
  },
  /** KeyValue{key, value} as span attribute (field 9) */
  attribute(key: string, anyValue: Buffer): Buffer {
    return pb.ld(9, pb.ld(1, Buffer.from(key)), pb.ld(2, anyValue));
  },
};
