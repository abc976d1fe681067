import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP, importFixture, importUnread, readCsv } from '../support/import';
import { runTs } from '../support/process';
import { ImCommand } from '../../src/tencent/commands';

const SMALL = '@TGS#VERIFYTWO'; // 50 messages, members v0..v9

function verify(args: string[], env: Record<string, string>) {
  return runTs('src/cli.ts', ['verify-unread', ...args], env);
}

describe('verify-unread (a real process against the simulator)', () => {
  const fixture = importFixture();
  beforeEach(() => {
    fixture.simulator.addGroup({ groupId: SMALL, type: 'Private', messageCount: 50, members: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`v${i}`, 'Member' as const])) });
  });

  function writeFile(dir: string): string {
    const file = join(dir, 'counts.csv');
    const rows = [
      ...Array.from({ length: 120 }, (_, i) => `${GROUP},u${i},${i % 37}`),
      ...Array.from({ length: 9 }, (_, i) => `${SMALL},v${i},${i * 3}`),
      `${SMALL},v9,80`, // above the group's 50 messages: IM clamps it
      `${GROUP},u5,1`, // u5 listed twice: its last value counts
    ];
    writeFileSync(file, ['groupId,memberAccount,unreadCount', ...rows].join('\n'));
    return file;
  }

  it('after an import: exit 0 (CLAMPED is IM’s own clamping); after new messages in one group: exit 3 and exactly that group’s rows', async () => {
    const { dir, env } = fixture;
    const file = writeFile(dir);
    const imported = importUnread([file, '--verify'], env); // import-unread --verify runs it right after
    expect(await imported.exited).toBe(0);
    expect(imported.stdout()).toMatch(/matching: +129/);
    expect(imported.stdout()).toMatch(/CLAMPED: +1/);
    expect(readCsv(`${file}.mismatches.csv`)).toEqual([
      ['line', 'groupId', 'memberAccount', 'expected', 'actual', 'reason'],
      ['131', SMALL, 'v9', '80', '50', 'CLAMPED'],
    ]);

    fixture.simulator.addMessages(SMALL, 2);
    const after = verify([file], env);
    expect(await after.exited).toBe(3);
    const rows = readCsv(`${file}.mismatches.csv`).slice(1);
    expect(rows.map((row) => row[1])).toEqual(Array(10).fill(SMALL));
    expect(rows.map((row) => [row[2], row[3], row[4], row[5]])).toEqual([
      ...Array.from({ length: 9 }, (_, i) => [`v${i}`, String(i * 3), String(i * 3 + 2), 'DIFFERENT']),
      ['v9', '80', '52', 'CLAMPED'],
    ]);
    expect(after.stdout()).toMatch(/DIFFERENT: +9/);
  });

  it('names rows that cannot hold: NOT_MEMBER, GROUP_NOT_FOUND, UNSUPPORTED_GROUP_TYPE (exit 3); bad usage exits 2', async () => {
    const { dir, env } = fixture;
    const file = join(dir, 'odd.ndjson');
    const lines = [
      { groupId: GROUP, memberAccount: 'u1', unreadCount: 0 },
      { groupId: GROUP, memberAccount: 'stranger', unreadCount: 4 },
      { groupId: '@TGS#NOSUCHGROUP', memberAccount: 'bob', unreadCount: 1 },
      { groupId: '@TGS#aLIVESTREAM', memberAccount: 'bob', unreadCount: 1 },
      { groupId: GROUP, memberAccount: 'u2', unreadCount: -1 }, // invalid: not checked
    ];
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
    const run = verify([file], env);
    expect(await run.exited).toBe(3);
    expect(readFileSync(`${file}.mismatches.csv`, 'utf8').trim().split('\n').slice(1)).toEqual([
      `2,${GROUP},stranger,4,,NOT_MEMBER`,
      '3,@TGS#NOSUCHGROUP,bob,1,,GROUP_NOT_FOUND',
      '4,@TGS#aLIVESTREAM,bob,1,,UNSUPPORTED_GROUP_TYPE',
    ]);
    expect(run.stdout()).toMatch(/invalid rows: +1/);

    const noCredentials = verify([file], {});
    expect(await noCredentials.exited).toBe(2);
    expect(noCredentials.stderr()).toContain('IM_SDKAPPID and IM_SECRET_KEY are required');
  });

  it('reads a group the file mostly covers page by page (200 a call; Community by Next), the rest by name (50 a call): the same mismatches as naming every member', async () => {
    const { dir, env, simulator } = fixture;
    const members = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'Member' as const]));
    simulator.addGroup({ groupId: '@TGS#PAGEDPUB', type: 'Public', messageCount: 100, members: members('p', 450) });
    simulator.addGroup({ groupId: '@TGS#PAGEDCOM', type: 'Community', messageCount: 100, members: members('c', 250) });
    // Everyone starts with everything read (0 unread): rows asking 0 match, the others differ.
    const rows = [
      ...Array.from({ length: 450 }, (_, i) => ['@TGS#PAGEDPUB', `p${i}`, i % 3 === 0 ? 0 : i % 50]),
      ['@TGS#PAGEDPUB', 'stranger', 4],
      ...Array.from({ length: 250 }, (_, i) => ['@TGS#PAGEDCOM', `c${i}`, i % 5 === 0 ? 0 : 7]),
      ['@TGS#PAGEDPUB', 'p1', 0], // p1 listed twice: its last value (0) holds
    ];
    const file = join(dir, 'whole-groups.csv');
    writeFileSync(file, ['groupId,memberAccount,unreadCount', ...rows.map((row) => row.join(','))].join('\n'));
    const expected = rows
      .map((row, i) => ({ line: i + 2, row }))
      .filter(({ row, line }) => row[2] !== 0 && !(row[1] === 'p1' && line !== rows.length + 1))
      .map(({ row, line }) => (row[1] === 'stranger' ? `${line},${row[0]},stranger,4,,NOT_MEMBER` : `${line},${row[0]},${row[1]},${row[2]},0,DIFFERENT`));

    const calls = () => ({ pages: simulator.callsOf(ImCommand.GET_GROUP_MEMBER_INFO).length, byName: simulator.callsOf(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO).length });
    const auto = verify([file], env);
    expect(await auto.exited).toBe(3);
    const autoMismatches = readFileSync(`${file}.mismatches.csv`, 'utf8').trim().split('\n').slice(1);
    expect(autoMismatches).toEqual(expected);
    // 450 members: 3 pages; 250 in the Community: 2 pages; the stranger the pages did not list: 1 call by name.
    expect(calls()).toEqual({ pages: 5, byName: 1 });

    const byName = verify([file, '--read-by', 'members'], env);
    expect(await byName.exited).toBe(3);
    expect(readFileSync(`${file}.mismatches.csv`, 'utf8').trim().split('\n').slice(1)).toEqual(expected);
    // 451 names in one group: 10 calls; 250 in the other: 5.
    expect(calls()).toEqual({ pages: 5, byName: 1 + 15 });

    const bad = verify([file, '--read-by', 'everything'], env);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--read-by must be auto, members, pages');
  });
});

