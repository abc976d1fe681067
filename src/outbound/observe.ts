import { GatewayError } from '../errors';
import type { ImCommand } from '../tencent/commands';
import type { Interceptor } from './interceptor';

/** How one attempt at IM ended: IM's ErrorCode when it answered (0 = success), else the gateway code. */
export interface ImCallResult {
  command: ImCommand;
  imErrorCode?: number;
  code?: string;
  seconds: number;
}

/** Reports every attempt that reached the wire (retries included), after it ended, with its duration. */
export function observe(onCall: ((result: ImCallResult) => void) | undefined): Interceptor {
  return (next) => {
    if (onCall === undefined) return next;
    return async (command, body) => {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const reply = await next(command, body);
        onCall({ command, imErrorCode: 0, seconds: seconds() });
        return reply;
      } catch (error) {
        const gatewayError = error instanceof GatewayError ? error : undefined;
        onCall({ command, imErrorCode: gatewayError?.imErrorCode, code: gatewayError?.code ?? 'UNEXPECTED', seconds: seconds() });
        throw error;
      }
    };
  };
}
