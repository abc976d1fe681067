import type { RateLimiter, SendPermit } from './limiter';

/**
 * A read command's limiter on replicas: the shared one while Redis answers; while it is unreachable, a local
 * one on this replica's share of the budget (the limit divided by the replicas last seen), made anew for each
 * outage, so reads go on and the replicas together stay within IM's limit. Writes never use this: without
 * Redis their per-member order across replicas cannot be kept, so they fail fast instead.
 */
export class DegradableRateLimiter implements RateLimiter {
  private local?: RateLimiter;

  constructor(
    private readonly shared: RateLimiter,
    /** A local limiter at this replica's share now. */
    private readonly makeLocal: () => RateLimiter,
    private readonly sharedStateDown: () => boolean,
  ) {}

  acquire(): Promise<SendPermit> {
    if (!this.sharedStateDown()) {
      this.local = undefined; // the next outage starts from the replica count seen then
      return this.shared.acquire();
    }
    this.local ??= this.makeLocal();
    return this.local.acquire();
  }

  estimatedWaitMs(): number {
    return (this.sharedStateDown() ? this.local : this.shared)?.estimatedWaitMs() ?? 0;
  }

  get queueLength(): number {
    return this.shared.queueLength + (this.local?.queueLength ?? 0);
  }
}
