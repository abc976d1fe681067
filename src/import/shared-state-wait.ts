import { GatewayError, GatewayErrorCode } from '../errors';
import type { UnreadCountSink } from './importer';

/** While Redis is unreachable, the import looks again this often. */
const SHARED_STATE_RECHECK_MS = 5000;

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
        const problem = shared.problem();
        if (!(error instanceof GatewayError && error.code === GatewayErrorCode.IM_UNAVAILABLE && error.refusedBeforeCall && problem !== undefined)) throw error;
        outage ??= waitForRedis(problem).finally(() => (outage = undefined));
        await outage;
      }
    }
  };
}
