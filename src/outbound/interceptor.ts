import type { ImCall } from '../tencent/commands';

/** One layer of the outbound pipeline: wraps the next call (like undici's interceptors). */
export type Interceptor = (next: ImCall) => ImCall;

/** `compose([a, b, c], call)` is `a(b(c(call)))`: the list reads from the caller down to the wire. */
export function compose(interceptors: readonly Interceptor[], wire: ImCall): ImCall {
  return interceptors.reduceRight((next, interceptor) => interceptor(next), wire);
}
