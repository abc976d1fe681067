import type { IncomingMessage } from 'node:http';
import { badRequest, payloadTooLarge } from '../errors';

/** Refuses bytes that are not UTF-8, instead of passing replacement characters on to IM. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/**
 * After a body is found too large, the rest is read and dropped (so the client, still sending, gets to read
 * the 413 rather than a reset connection) for at most this long; then the connection is cut.
 */
const DISCARD_MS = 2000;

/**
 * Reads a request body up to `limitBytes`, refusing early (PAYLOAD_TOO_LARGE, 413) from Content-Length when
 * it says too much, and otherwise as soon as the bytes pass the limit (chunked bodies).
 */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    request.resume(); // drop what arrives while the 413 goes out
    throw payloadTooLarge(limitBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    let refused = false;
    const refuse = () => {
      // Stop keeping bytes; let the rest arrive and drop it, then answer (bounded in time).
      chunks.length = 0;
      const cut = setTimeout(() => request.destroy(), DISCARD_MS);
      cut.unref();
      request.once('end', () => {
        clearTimeout(cut);
        reject(payloadTooLarge(limitBytes));
      });
    };
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      total += chunk.length;
      if (total > limitBytes) {
        refused = true;
        refuse();
      } else chunks.push(chunk);
    });
    request.once('end', () => {
      if (!refused) resolve();
    });
    request.once('error', reject);
  });
  try {
    return UTF8.decode(Buffer.concat(chunks));
  } catch {
    throw badRequest('The request body is not valid UTF-8');
  }
}
