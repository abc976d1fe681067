import { GatewayError } from '../errors';
import { chainHooks, type ImCommand } from '../tencent/commands';
import type { Interceptor } from './interceptor';

/** How one attempt at IM ended: IM's ErrorCode when it answered (0 = success), else the gateway code. */
export interface ImCallResult {
  command: ImCommand;
  /** The IM host the attempt went to (the primary or the backup). */
  host: string;
  imErrorCode?: number;
  code?: string;
  seconds: number;
}

/** Reports every attempt that reached the client (retries included), after it ended, with its host and duration. */
export function observe(onCall: ((result: ImCallResult) => void) | undefined): Interceptor {
  return (next) => {
    if (onCall === undefined) return next;
    return async (command, body, hooks) => {
      const started = performance.now();
      let host = '';
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const reply = await next(command, body, chainHooks(hooks, { onHost: (name) => (host = name) }));
        onCall({ command, host, imErrorCode: 0, seconds: seconds() });
        return reply;
      } catch (error) {
        const gatewayError = error instanceof GatewayError ? error : undefined;
        onCall({ command, host, imErrorCode: gatewayError?.imErrorCode, code: gatewayError?.code ?? 'UNEXPECTED', seconds: seconds() });
        throw error;
      }
    };
  };
}
