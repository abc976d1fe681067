import type { ImCommand } from '../tencent/commands';
import type { Interceptor } from './interceptor';
import type { RateLimiter } from './limiter/limiter';

/**
 * Every call of a command first takes a slot from that command's limiter (Tencent counts each REST API's
 * frequency separately). Sits inside the retries, so every attempt, retries included, takes a slot.
 */
export function rateLimit(limiterFor: (command: ImCommand) => RateLimiter): Interceptor {
  return (next) => async (command, body) => {
    await limiterFor(command).acquire();
    return next(command, body);
  };
}
