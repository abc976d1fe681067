/**
 * Copies of one signal arriving within this long count as one. A signal to the process group (Ctrl-C in a
 * terminal, systemd's default KillMode) reaches the gateway twice under `npm start`: from the group, and again
 * from npm forwarding its own copy.
 */
export const SAME_SIGNAL_MS = 1000;
/** The distinct signal that ends a drain at once, instead of waiting for SHUTDOWN_TIMEOUT_MS. */
export const FORCING_SIGNAL = 3;

/** What one SIGTERM/SIGINT asks of the process. */
export type SignalAction =
  /** The first: drain (finish every accepted update), then exit. */
  | 'drain'
  /** A copy of the previous signal (the process group's and npm's): nothing new was asked. */
  | 'duplicate'
  /** A second, distinct signal while draining: keep draining, and say how to force it. */
  | 'remind'
  /** The third distinct signal: stop now; what is unsent is listed as at the deadline. */
  | 'force';

/**
 * Counts shutdown signals so that no repeat kills a drain: the process listens for every signal (never
 * `once`, which leaves the default action — death — for the next copy), and only a deliberate third one
 * cuts the drain short.
 */
export class ShutdownSignals {
  private distinct = 0;
  private countedAt = Number.NEGATIVE_INFINITY;

  /** The action for a signal arriving at `now` (ms). */
  receive(now: number): SignalAction {
    if (now - this.countedAt < SAME_SIGNAL_MS) return 'duplicate';
    this.countedAt = now;
    this.distinct += 1;
    if (this.distinct === 1) return 'drain';
    return this.distinct >= FORCING_SIGNAL ? 'force' : 'remind';
  }
}
