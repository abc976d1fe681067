import { PACING_BURST, WINDOW_MS, WIRE_MARGIN_MS } from '../../src/outbound/limiter/limiter';
import { LocalSendBudget, PacingRateLimiter } from '../../src/outbound/limiter/memory';
import { QueuedRateLimiter } from '../../src/outbound/limiter/queue';
import { WireWindow } from '../../src/outbound/limiter/wire-window';
import { until } from '../support/wait';

/** Blocks this process's event loop, as a GC pause, a CPU-starved container or SIGSTOP would. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe('PacingRateLimiter', () => {
  it('lets a burst of 3 through at once and refuses the next at once when its wait would exceed the bound, with that wait', async () => {
    const limiter = new PacingRateLimiter({ callsPerSecond: 1, maxQueueWaitMs: 0 });
    for (let i = 0; i < PACING_BURST; i++) (await limiter.acquire()).release();
    const refusal = await limiter.acquire().then(
      () => undefined,
      (error: unknown) => error,
    );
    // One call a second at 95 %: the next grant is 1000 / 0.95 ≈ 1053 ms away.
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

  it('after its event loop stalls, resumes at the pacing rate: no backlog of overdue grants at once', async () => {
    const callsPerSecond = 100;
    const intervalMs = 1000 / (callsPerSecond * 0.95);
    // Each grant stamped when the limiter decides it (onWait runs in the same tick), not when this test's
    // callback runs: on a busy machine callbacks of grants made apart can run together.
    const grants: number[] = [];
    const limiter = new PacingRateLimiter({ callsPerSecond, maxQueueWaitMs: 60_000, onWait: () => grants.push(performance.now()) });
    const all = Array.from({ length: 120 }, () => limiter.acquire().then((permit) => permit.release()));
    // Stall twice while the queue drains (once some grants went out, and again further on): each time every
    // waiting grant is overdue.
    await until(() => grants.length >= 10, '10 grants', 30_000, 1);
    stall(400);
    await until(() => grants.length >= 50, '50 grants', 30_000, 1);
    stall(300);
    await Promise.all(all);
    // GCRA by the limiter's own clock: any span of grants holds at most span / interval + the burst.
    for (let i = 0; i < grants.length; i++) {
      for (let j = i + 1; j < grants.length; j++) {
        expect(j - i + 1).toBeLessThanOrEqual(Math.floor((grants[j] - grants[i]) / intervalMs) + PACING_BURST + 1);
      }
    }
  });

  it('refuses a non-positive rate', () => {
    expect(() => new PacingRateLimiter({ callsPerSecond: 0 })).toThrow(RangeError);
  });
});

describe('the hard guard counts writes, not grants', () => {
  it('grants spaced correctly but written late in a bunch hold the next grant until the bunch leaves the guard window', async () => {
    const limit = 10;
    const budget = new LocalSendBudget(limit);
    const limiter = new QueuedRateLimiter(budget, { callsPerSecond: limit, maxQueueWaitMs: 60_000 });
    const permits = [];
    for (let i = 0; i < limit; i++) permits.push(await limiter.acquire()); // paced grants, none written yet
    const next = limiter.acquire().then(() => performance.now());
    // Unwritten grants count: the budget has nothing to grant while all ten are still on their way.
    expect(budget.takeNow()).toBeUndefined();
    expect(budget.readyInMs()).toBeGreaterThanOrEqual(WINDOW_MS + WIRE_MARGIN_MS);
    expect(limiter.queueLength).toBe(1);
    const bunchAt = performance.now();
    for (const permit of permits) permit.written(bunchAt); // the event loop was busy: all ten hit the wire at once
    expect(await next - bunchAt).toBeGreaterThanOrEqual(WINDOW_MS + WIRE_MARGIN_MS - 1);
  });

  it('a permit released without being written is handed back at once', async () => {
    const limiter = new QueuedRateLimiter(new LocalSendBudget(3), { callsPerSecond: 3, maxQueueWaitMs: 60_000 });
    const permits = [await limiter.acquire(), await limiter.acquire(), await limiter.acquire()];
    const next = limiter.acquire();
    for (const permit of permits) permit.release(); // e.g. the connection was refused
    await expect(next).resolves.toBeDefined();
  });
});

describe('WireWindow', () => {
  it('counts writes over the guard window in O(1) memory and says when the oldest leaves', () => {
    const window = new WireWindow();
    for (let i = 0; i < 5; i++) window.add(1000 + i);
    window.add(1500);
    expect(window.count(1600)).toBe(6);
    // The writes at 1000–1004 sit in the bucket [1000, 1010): it leaves the window at 1010 + 1050.
    expect(window.msUntilOldestLeaves(1600)).toBe(2060 - 1600);
    expect(window.count(2060)).toBe(1);
    expect(window.count(2560)).toBe(0);
    expect(window.msUntilOldestLeaves(2560)).toBe(0);
  });
});
