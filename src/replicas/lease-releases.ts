import type { Cluster, Redis } from 'ioredis';

/**
 * Wakes updates waiting for another replica's lease on their member when it is released, instead of having
 * them poll: RELEASE_MEMBER publishes the member's key on one channel, and each replica listens on one
 * subscriber connection. Pub/sub may drop a message (a reconnect), so every wait also ends after its own
 * bound and the waiter simply claims again: correctness never rests on a message arriving.
 */
export class LeaseReleases {
  private readonly waiters = new Map<string, Set<() => void>>();
  private subscriber?: Redis | Cluster;

  constructor(
    /** A new connection in the same topology, offline queue on (it subscribes before it is connected). */
    private readonly connect: () => Redis | Cluster,
    /** The channel RELEASE_MEMBER publishes on. */
    readonly channel: string,
  ) {}

  /** Resolves when `member`'s lease is released, or after `maxMs`, whichever comes first. */
  waitFor(member: string, maxMs: number): Promise<void> {
    this.listen();
    return new Promise<void>((resolve) => {
      let wakers = this.waiters.get(member);
      if (wakers === undefined) this.waiters.set(member, (wakers = new Set()));
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        if (wakers.size === 0 && this.waiters.get(member) === wakers) this.waiters.delete(member);
        resolve();
      };
      const timer = setTimeout(wake, maxMs);
      wakers.add(wake);
    });
  }

  close(): void {
    this.subscriber?.disconnect();
  }

  /** The subscriber connection, made on the first wait (most processes never wait for a lease). */
  private listen(): void {
    if (this.subscriber !== undefined) return;
    const subscriber = this.connect();
    subscriber.on('error', () => undefined); // the main connection reports outages; waits fall back to their bound
    subscriber.on('message', (_channel: string, member: string) => {
      for (const wake of [...(this.waiters.get(member) ?? [])]) wake();
    });
    void subscriber.subscribe(this.channel).catch(() => undefined);
    this.subscriber = subscriber;
  }
}
