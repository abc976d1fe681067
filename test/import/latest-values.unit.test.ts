import { LatestValues, type ExpectedRow } from '../../src/import/latest-values';

describe('LatestValues (the file’s last value per member, on disk)', () => {
  it('keeps each member’s last row, leaves out members whose last row the import rejected, lists mismatches in line order', () => {
    const store = new LatestValues();
    try {
      const add = (line: number, groupId: string, memberAccount: string, expected: number) => store.add({ line, groupId, memberAccount, expected });
      add(2, 'g1', 'a', 1);
      add(3, 'g2', 'a', 2);
      add(4, 'g1', 'b', 3);
      add(5, 'g1', 'a', 4); // a in g1 again: this row counts
      add(6, 'g2', 'c', 5);
      add(7, 'g2', 'd', 6);
      store.addRejected(2); // an earlier row of g1/a: the member is still checked against line 5
      store.addRejected(6);
      store.addRejected(6); // a rejects file listing a line twice counts it once
      const rejected: ExpectedRow[] = [];
      store.settle((row) => rejected.push(row));
      expect(rejected).toEqual([{ line: 6, groupId: 'g2', memberAccount: 'c', expected: 5 }]);
      expect(store.memberCount()).toBe(4);
      expect([...store.groups()]).toEqual([
        { groupId: 'g1', members: 2 },
        { groupId: 'g2', members: 2 },
      ]);
      expect([...store.membersOf('g1')].map((row) => [row.line, row.memberAccount, row.expected])).toEqual([
        [5, 'a', 4],
        [4, 'b', 3],
      ]);
      expect(store.find('g1', 'a')?.expected).toBe(4);
      expect(store.find('g1', 'zed')).toBeUndefined();
      expect(store.markChecked(5)).toBe(true);
      expect(store.markChecked(5)).toBe(false); // listed by two pages: checked once
      expect([...store.membersOf('g1', true)].map((row) => row.line)).toEqual([4]);
      store.addMismatch({ line: 7, groupId: 'g2', memberAccount: 'd', expected: 6 }, 1, 'DIFFERENT');
      store.addMismatch({ line: 3, groupId: 'g2', memberAccount: 'a', expected: 2 }, undefined, 'NOT_MEMBER');
      expect([...store.mismatches()].map((m) => [m.line, m.actual, m.reason])).toEqual([
        [3, undefined, 'NOT_MEMBER'],
        [7, 1, 'DIFFERENT'],
      ]);
    } finally {
      store.close();
    }
  });
});
