import { setTimeout as sleep } from 'node:timers/promises';
import { isSharedStateUnavailable } from '../errors';
import type { UnreadCountSink } from './importer';

/** While Redis is unreachable, the import looks again this often. */
const SHARED_STATE_RECHECK_MS = 5000;
/** A row refused by Redis while the connection still looks up (or up again) goes again after this long. */
const SHARED_STATE_SETTLE_MS = 250;

/** The shared state (Redis) as the import sees it: why it is unreachable now (undefined: reachable), and a wait for it. */
export interface SharedState {
  problem(): string | undefined;
  whenReady(timeoutMs: number): Promise<boolean>;
}

/**
 * An import has no caller to answer: a row refused because Redis is unreachable (writes need it for the
 * member order across replicas; the row was never sent) waits until Redis is back and goes again, where a
 * gateway would answer IM_UNAVAILABLE. Said once per outage on `say`.
 */
export function waitingForSharedState(sink: UnreadCountSink, shared: SharedState, say: (line: string) => void): UnreadCountSink {
  let outage: Promise<void> | undefined;
  const waitForRedis = async (problem: string) => {
    const since = Date.now();
    say(`import-unread: waiting for the shared state (${problem}); rows go on once it is back\n`);
    while (!(await shared.whenReady(SHARED_STATE_RECHECK_MS)));
    say(`import-unread: shared state back after ${((Date.now() - since) / 1000).toFixed(1)} s; continuing\n`);
  };
  return async (update, path) => {
    for (;;) {
      try {
        return await sink(update, path);
      } catch (error) {
        if (!isSharedStateUnavailable(error)) throw error;
        const problem = shared.problem();
        // The connection may not know yet that Redis is gone (or knows it is back): look again shortly.
        if (problem === undefined) await sleep(SHARED_STATE_SETTLE_MS);
        else {
          outage ??= waitForRedis(problem).finally(() => (outage = undefined));
          await outage;
        }
      }
    }
  };
}
