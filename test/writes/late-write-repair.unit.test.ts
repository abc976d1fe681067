import { LateWriteRepair, LATE_WRITE_REPAIR_AFTER_MS } from '../../src/writes/late-write-repair';
import type { HeldCount } from '../../src/domain/unread';
import type { GroupMemberRef } from '../../src/domain/member';

const member = (memberAccount: string): GroupMemberRef => ({ groupId: 'g', memberAccount });

/** A repair over scripted reads: IM's count per account, 100 messages in the group; rewrites and reads recorded. */
function repairOver(heldByAccount: Record<string, number | null>, lastApplied: (answered: number | undefined) => number | undefined = (answered) => answered) {
  const reads: string[][] = [];
  const rewrites: Array<[string, number]> = [];
  let sweepReads: string[] = [];
  const repair = new LateWriteRepair({
    read: async ({ memberAccount }) => {
      sweepReads.push(memberAccount);
      const count = heldByAccount[memberAccount];
      return count === null ? null : ({ unreadCount: count, messages: 100 } satisfies HeldCount);
    },
    lastApplied: async (_member, answered) => lastApplied(answered),
    rewrite: async ({ memberAccount }, value) => void rewrites.push([memberAccount, value]),
  });
  const sweep = async () => {
    sweepReads = [];
    await jest.advanceTimersByTimeAsync(1000);
    if (sweepReads.length > 0) reads.push(sweepReads);
  };
  return { repair, reads, rewrites, sweep };
}

describe('LateWriteRepair: what a read-back rewrites', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('rewrites the last answered value only where IM holds an abandoned value (after clamping); members due together are read in one sweep', async () => {
    const { repair, reads, rewrites, sweep } = repairOver({ late: 1, clamped: 100, messaged: 4, fine: 2, gone: null });
    const writtenAt = performance.now();
    for (const account of ['late', 'clamped', 'messaged', 'fine', 'gone']) repair.abandoned(member(account), account === 'clamped' ? 500 : 1, writtenAt);
    for (const account of ['late', 'clamped', 'messaged', 'fine', 'gone']) repair.answered(member(account), 2);

    await jest.advanceTimersByTimeAsync(LATE_WRITE_REPAIR_AFTER_MS - 1500);
    expect(reads).toEqual([]); // not before the window has passed
    await sweep();
    await sweep();
    expect(reads).toEqual([['late', 'clamped', 'messaged', 'fine', 'gone']]);
    // late: IM holds the abandoned 1. clamped: 500 landed as the group's 100. messaged: 4 is neither 1 nor 2
    // (a message arrived, or the member read some): left alone. fine: holds 2. gone: not a member any more.
    expect(rewrites).toEqual([['late', 2], ['clamped', 2]]);
    expect(repair.size).toBe(0);
  });

  it('no rewrite when nothing was answered since, or a newer update is on its way', async () => {
    const { repair, rewrites, sweep } = repairOver({ a: 1 }, () => undefined);
    repair.abandoned(member('a'), 1, performance.now());
    await jest.advanceTimersByTimeAsync(LATE_WRITE_REPAIR_AFTER_MS);
    await sweep();
    expect(rewrites).toEqual([]);
  });

  it('a later abandoned call of the same member moves its read-back later and adds its value', async () => {
    const { repair, reads, rewrites, sweep } = repairOver({ a: 3 });
    repair.abandoned(member('a'), 1, performance.now());
    await jest.advanceTimersByTimeAsync(5000);
    repair.abandoned(member('a'), 3, performance.now());
    repair.answered(member('a'), 7);
    await jest.advanceTimersByTimeAsync(LATE_WRITE_REPAIR_AFTER_MS - 5000);
    expect(reads).toEqual([]);
    await jest.advanceTimersByTimeAsync(5000);
    await sweep();
    expect(rewrites).toEqual([['a', 7]]);
  });
});
