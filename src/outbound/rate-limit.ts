import { chainHooks, type ImCommand } from '../tencent/commands';
import type { Interceptor } from './interceptor';
import type { RateLimiter } from './limiter/limiter';

/**
 * Every call of a command first takes a permit from that command's limiter (Tencent counts each REST
 * API's frequency separately). Sits inside the retries, so every attempt, retries included, takes one.
 * The client says when the request was really written, which is when the limiter starts counting it.
 */
export function rateLimit(limiterFor: (command: ImCommand) => RateLimiter): Interceptor {
  return (next) => async (command, body, hooks) => {
    const asked = performance.now();
    const permit = await limiterFor(command).acquire();
    hooks?.onPermit?.(performance.now() - asked);
    try {
      return await next(command, body, chainHooks(hooks, { onWritten: (at) => permit.written(at) }));
    } finally {
      permit.release();
    }
  };
}
