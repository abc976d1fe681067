import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MAX_RETRIES, DEFAULT_RETRY_DEADLINE_MS } from '../config/defaults';
import { GatewayError } from '../errors';
import { RESIGN_IM_ERROR_CODES } from '../tencent/error-table';
import type { Interceptor } from './interceptor';

const BASE_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

export interface RetryOptions {
  /** Default {@link DEFAULT_MAX_RETRIES}. */
  maxRetries?: number;
  /** Default {@link DEFAULT_RETRY_DEADLINE_MS}. */
  deadlineMs?: number;
  /** Called to drop the cached admin UserSig when IM says it expired or was invalidated. */
  resign: () => void;
  /** Reports each retry, for logs and metrics. */
  onRetry?: (attempt: number, error: GatewayError) => void;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Default a uniform random number in [0, 1): full jitter. Tests pin it. */
  random?: () => number;
  /** Default a real timer. Tests record the waits instead. */
  sleep?: (ms: number) => Promise<unknown>;
}

/** The wait before retry number `attempt + 1`: full jitter under an exponential ceiling, never below IM's own hint. */
function backoffMs(attempt: number, random: number, retryAfterMs = 0): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
  return Math.max(retryAfterMs, random * ceiling);
}

/**
 * Retries what THE table marks retryable (network faults, timeouts and non-200 replies included) with
 * exponential backoff and full jitter, within a retry count and an overall deadline. 70001/70052 re-sign
 * and retry once. Refusals made before any call (a full queue, Redis down, the 70050 pause) are not retried.
 * Ordering stays safe because the coalescer never starts a member's next call before this one settles.
 */
export function retry(options: RetryOptions): Interceptor {
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const deadlineMs = options.deadlineMs ?? DEFAULT_RETRY_DEADLINE_MS;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;

  return (next) => async (command, body, hooks) => {
    const deadline = now() + deadlineMs;
    let resigned = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(command, body, hooks);
      } catch (error) {
        if (!(error instanceof GatewayError) || error.refusedBeforeCall) throw error;
        let delayMs: number;
        if (error.imErrorCode !== undefined && RESIGN_IM_ERROR_CODES.has(error.imErrorCode)) {
          if (resigned) throw error;
          resigned = true;
          options.resign();
          delayMs = 0;
        } else if (error.retryable && attempt < maxRetries) {
          delayMs = backoffMs(attempt, random(), error.retryAfterMs);
        } else {
          throw error;
        }
        if (now() + delayMs >= deadline) throw error;
        options.onRetry?.(attempt + 1, error);
        if (delayMs > 0) await wait(delayMs);
      }
    }
  };
}
