import { DegradableRateLimiter } from '../../src/outbound/limiter/degradable';
import type { RateLimiter, SendPermit } from '../../src/outbound/limiter/limiter';

/** A limiter that records who granted. */
function recording(name: string, log: string[]): RateLimiter {
  const permit: SendPermit = { written: () => undefined, release: () => undefined };
  return { queueLength: 0, estimatedWaitMs: () => 0, acquire: async () => (log.push(name), permit) };
}

describe('a read command’s limiter on replicas', () => {
  it('grants from the shared budget while Redis answers, from a local share while it is down, and makes a new share for each outage', async () => {
    const log: string[] = [];
    let down = false;
    let shares = 0;
    const limiter = new DegradableRateLimiter(recording('shared', log), () => recording(`local${++shares}`, log), () => down);
    await limiter.acquire();
    down = true;
    await limiter.acquire();
    await limiter.acquire();
    down = false;
    await limiter.acquire();
    down = true;
    await limiter.acquire();
    expect(log).toEqual(['shared', 'local1', 'local1', 'shared', 'local2']);
  });
});
