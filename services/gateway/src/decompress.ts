import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from '@livegrade/runtime';

/**
 * OTLP/HTTP clients may gzip bodies. Decompressing in preParsing means the
 * body limit applies to the decompressed size.
 */
export function registerDecompression(app: FastifyInstance) {
  app.addHook('preParsing', async (request, reply, payload) => {
    const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding === 'identity') return payload;
    let out: Readable;
    if (encoding === 'gzip') out = payload.pipe(createGunzip());
    else if (encoding === 'deflate') out = payload.pipe(createInflate());
    else {
      reply.code(415);
      throw Object.assign(new Error(`unsupported content-encoding "${encoding}" (use gzip, deflate or none)`), {
        statusCode: 415,
      });
    }
    // zlib's own message ("incorrect header check") does not say it was about the content-encoding;
    // this listener runs before fastify's, which answers 400 with the message
    out.once('error', (err: Error) => {
      err.message = `body is not valid ${encoding} data (content-encoding: ${encoding}): ${err.message}`;
    });
    // tells fastify the wire length, so its Content-Length check still holds
    (out as Readable & { receivedEncodedLength?: number }).receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      (out as Readable & { receivedEncodedLength?: number }).receivedEncodedLength! += chunk.length;
    });
    return out;
  });
}
