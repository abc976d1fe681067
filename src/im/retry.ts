import { setTimeout as sleep } from 'node:timers/promises';
import type { ImCall } from './client';
import {
  GatewayErrorCode,
  RESIGN_IM_ERROR_CODES,
  SIGNATURE_LOCKOUT_IM_ERROR_CODE,
  SIGNATURE_LOCKOUT_MS,
} from './error-codes';
import { ImError } from './im-error';

/** Default 3 retries after the first attempt. */
export const DEFAULT_MAX_RETRIES = 3;
/** Default 20 s for all attempts of one call together, waits included. */
export const DEFAULT_RETRY_DEADLINE_MS = 20_000;
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
  onRetry?: (attempt: number, error: ImError) => void;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * Retries what THE table marks retryable (network faults, timeouts and non-200 replies included) with
 * exponential backoff and full jitter, within a retry count and an overall deadline. 70001/70052 re-sign
 * and retry once. 70050 pauses all calls for 60 s, failing fast meanwhile, as IM asks.
 * Ordering stays safe because the coalescer never starts a member's next call before this one settles.
 */
export function withRetries(call: ImCall, options: RetryOptions): ImCall {
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const deadlineMs = options.deadlineMs ?? DEFAULT_RETRY_DEADLINE_MS;
  const now = options.now ?? Date.now;
  let lockedUntil = 0;

  return async (command, body) => {
    const deadline = now() + deadlineMs;
    let resigned = false;
    for (let attempt = 0; ; attempt++) {
      if (now() < lockedUntil) throw signatureLockoutError(lockedUntil - now());
      try {
        return await call(command, body);
      } catch (error) {
        if (!(error instanceof ImError) || error.refusedBeforeCall) throw error;
        if (error.imErrorCode === SIGNATURE_LOCKOUT_IM_ERROR_CODE) {
          lockedUntil = now() + SIGNATURE_LOCKOUT_MS;
          throw error;
        }
        let delayMs: number;
        if (error.imErrorCode !== undefined && RESIGN_IM_ERROR_CODES.has(error.imErrorCode)) {
          if (resigned) throw error;
          resigned = true;
          options.resign();
          delayMs = 0;
        } else if (error.retryable && attempt < maxRetries) {
          const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
          delayMs = Math.max(error.retryAfterMs ?? 0, Math.random() * ceiling);
        } else {
          throw error;
        }
        if (now() + delayMs >= deadline) throw error;
        options.onRetry?.(attempt + 1, error);
        if (delayMs > 0) await sleep(delayMs);
      }
    }
  };
}

function signatureLockoutError(remainingMs: number): ImError {
  return new ImError({
    code: GatewayErrorCode.IM_CONFIGURATION_ERROR,
    retryable: false,
    message: 'IM paused calls after too many failed UserSig checks; check IM_SECRET_KEY and IM_SDKAPPID',
    imErrorCode: SIGNATURE_LOCKOUT_IM_ERROR_CODE,
    retryAfterMs: Math.ceil(remainingMs),
  });
}
