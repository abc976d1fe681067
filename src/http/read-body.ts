import type { IncomingMessage } from 'node:http';
import { badRequest, payloadTooLarge } from '../errors';

/** Refuses bytes that are not UTF-8, instead of passing replacement characters on to IM. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/**
 * A refused body is read and dropped, never kept, for at most this long (a lingering close, as nginx does):
 * the connection stays open meanwhile, so a client still sending reads the 413 instead of meeting a closed
 * socket (EPIPE, ECONNRESET). Past it the connection is cut.
 */
const DISCARD_MS = 2000;

/**
 * Reads a request body up to `limitBytes`, refusing early (PAYLOAD_TOO_LARGE, 413) from Content-Length when
 * it says too much, and otherwise as soon as the bytes pass the limit (chunked bodies).
 */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    discardRest(request);
    throw payloadTooLarge(limitBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limitBytes) return void chunks.push(chunk);
      request.off('data', onData);
      chunks.length = 0;
      discardRest(request);
      reject(payloadTooLarge(limitBytes));
    };
    request.on('data', onData);
    request.once('end', resolve);
    request.once('error', reject);
  });
  try {
    return UTF8.decode(Buffer.concat(chunks));
  } catch {
    throw badRequest('The request body is not valid UTF-8');
  }
}

/** Drops the rest of a refused body as it arrives; cuts the connection if it is still coming after {@link DISCARD_MS}. */
function discardRest(request: IncomingMessage): void {
  if (request.complete) return;
  const cut = setTimeout(() => request.socket.destroy(), DISCARD_MS);
  cut.unref();
  request.once('end', () => clearTimeout(cut));
  request.once('close', () => clearTimeout(cut));
  request.resume();
}
