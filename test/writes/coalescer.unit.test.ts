import type { UnreadCountUpdate } from '../../src/domain/member';
import type { CallHooks } from '../../src/tencent/commands';
import { UnreadCountCoalescer } from '../../src/writes/coalescer';

/** A recording `send`: each call is kept with its value and waits until the test settles it; `written()` is the client saying it left. */
function recordingSend() {
  const calls: Array<{ label: string; settle: (error?: Error) => void; written: () => void }> = [];
  const send = (update: UnreadCountUpdate, hooks: CallHooks) =>
    new Promise<void>((resolve, reject) => {
      calls.push({
        label: `${update.memberAccount}:${update.unreadCount}`,
        settle: (error) => (error ? reject(error) : resolve()),
        written: () => hooks.onWritten?.(performance.now()),
      });
    });
  return { calls, send, labels: () => calls.map((call) => call.label) };
}

const WINDOW_MS = 5;
const update = (memberAccount: string, unreadCount: number): UnreadCountUpdate => ({ groupId: '@TGS#G', memberAccount, unreadCount });

describe('UnreadCountCoalescer rounds (recording send, fake timers)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('merges identical updates of one window into one call, answered to every caller', async () => {
    const { send, calls, labels } = recordingSend();
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS });
    const answers = [coalescer.submit(update('bob', 1)), coalescer.submit(update('bob', 1)), coalescer.submit(update('bob', 1))];
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    expect(labels()).toEqual(['bob:1']);
    calls[0].settle();
    expect(await Promise.all(answers)).toEqual(Array(3).fill({ unreadCount: 1, coalesced: true }));
  });

  it('lets the last value of a window win', async () => {
    const { send, calls, labels } = recordingSend();
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS });
    const answers = [1, 2, 3].map((value) => coalescer.submit(update('bob', value)));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    expect(labels()).toEqual(['bob:3']);
    calls[0].settle();
    expect((await Promise.all(answers)).map((answer) => answer.unreadCount)).toEqual([3, 3, 3]);
  });

  it('never overlaps calls for one member: updates during a call wait as one next round with the latest value', async () => {
    const { send, calls, labels } = recordingSend();
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS });
    const first = coalescer.submit(update('bob', 1));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    const later = [10, 20, 30].map((value) => coalescer.submit(update('bob', value)));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    expect(labels()).toEqual(['bob:1']); // still one call in flight
    calls[0].settle();
    await jest.advanceTimersByTimeAsync(0);
    expect(labels()).toEqual(['bob:1', 'bob:30']);
    calls[1].settle();
    expect(await first).toEqual({ unreadCount: 1, coalesced: false });
    expect(await Promise.all(later)).toEqual(Array(3).fill({ unreadCount: 30, coalesced: true }));
    expect(coalescer.pendingUpdates).toBe(0);
  });

  it('lets an update equal to the value in flight join that call', async () => {
    const { send, calls, labels } = recordingSend();
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS });
    const first = coalescer.submit(update('bob', 7));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    const same = coalescer.submit(update('bob', 7));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    calls[0].settle();
    await Promise.all([first, same]);
    expect(labels()).toEqual(['bob:7']);
  });

  it('sends different members in parallel, and answers each caller when its own member is done', async () => {
    const { send, calls, labels } = recordingSend();
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS });
    const alice = coalescer.submit(update('alice', 1));
    const bob = coalescer.submit(update('bob', 2));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    expect(labels()).toEqual(['alice:1', 'bob:2']);
    calls[1].settle(); // bob's call ends first
    expect(await bob).toEqual({ unreadCount: 2, coalesced: false });
    calls[0].settle();
    expect(await alice).toEqual({ unreadCount: 1, coalesced: false });
  });

  it('gives every merged caller the same error, and then sends the member again from scratch', async () => {
    const { send, calls, labels } = recordingSend();
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS });
    const answers = [coalescer.submit(update('bob', 4)), coalescer.submit(update('bob', 4))];
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    const failure = new Error('IM said no');
    calls[0].settle(failure);
    for (const answer of answers) await expect(answer).rejects.toBe(failure);
    const retried = coalescer.submit(update('bob', 4));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    calls[1].settle();
    await retried;
    expect(labels()).toEqual(['bob:4', 'bob:4']);
  });

  it('names the latest unanswered update per member for the shutdown log: unsent, or in doubt when its call was written', async () => {
    const { send, calls } = recordingSend();
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS });
    const answers = [coalescer.submit(update('bob', 1)), coalescer.submit(update('carol', 5)), coalescer.submit(update('dave', 7))];
    expect(coalescer.unansweredUpdates()).toEqual({ unsent: [update('bob', 1), update('carol', 5), update('dave', 7)], inDoubt: [] });
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    calls[0].written(); // bob:1 and carol:5 reached the wire, dave:7 still waits for its slot
    calls[1].written();
    answers.push(coalescer.submit(update('bob', 2))); // waits behind bob:1
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    expect(coalescer.unansweredUpdates()).toEqual({ unsent: [update('bob', 2), update('dave', 7)], inDoubt: [update('carol', 5)] });
    calls[0].settle();
    await jest.advanceTimersByTimeAsync(0);
    calls.slice(1).forEach((call) => call.settle());
    await Promise.all(answers);
    expect(coalescer.unansweredUpdates()).toEqual({ unsent: [], inDoubt: [] });
  });

  it('holds a member while an abandoned call may land; the held call then carries the latest value', async () => {
    const { send, labels, calls } = recordingSend();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS, holdUntilSafe: (key) => (key.includes('bob') ? held : undefined) });
    const answers = [coalescer.submit(update('bob', 1)), coalescer.submit(update('carol', 1))];
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    expect(labels()).toEqual(['carol:1']); // bob is held, carol is not
    answers.push(coalescer.submit(update('bob', 2)), coalescer.submit(update('bob', 3)));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    release();
    await jest.advanceTimersByTimeAsync(0);
    expect(labels()).toEqual(['carol:1', 'bob:3']); // one call, the latest value
    calls.forEach((call) => call.settle());
    expect((await Promise.all(answers)).map((answer) => answer.unreadCount)).toEqual([3, 1, 3, 3]);
  });

  it('refuses at once beyond maxPendingUpdates, with the error it is given', async () => {
    const { send, calls } = recordingSend();
    const full = new Error('full');
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS, maxPendingUpdates: 2, overloaded: () => full });
    const answers = [coalescer.submit(update('a', 1)), coalescer.submit(update('b', 1))];
    await expect(coalescer.submit(update('c', 1))).rejects.toBe(full);
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    calls.forEach((call) => call.settle());
    await Promise.all(answers);
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    const again = coalescer.submit(update('c', 1)); // room again
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    calls[2].settle();
    await expect(again).resolves.toEqual({ unreadCount: 1, coalesced: false });
  });

  it('keeps the whole wait within maxWaitMs: refused at arrival when the limiter’s wait (twice, behind an unwritten call of the member) exceeds it, and a next round refused rather than sent past its deadline', async () => {
    const { send, calls, labels } = recordingSend();
    let limiterWaitMs = 0;
    const tooLong = (retryAfterMs: number) => Object.assign(new Error('RATE_LIMITED'), { retryAfterMs });
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS, maxWaitMs: 1000, estimatedWaitMs: () => limiterWaitMs, waitTooLong: tooLong });

    limiterWaitMs = 1200;
    await expect(coalescer.submit(update('ann', 1))).rejects.toMatchObject({ message: 'RATE_LIMITED', retryAfterMs: 200 }); // alone: 1,200 > 1,000
    limiterWaitMs = 600;
    const first = coalescer.submit(update('bob', 1));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    expect(labels()).toEqual(['bob:1']); // 600 ≤ 1,000: sent (waiting for its permit, not written)
    // Behind bob's unwritten call: 600 for that call's permit, then 600 for its own.
    await expect(coalescer.submit(update('bob', 2))).rejects.toMatchObject({ retryAfterMs: 200 });
    limiterWaitMs = 400;
    const next = coalescer.submit(update('bob', 3)); // 2 × 400 ≤ 1,000: waits as the next round
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    calls[0].written();
    const written = coalescer.submit(update('cat', 1)); // another member, nothing in its way
    await jest.advanceTimersByTimeAsync(900);
    limiterWaitMs = 300; // the next round's deadline is in about 100 ms: its permit would come 200 ms after it
    calls[0].settle();
    await expect(next).rejects.toMatchObject({ message: 'RATE_LIMITED' });
    expect(labels()).toEqual(['bob:1', 'cat:1']); // bob:3 never sent
    await expect(first).resolves.toMatchObject({ unreadCount: 1 });
    calls[1].settle();
    await expect(written).resolves.toMatchObject({ unreadCount: 1 });
    expect(coalescer.pendingUpdates).toBe(0);
  });

  it('answers every waiting caller with the given error on failPending (a shutdown past its deadline)', async () => {
    const { send } = recordingSend();
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS });
    const inFlight = coalescer.submit(update('bob', 1));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    const next = coalescer.submit(update('bob', 2));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    const shutdown = new Error('shutting down');
    coalescer.failPending(shutdown);
    await expect(inFlight).rejects.toBe(shutdown);
    await expect(next).rejects.toBe(shutdown);
    expect(coalescer.pendingUpdates).toBe(0);
  });

  it('reports the calls it saved', async () => {
    const { send, calls } = recordingSend();
    const merged: number[] = [];
    const coalescer = new UnreadCountCoalescer(send, { windowMs: WINDOW_MS, onMerged: (extra) => merged.push(extra) });
    const answers = [1, 2, 3, 4].map((value) => coalescer.submit(update('bob', value)));
    await jest.advanceTimersByTimeAsync(WINDOW_MS);
    calls[0].settle();
    await Promise.all(answers);
    expect(merged).toEqual([3]);
  });
});
