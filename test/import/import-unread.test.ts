import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP, importFixture, importUnread, MEMBERS, readCsv, setCalls } from '../support/import';

describe('import-unread (a real process against the simulator)', () => {
  const fixture = importFixture();

  it('applies good CSV rows, writes bad ones to the rejects file with code and message, and exits 0', async () => {
    const { dir, simulator, env } = fixture;
    const file = join(dir, 'counts.csv');
    const good = Array.from({ length: 200 }, (_, i) => `${GROUP},u${i},${i % 50}`);
    const bad = [
      `${'x'.repeat(49)},u1,1`, // 49-byte group ID
      `${GROUP},${'y'.repeat(33)},1`, // 33-byte account
      `${GROUP},u2,-1`,
      `${GROUP},u3,many`,
      `${GROUP},u4,2147483648`,
      `@TGS#NOSUCHGROUP,u5,1`, // GROUP_NOT_FOUND (get_group_info)
      `@TGS#3MEETING1,bob,1`, // ChatRoom: UNSUPPORTED_GROUP_TYPE
      `${GROUP},stranger,1`, // not a member: IM answers 10007
      `"${GROUP},u6,1`, // unbalanced quotes
    ];
    // CRLF line ends, as spreadsheets write them.
    writeFileSync(file, ['groupId,memberAccount,unreadCount', ...good.slice(0, 100), ...bad, ...good.slice(100), `${GROUP},u0,42`].join('\r\n'));

    const run = importUnread([file], env);
    expect(await run.exited).toBe(0);

    const values = new Map(setCalls(simulator).map((call) => [call.Member_Account, call.UnreadMsgNum]));
    for (let i = 1; i < 200; i++) expect(simulator.unreadCount(GROUP, `u${i}`)).toBe(i % 50);
    expect(simulator.unreadCount(GROUP, 'u0')).toBe(42); // the file's last value for a member wins
    // Read first: the non-member, the missing group and the ChatRoom are refused without a set call, with a write's codes.
    expect(values.has('stranger')).toBe(false);
    expect(setCalls(simulator).every((call) => call.GroupId === GROUP)).toBe(true);
    // Every member starts at 0: the rows asking for 0 (u50, u100, u150, and u0's first) are already at IM.
    expect([...values.keys()].filter((account) => ['u50', 'u100', 'u150'].includes(account))).toEqual([]);
    expect(setCalls(simulator)).toHaveLength(197);

    expect(readFileSync(`${file}.rejects.csv`, 'utf8')).toContain('row.unreadCount: unreadCount must be an integer'); // "many", not "at most …"
    const rejects = readCsv(`${file}.rejects.csv`);
    expect(rejects[0]).toEqual(['groupId', 'memberAccount', 'unreadCount', 'line', 'code', 'message']);
    const byLine = new Map(rejects.slice(1).map((row) => [Number(row[3]), row[4]]));
    expect([...byLine.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [102, 'BAD_USER_INPUT'],
      [103, 'BAD_USER_INPUT'],
      [104, 'BAD_USER_INPUT'],
      [105, 'BAD_USER_INPUT'],
      [106, 'BAD_USER_INPUT'],
      [107, 'GROUP_NOT_FOUND'],
      [108, 'UNSUPPORTED_GROUP_TYPE'],
      [109, 'FORBIDDEN'],
      [110, 'BAD_USER_INPUT'],
    ]);
    expect(readFileSync(`${file}.rejects.csv`, 'utf8')).toContain('row.memberAccount: memberAccount must be 1 to 32 bytes');
    expect(run.stdout()).toMatch(/rows read: +210/);
    expect(run.stdout()).toMatch(/written: +197/);
    expect(run.stdout()).toMatch(/already matching: +4/);
    expect(run.stdout()).toMatch(/rejected: +9/);
    expect(run.stderr()).toMatch(/rows\/s \| ETA/); // plain progress lines when not a terminal
    expect(run.stderr()).toMatch(/written \d+, already matching \d+, rejected \d+/);
    expect(JSON.parse(readFileSync(`${file}.checkpoint.json`, 'utf8'))).toMatchObject({ complete: true, doneThroughLine: 211, applied: 197, matching: 4, rejected: 9 });
  });

  it('validates NDJSON without calling IM on --dry-run --offline', async () => {
    const { dir, simulator, env } = fixture;
    const file = join(dir, 'counts.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ groupId: GROUP, memberAccount: 'u1', unreadCount: 1 }),
        JSON.stringify({ groupId: GROUP, memberAccount: 'u2', unreadCount: 1.5 }),
        '[1,2,3]',
        '{not json',
        JSON.stringify({ groupId: GROUP, memberAccount: 'u3', unreadCount: 3 }),
      ].join('\n'),
    );
    const run = importUnread([file, '--dry-run', '--offline', '--rejects', join(dir, 'bad.csv')], env);
    expect(await run.exited).toBe(0);
    expect(simulator.calls).toHaveLength(0);
    expect(readCsv(join(dir, 'bad.csv')).slice(1).map((row) => row[3])).toEqual(['2', '3', '4']);
    expect(run.stdout()).toMatch(/valid: +2/);
    expect(existsSync(`${file}.checkpoint.json`)).toBe(false);
  });

  it('on Ctrl-C finishes what is in flight, saves a checkpoint, and --resume sends only the rest, each row once', async () => {
    const { dir, simulator, env } = fixture;
    const file = join(dir, 'big.csv');
    const rows = Array.from({ length: MEMBERS }, (_, i) => `${GROUP},u${i},${(i % 97) + 1}`);
    writeFileSync(file, ['groupId,memberAccount,unreadCount', ...rows].join('\n'));

    const first = importUnread([file, '--rate', '400'], { ...env, IM_RATE_LIMIT_PER_SECOND: '400' });
    while (setCalls(simulator).length < 300) await new Promise((resolve) => setTimeout(resolve, 20));
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.stderr()).toContain('Interrupted: finishing the rows in flight');
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint.json`, 'utf8'));
    const sentFirst = setCalls(simulator).length;
    expect(checkpoint.complete).toBe(false);
    // Rows read ahead but not yet written were left for the resume; every row up to the checkpoint is at IM.
    expect(checkpoint.doneThroughLine).toBeLessThanOrEqual(sentFirst + 1); // the header is line 1
    for (let line = 2; line <= checkpoint.doneThroughLine; line++) expect(simulator.unreadCount(GROUP, `u${line - 2}`)).toBe(((line - 2) % 97) + 1);
    expect(sentFirst).toBeLessThan(MEMBERS);

    const again = importUnread([file], env);
    expect(await again.exited).toBe(2); // refuses to start over by accident: a usage error
    expect(again.stderr()).toContain('pass --resume');

    const second = importUnread([file, '--resume'], env);
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toMatch(new RegExp(`skipped: +${checkpoint.doneThroughLine - 1}`));

    // The resume reads first: rows written after the checkpoint's line are already at IM and are not sent again.
    const calls = setCalls(simulator);
    expect(calls).toHaveLength(MEMBERS);
    expect(new Set(calls.map((call) => call.Member_Account)).size).toBe(MEMBERS); // no row sent twice
    for (let i = 0; i < MEMBERS; i += 97) expect(simulator.unreadCount(GROUP, `u${i}`)).toBe((i % 97) + 1);
  });

  it('stops with exit 1 when IM refuses the credentials, and exit 2 without them', async () => {
    const { dir, env } = fixture;
    const file = join(dir, 'counts.csv');
    writeFileSync(file, `groupId,memberAccount,unreadCount\n${GROUP},u1,1\n${GROUP},u2,2\n`);
    const wrongKey = importUnread([file], { ...env, IM_SECRET_KEY: 'not-the-key' });
    expect(await wrongKey.exited).toBe(1);
    expect(wrongKey.stdout()).toContain('IM_CONFIGURATION_ERROR');
    expect(wrongKey.stdout()).not.toContain('not-the-key');
    expect(JSON.parse(readFileSync(`${file}.checkpoint.json`, 'utf8')).doneThroughLine).toBe(0);
    expect(readCsv(`${file}.rejects.csv`)).toHaveLength(1); // header only: nothing was the rows' fault

    const noCredentials = importUnread([join(dir, 'other.csv')], {});
    expect(await noCredentials.exited).toBe(2);
    expect(noCredentials.stderr()).toContain('IM_SDKAPPID and IM_SECRET_KEY are required');

    const missingFile = importUnread([join(dir, 'missing.csv')], env);
    expect(await missingFile.exited).toBe(1);
    expect(missingFile.stderr()).toContain('cannot read');
  });

  it('names the integer rule for counts that are not integers, whatever else is wrong with them', async () => {
    const { dir, env } = fixture;
    const file = join(dir, 'counts.csv');
    writeFileSync(file, ['groupId,memberAccount,unreadCount', `${GROUP},u1,abc`, `${GROUP},u2,`, `${GROUP},u3,1.5`, `${GROUP},u4,99999999999`, `${GROUP},u5,-1`].join('\n'));
    const run = importUnread([file, '--dry-run', '--offline'], env);
    expect(await run.exited).toBe(0);
    const messages = readCsv(`${file}.rejects.csv`).slice(1).map((row) => [row[3], row.slice(5).join(',')]);
    expect(messages).toEqual([
      ['2', 'row.unreadCount: unreadCount must be an integer'],
      ['3', 'row.unreadCount: unreadCount must be an integer'],
      ['4', 'row.unreadCount: unreadCount must be an integer'],
      ['5', 'row.unreadCount: unreadCount must be at most 2147483647'],
      ['6', 'row.unreadCount: unreadCount must be 0 or more'],
    ]);
    expect(run.stdout()).toMatch(/valid: +0/);
    expect(run.stderr()).toMatch(/valid 0, rejected 5/);
  });

  it('draws a progress bar with rate and ETA on a terminal', async () => {
    const { dir } = fixture;
    const file = join(dir, 'tty.csv');
    writeFileSync(file, ['groupId,memberAccount,unreadCount', ...Array.from({ length: 50 }, (_, i) => `${GROUP},u${i},1`)].join('\n'));
    // util-linux `script` runs the command on a pseudo-terminal, as a person would.
    const command = `${JSON.stringify(process.execPath)} -r ./test/support/ts-register.js src/cli.ts import-unread ${JSON.stringify(file)} --dry-run`;
    const run = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd: join(__dirname, '..', '..'), env: { PATH: process.env.PATH ?? '', TERM: 'xterm' }, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\r\[#{24}\] 100\.0% \| 50 rows \| [\d.]+ rows\/s \| ETA 0s/);
    expect(run.stdout).toMatch(/valid: +50/);
  });
});
