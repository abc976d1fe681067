import { DEFAULT_ACCOUNT_BURST, DEFAULT_ACCOUNT_RATE_PER_SECOND } from '../config/defaults';
import { accountRateLimited } from '../errors';
import { LruMap } from '../lib/lru';
import type { ReplicaConnection } from '../replicas/redis-connection';

/** Accounts whose allowance is remembered per process (least recently active forgotten first). */
const TRACKED_ACCOUNTS = 100_000;

/**
 * Each caller account's share of the app's IM budget: writes per second with a small burst (GCRA). One account
 * flooding set calls is refused at once with RATE_LIMITED and the wait it needs, before any IM call, so it
 * cannot fill the limiter's queue and starve everyone else. App admins (operators, the import) are exempt.
 */
export interface AccountRate {
  /** Admits one write for the account now, or throws RATE_LIMITED with `retryAfterMs`. */
  admit(account: string): Promise<void>;
}

export interface AccountRateOptions {
  /** Default {@link DEFAULT_ACCOUNT_RATE_PER_SECOND}. */
  perSecond?: number;
  /** Writes an account may make at once before the rate applies. Default {@link DEFAULT_ACCOUNT_BURST}. */
  burst?: number;
}

/** The spacing between an account's writes and how far ahead of it a burst may run. */
function gcra(options: AccountRateOptions): { intervalMs: number; toleranceMs: number } {
  const intervalMs = 1000 / (options.perSecond ?? DEFAULT_ACCOUNT_RATE_PER_SECOND);
  return { intervalMs, toleranceMs: intervalMs * ((options.burst ?? DEFAULT_ACCOUNT_BURST) - 1) };
}

/** One process: a GCRA per account in a bounded map. */
export function inProcessAccountRate(options: AccountRateOptions = {}, now: () => number = () => performance.now()): AccountRate {
  const { intervalMs, toleranceMs } = gcra(options);
  const arrivals = new LruMap<string, number>(TRACKED_ACCOUNTS); // each account's theoretical arrival time
  return {
    admit: async (account) => {
      const at = now();
      const tat = Math.max(arrivals.get(account) ?? at, at);
      const wait = tat - at;
      if (wait > toleranceMs) throw accountRateLimited(wait - toleranceMs);
      arrivals.set(account, tat + intervalMs);
    },
  };
}

/** Replicas: the same GCRA in Redis (the limiter's RESERVE_SLOT script, granting without waiting). */
export function redisAccountRate(connection: ReplicaConnection, options: AccountRateOptions = {}): AccountRate {
  const { intervalMs, toleranceMs } = gcra(options);
  return {
    admit: async (account) => {
      const [granted, wait] = await connection.run(() => connection.redis.reserveSlot(connection.key(`acct:${account}`, 'tat'), intervalMs, toleranceMs));
      if (granted !== 1) throw accountRateLimited(Number(wait) - toleranceMs);
    },
  };
}
