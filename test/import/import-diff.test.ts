import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImCommand } from '../../src/tencent/commands';
import { GROUP, importFixture, importUnread, readCsv, setCalls } from '../support/import';
import { runTs } from '../support/process';

/**
 * Issue 23's file: 2,030 rows, 1,827 members of one group already holding the file's value (every member of the
 * fixture's group starts at 0), 173 differing, and 30 that IM refuses — 10 in a group that does not exist, 10 in a
 * ChatRoom, 10 for accounts that are not members.
 */
function tableFile(dir: string): { file: string; differing: Map<string, number>; refusedLines: number[] } {
  const rows: string[] = [];
  const differing = new Map<string, number>();
  const refusedLines: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const value = i % 11 === 5 && differing.size < 173 ? (i % 40) + 1 : 0;
    if (value > 0) differing.set(`u${i}`, value);
    rows.push(`${GROUP},u${i},${value}`);
  }
  const refused = [
    ...Array.from({ length: 10 }, (_, i) => `@TGS#NOSUCHGROUP,u${i},1`),
    ...Array.from({ length: 10 }, () => `@TGS#3MEETING1,bob,1`),
    ...Array.from({ length: 10 }, (_, i) => `${GROUP},stranger${i},1`),
  ];
  // Spread through the file: after every 66th row.
  const lines = ['groupId,memberAccount,unreadCount'];
  let next = 0;
  rows.forEach((row, i) => {
    lines.push(row);
    if (i % 66 === 65 && next < refused.length) {
      lines.push(refused[next++]);
      refusedLines.push(lines.length);
    }
  });
  while (next < refused.length) {
    lines.push(refused[next++]);
    refusedLines.push(lines.length);
  }
  const file = join(dir, 'counts.csv');
  writeFileSync(file, lines.join('\n'));
  expect(differing.size).toBe(173);
  return { file, differing, refusedLines };
}

describe('import-unread writes only what differs (a real process against the simulator)', () => {
  const fixture = importFixture();

  it('the dry run asks IM: no write, the 30 refused rows with a real run’s codes, 173 to write', async () => {
    const { dir, simulator, env } = fixture;
    const { file, refusedLines } = tableFile(dir);
    const run = importUnread([file, '--dry-run'], env);
    expect(await run.exited).toBe(0);
    expect(setCalls(simulator)).toHaveLength(0);
    const rejects = readCsv(`${file}.rejects.csv`).slice(1);
    expect(rejects.map((row) => Number(row[3]))).toEqual(refusedLines);
    expect(rejects.map((row) => row[4])).toEqual([...Array(10).fill('GROUP_NOT_FOUND'), ...Array(10).fill('UNSUPPORTED_GROUP_TYPE'), ...Array(10).fill('FORBIDDEN')]);
    expect(run.stdout()).toMatch(/would write: +173/);
    expect(run.stdout()).toMatch(/already matching: +1827/);
    expect(run.stdout()).toMatch(/would reject: +30/);
  });

  it('the import makes at most 178 set calls, IM ends at every row’s value, the rejects file holds exactly the 30; verify-unread then exits 0 with them REJECTED', async () => {
    const { dir, simulator, env } = fixture;
    const { file, differing, refusedLines } = tableFile(dir);
    const run = importUnread([file], env);
    expect(await run.exited).toBe(0);
    const calls = setCalls(simulator);
    expect(calls.length).toBeLessThanOrEqual(178);
    expect(new Map(calls.map((call) => [call.Member_Account, call.UnreadMsgNum]))).toEqual(differing);
    for (let i = 0; i < 2000; i++) expect(simulator.unreadCount(GROUP, `u${i}`)).toBe(differing.get(`u${i}`) ?? 0);
    expect(readCsv(`${file}.rejects.csv`).slice(1).map((row) => Number(row[3]))).toEqual(refusedLines);
    expect(run.stdout()).toMatch(/written: +173/);
    expect(run.stdout()).toMatch(/already matching: +1827/);
    // The reads were batched: 2,000 members of one group in calls of 50.
    expect(simulator.callsOf(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO).length).toBeLessThanOrEqual(2000 / 50 + 10);

    const verify = runTs('src/cli.ts', ['verify-unread', file], env);
    expect(await verify.exited).toBe(0);
    expect(verify.stdout()).toMatch(/REJECTED: +21/); // 30 rejected rows, 21 distinct members (bob listed 10 times in the ChatRoom)
    const mismatches = readCsv(`${file}.mismatches.csv`).slice(1);
    expect(mismatches.every((row) => row[5] === 'REJECTED')).toBe(true);
    expect(readFileSync(`${file}.mismatches.csv`, 'utf8')).not.toContain('DIFFERENT');
  });
});
