import { GatewayError, signatureLockedOut } from '../errors';
import { SIGNATURE_LOCKOUT_IM_ERROR_CODE, SIGNATURE_LOCKOUT_MS } from '../tencent/error-table';
import type { Interceptor } from './interceptor';

/**
 * The circuit breaker for IM's 70050 (too many failed UserSig checks): IM asks for no calls for 60 s, so
 * every call fails fast until then. One instance may stand at several places of the pipeline, sharing its
 * state: before the limiter queue (fail fast) and right before the wire (calls already granted a slot).
 */
export function signatureLockout(now: () => number = Date.now): Interceptor {
  let lockedUntil = 0;
  return (next) => async (command, body, hooks) => {
    if (now() < lockedUntil) throw signatureLockedOut(SIGNATURE_LOCKOUT_IM_ERROR_CODE, lockedUntil - now());
    try {
      return await next(command, body, hooks);
    } catch (error) {
      if (error instanceof GatewayError && error.imErrorCode === SIGNATURE_LOCKOUT_IM_ERROR_CODE && !error.refusedBeforeCall) {
        lockedUntil = Math.max(lockedUntil, now() + SIGNATURE_LOCKOUT_MS);
      }
      throw error;
    }
  };
}
