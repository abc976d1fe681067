import { subscribe } from 'node:diagnostics_channel';

/** undici publishes here the moment a request's headers are written to the socket. */
const SEND_HEADERS_CHANNEL = 'undici:client:sendHeaders';

/** Requests waiting to be written, by path (each call's path carries its own `random`, so it is unique). */
const watched = new Map<string, (at: number) => void>();
let subscribed = false;

/**
 * Calls `onWritten` with `performance.now()` when undici writes the request for `path` to a socket — the
 * moment IM starts counting it, which can be well after the limiter's grant when the event loop is busy.
 * Returns the function that stops watching (call it when the request ends, written or not).
 */
export function watchWrite(path: string, onWritten: (at: number) => void): () => void {
  if (!subscribed) {
    subscribe(SEND_HEADERS_CHANNEL, (message) => {
      const path = (message as { request?: { path?: unknown } }).request?.path;
      if (typeof path !== 'string') return;
      const listener = watched.get(path);
      if (listener === undefined) return;
      watched.delete(path);
      listener(performance.now());
    });
    subscribed = true;
  }
  watched.set(path, onWritten);
  return () => {
    if (watched.get(path) === onWritten) watched.delete(path);
  };
}

/** Whether a request with this path is being watched now (a caller picks another `random` if so). */
export function isWatched(path: string): boolean {
  return watched.has(path);
}
