import { ReadBatcher } from '../../src/reads/read-batcher';

interface Ref {
  group: string;
  account: string;
}

/** A recording fetch whose calls stay open until the test answers them; and timers the test fires. */
function harness(maxBatchSize = 3) {
  const calls: Array<{ group: string; accounts: string[]; answer: (values?: Map<string, number | Error>) => void; fail: (error: Error) => void }> = [];
  const timers: Array<() => void> = [];
  const batcher = new ReadBatcher<Ref, number>({
    partition: (ref) => ref.group,
    keyId: (ref) => ref.account,
    maxBatchSize,
    windowMs: 5,
    setTimer: (run) => void timers.push(run),
    fetch: (group, refs) =>
      new Promise((resolve, reject) => {
        const accounts = refs.map((ref) => ref.account);
        // By default every account's answer is its name's length plus the call's number: later calls answer anew.
        const number = calls.length;
        calls.push({ group, accounts, answer: (values) => resolve(values ?? new Map(accounts.map((account) => [account, account.length * 100 + number]))), fail: reject });
      }),
  });
  const fireTimers = () => timers.splice(0).forEach((run) => run());
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { batcher, calls, fireTimers, settle, load: (group: string, account: string) => batcher.load({ group, account }) };
}

describe('the read batcher (process-wide, per read command)', () => {
  it('collects reads for the window, then sends one call per group: [[a, b], [c]]', async () => {
    const { calls, fireTimers, settle, load } = harness();
    const answers = [load('g1', 'a'), load('g1', 'bb'), load('g2', 'ccc'), load('g1', 'a')];
    await settle();
    expect(calls).toHaveLength(0); // nothing goes before the window
    fireTimers();
    expect(calls.map(({ group, accounts }) => [group, accounts])).toEqual([
      ['g1', ['a', 'bb']],
      ['g2', ['ccc']],
    ]);
    calls.forEach((call) => call.answer());
    expect(await Promise.all(answers)).toEqual([100, 200, 301, 100]); // the same key twice shares one answer
  });

  it('sends a batch at once when it holds IM’s maximum, and the next reads start a new batch', async () => {
    const { calls, fireTimers, load } = harness(3);
    const first = ['a', 'b', 'c'].map((account) => load('g', account));
    expect(calls.map((call) => call.accounts)).toEqual([['a', 'b', 'c']]); // full: no waiting for the window
    const next = load('g', 'd');
    fireTimers();
    expect(calls.map((call) => call.accounts)).toEqual([['a', 'b', 'c'], ['d']]);
    calls.forEach((call) => call.answer());
    expect(await Promise.all([...first, next])).toEqual([100, 100, 100, 101]);
  });

  it('while a partial call is at IM, the next batch collects behind it and goes when it answers: one call per round trip', async () => {
    const { calls, fireTimers, settle, load } = harness(50);
    const early = load('g', 'a');
    fireTimers();
    expect(calls).toHaveLength(1);
    const later = ['b', 'c', 'a'].map((account) => load('g', account));
    fireTimers(); // the window passed, but a call of this group is in flight
    expect(calls).toHaveLength(1);
    calls[0].answer();
    await settle();
    expect(calls.map((call) => call.accounts)).toEqual([['a'], ['b', 'c', 'a']]);
    calls[1].answer();
    expect(await early).toBe(100);
    expect(await Promise.all(later)).toEqual([101, 101, 101]);
  });

  it('freshness: a read arriving while its key’s call is in flight never takes that call’s answer', async () => {
    const { calls, fireTimers, settle, load } = harness();
    const before = load('g', 'a');
    fireTimers();
    const after = load('g', 'a'); // the call for 'a' left before this read arrived
    calls[0].answer();
    expect(await before).toBe(100);
    await settle();
    fireTimers();
    expect(calls).toHaveLength(2);
    calls[1].answer();
    expect(await after).toBe(101); // the second call's answer, not the first's
  });

  it('keeps nothing once answered: a read after the answer costs a new call', async () => {
    const { batcher, calls, fireTimers, settle, load } = harness();
    const first = load('g', 'a');
    fireTimers();
    calls[0].answer();
    expect(await first).toBe(100);
    await settle();
    expect(batcher.activePartitions).toBe(0);
    const second = load('g', 'a');
    fireTimers();
    calls[1].answer();
    expect(await second).toBe(101);
  });

  it('one failing group does not fail another group’s readers; a key’s own error reaches only its readers', async () => {
    const { calls, fireTimers, load } = harness();
    const broken = load('bad', 'a');
    const fine = load('good', 'b');
    const refused = load('good', 'c');
    fireTimers();
    calls[0].fail(new Error('IM said no for this group'));
    calls[1].answer(new Map<string, number | Error>([['b', 7], ['c', new Error('not this one')]]));
    await expect(broken).rejects.toThrow('IM said no for this group');
    expect(await fine).toBe(7);
    await expect(refused).rejects.toThrow('not this one');
  });

  it('a key the reply leaves out fails as IM_UNAVAILABLE (retryable), the others are answered', async () => {
    const { calls, fireTimers, load } = harness();
    const answered = load('g', 'a');
    const missing = load('g', 'b');
    fireTimers();
    calls[0].answer(new Map([['a', 1]]));
    expect(await answered).toBe(1);
    await expect(missing).rejects.toMatchObject({ code: 'IM_UNAVAILABLE', retryable: true });
  });
});
