import type { IncomingMessage } from 'node:http';
import { payloadTooLarge } from '../errors';

/** Reads a request body up to `limitBytes`, refusing early (PAYLOAD_TOO_LARGE, 413) from Content-Length when it says too much. */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw payloadTooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limitBytes) throw payloadTooLarge(limitBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
