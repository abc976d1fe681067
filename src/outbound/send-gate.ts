import { sendingStopped } from '../errors';
import { chainHooks } from '../tencent/commands';
import type { Interceptor } from './interceptor';

/** The last layer before the wire, and the way to stop it: what a shutdown deadline closes before it lists anything. */
export interface SendGate {
  interceptor: Interceptor;
  /**
   * No call passes from now on: each is held here, unwritten, so its update is still unanswered when the
   * shutdown lists what was not sent. Resolves once every call that passed before is written or has ended;
   * after that nothing more reaches IM, so the list stays true.
   */
  close(): Promise<void>;
  /** Answers the held calls (SHUTTING_DOWN, never written, never retried): once the list is made. */
  refuseHeld(): void;
}

/**
 * Stands right before the wire. A call that passed it may still be on its way to the socket (undici writes a
 * tick later): it counts as unconfirmed until the client reports its write, or the call ends unwritten.
 */
export function sendGate(): SendGate {
  let closed = false;
  let unconfirmed = 0;
  const drained: Array<() => void> = [];
  const held: Array<(error: Error) => void> = [];
  const confirmOne = () => {
    unconfirmed -= 1;
    if (unconfirmed === 0) drained.splice(0).forEach((resolve) => resolve());
  };
  const interceptor: Interceptor = (next) => async (command, body, hooks) => {
    if (closed) return new Promise((_resolve, reject) => held.push(reject));
    unconfirmed += 1;
    let confirmed = false;
    const confirm = () => {
      if (confirmed) return;
      confirmed = true;
      confirmOne();
    };
    try {
      return await next(command, body, chainHooks(hooks, { onWritten: confirm }));
    } finally {
      confirm();
    }
  };
  return {
    interceptor,
    close: () => {
      closed = true;
      return unconfirmed === 0 ? Promise.resolve() : new Promise<void>((resolve) => drained.push(resolve));
    },
    refuseHeld: () => held.splice(0).forEach((reject) => reject(sendingStopped())),
  };
}
