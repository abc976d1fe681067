import type { Unanswered } from '../writes/coalescer';
import type { GatewayHttpServer } from './server';

/** How often the drain looks whether everything accepted has been answered. */
const DRAIN_POLL_MS = 100;

/** What a drain waits for: the coalescer's accepted updates. */
export interface Drainable {
  readonly pendingUpdates: number;
  unansweredUpdates(): Unanswered;
}

/**
 * The shutdown drain: still listening (new requests get 503 SHUTTING_DOWN, each connection closed after its
 * answer), requests in progress finish and with them
 * every accepted update, until `deadline()` (asked each round: a forced stop moves it to now). Then
 * `stopSending` closes the wire (nothing is written once it resolves), and only then are the updates still
 * unanswered listed (normally none): those IM has certainly not applied, and those whose call was written and
 * not answered.
 */
export async function drain(http: GatewayHttpServer, writes: Drainable, deadline: () => number, stopSending: () => Promise<void>): Promise<Unanswered> {
  http.startDraining();
  // Idle keep-alive connections stay open: a client may be writing its next request on one, and closing it
  // then resets that request (ECONNRESET). Each request on one gets its 503 with Connection: close instead.
  while ((http.activeRequests > 0 || writes.pendingUpdates > 0) && Date.now() < deadline()) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  await stopSending();
  return writes.unansweredUpdates();
}

/** Waits (at most `graceMs`) until every GraphQL request in progress has been answered. */
export async function finishAnswering(http: GatewayHttpServer, graceMs: number): Promise<void> {
  const until = Date.now() + graceMs;
  while (http.activeRequests > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
}
