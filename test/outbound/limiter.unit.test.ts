import { PacingRateLimiter } from '../../src/outbound/limiter/memory';

describe('PacingRateLimiter', () => {
  it('grants the first call at once and refuses one whose wait would exceed the queue bound, at once, with the wait it would need', async () => {
    const limiter = new PacingRateLimiter({ callsPerSecond: 1, maxQueueWaitMs: 0 });
    await limiter.acquire();
    const refusal = await limiter.acquire().then(
      () => undefined,
      (error: unknown) => error,
    );
    // One call a second at 95 %: the next slot is 1000 / 0.95 ≈ 1053 ms away.
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED', retryable: true, refusedBeforeCall: true });
    const { retryAfterMs } = refusal as { retryAfterMs: number };
    expect(retryAfterMs).toBeGreaterThan(1000);
    expect(retryAfterMs).toBeLessThanOrEqual(1053);
    expect(limiter.queueLength).toBe(0);
  });

  it('counts waiting callers in queueLength and refuses none within the bound', async () => {
    const limiter = new PacingRateLimiter({ callsPerSecond: 1000, maxQueueWaitMs: 10_000 });
    const grants = Array.from({ length: 20 }, () => limiter.acquire());
    expect(limiter.queueLength).toBeGreaterThan(0);
    await Promise.all(grants);
    expect(limiter.queueLength).toBe(0);
  });

  it('refuses a non-positive rate', () => {
    expect(() => new PacingRateLimiter({ callsPerSecond: 0 })).toThrow(RangeError);
  });
});
