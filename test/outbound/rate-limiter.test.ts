import { onCleanup } from '../support/cleanup';
import { PACING_BURST, type SendPermit } from '../../src/outbound/limiter/limiter';
import { PacingRateLimiter } from '../../src/outbound/limiter/memory';
import { GatewayError } from '../../src/errors';
import { FakeIm, OK_REPLY } from '../support/fake-im';
import { SET_UNREAD, startTestGateway } from '../support/gateway';
import { startFakeImProcess } from '../support/process';

// The same sliding-window count the benchmark uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { maxInAnyWindow } = require('../../bench/sliding-window') as { maxInAnyWindow: (times: number[], windowMs?: number) => number };

describe('PacingRateLimiter', () => {
  it('never grants more than the limit within any one-second window, paced rather than in a burst', async () => {
    const limiter = new PacingRateLimiter({ callsPerSecond: 20 });
    const grants: number[] = [];
    const sendAtOnce = (permit: SendPermit) => {
      const now = performance.now();
      grants.push(now);
      permit.written(now);
      permit.release();
    };
    await Promise.all(Array.from({ length: 50 }, () => limiter.acquire().then(sendAtOnce)));
    expect(maxInAnyWindow(grants)).toBeLessThanOrEqual(20);
    // Paced: the first 100 ms hold the burst of 3 and about 2 more (at 19/s), not a burst of 20.
    expect(grants.filter((at) => at - grants[0] < 100).length).toBeLessThanOrEqual(PACING_BURST + 2);
  });

  it('refuses at once with RATE_LIMITED and retryAfterMs when the wait would exceed the queue limit', async () => {
    const limiter = new PacingRateLimiter({ callsPerSecond: 10, maxQueueWaitMs: 250 });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => limiter.acquire()));
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    // The burst of 3 goes at once; then each place in the queue costs ~105 ms: 105 and 210 ms fit within 250 ms,
    // 315 ms does not, so the rest are refused.
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(PACING_BURST + 2);
    for (const outcome of refused) {
      const error = (outcome).reason as GatewayError;
      expect(error).toBeInstanceOf(GatewayError);
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.retryable).toBe(true);
      expect(error.retryAfterMs).toBeGreaterThan(0);
    }
    expect(limiter.queueLength).toBe(0);
  });
});

describe('the outbound limit over HTTP', () => {
  it('keeps IM calls within IM_RATE_LIMIT_PER_SECOND in any one-second window at the IM side', async () => {
    // The counting IM in its own process stamps each call's arrival in the kernel, so a stalled test process
    // (a busy machine) cannot bunch the stamps the way an in-process fake's clock would.
    const im = await startFakeImProcess({ LIMIT_PER_SECOND: '20' });
    onCleanup(() => im.stop());
    const gateway = await startTestGateway({ IM_RATE_LIMIT_PER_SECOND: '20', IM_COALESCE_WINDOW_MS: '0' }, im.url);
    onCleanup(() => gateway.stop());
    const responses = await Promise.all(
      Array.from({ length: 45 }, (_, i) => gateway.graphql(SET_UNREAD, { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: `m${i}`, unreadCount: 1 } })),
    );
    expect(responses.every((response) => response.body.errors === undefined)).toBe(true);
    const stats = await im.stats();
    expect(stats.arrivals).toHaveLength(45);
    expect(stats.frequencyErrors).toBe(0);
    expect(maxInAnyWindow(stats.arrivals)).toBeLessThanOrEqual(20);
  });

  it('answers RATE_LIMITED without an IM call once the queue wait would exceed IM_MAX_QUEUE_WAIT_MS', async () => {
    const fake = new FakeIm(() => OK_REPLY);
    const gateway = await startTestGateway(
      { IM_RATE_LIMIT_PER_SECOND: '5', IM_MAX_QUEUE_WAIT_MS: '300', IM_COALESCE_WINDOW_MS: '0' },
      await fake.start(),
    );
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => gateway.graphql(SET_UNREAD, { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: `m${i}`, unreadCount: 1 } })),
    );
    const limited = responses.filter((response) => response.body.errors?.[0].extensions.code === 'RATE_LIMITED');
    const applied = responses.filter((response) => response.body.data?.setGroupMemberUnreadCount);
    expect(limited.length).toBeGreaterThan(0);
    expect(applied.length + limited.length).toBe(10);
    expect(fake.requests).toHaveLength(applied.length);
    for (const response of limited) {
      expect(response.body.errors[0].extensions).toMatchObject({ retryable: true, retryAfterMs: expect.any(Number) });
      expect(response.body.errors[0].extensions.imErrorCode).toBeUndefined();
    }
  });
});
