import { GatewayError } from '../errors';
import { inSpan, tracingOn } from '../observability/tracing';
import { chainHooks } from '../tencent/commands';
import type { Interceptor } from './interceptor';

/**
 * With tracing on, each IM call is a span of the work that made it (a GraphQL operation, the import), its
 * retries included: the command, the host of the last attempt, how many attempts, the time they waited for
 * rate-limit permits, and IM's ErrorCode (0 = success; absent when IM never answered) or the gateway's code.
 * Each attempt's HTTP request is a child span (the undici instrumentation). Off, the call goes as it is.
 */
export function traced(): Interceptor {
  return (next) => async (command, body, hooks) => {
    if (!tracingOn()) return next(command, body, hooks);
    return inSpan(`IM ${command}`, async (span) => {
      let attempts = 0;
      let limiterWaitMs = 0;
      let host = '';
      const counting = chainHooks(hooks, { onHost: (name) => ((host = name), (attempts += 1)), onPermit: (waitMs) => (limiterWaitMs += waitMs) });
      const describe = () => ({ 'im.command': command, 'server.address': host, 'im.attempts': attempts, 'im.limiter_wait_ms': Math.round(limiterWaitMs * 1000) / 1000 });
      try {
        const reply = await next(command, body, counting);
        span?.setAttributes({ ...describe(), 'im.error_code': 0 });
        return reply;
      } catch (error) {
        const gatewayError = error instanceof GatewayError ? error : undefined;
        span?.setAttributes({ ...describe(), 'im.gateway_code': gatewayError?.code ?? 'UNEXPECTED', ...(gatewayError?.imErrorCode === undefined ? {} : { 'im.error_code': gatewayError.imErrorCode }) });
        throw error;
      }
    });
  };
}
