import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP, importFixture, importUnread, MEMBERS, readCsv, setCalls } from '../support/import';

/**
 * The test file: a row for each of MEMBERS members, some refused (a count that is not a number, a member not in
 * the group: IM answers 10007), the others' values from `valueOf`; what each refused line must be reported as
 * (line → code) and each member's value, from the file's own rows.
 */
function fileWithRejects(valueOf: (i: number) => number): { lines: string[]; expectedRejects: Map<number, string>; expectedValues: Map<string, number> } {
  const expectedRejects = new Map<number, string>();
  const expectedValues = new Map<string, number>();
  const lines = ['groupId,memberAccount,unreadCount'];
  for (let i = 0; i < MEMBERS; i++) {
    const line = lines.length + 1;
    if (i % 151 === 7) {
      lines.push(`${GROUP},u${i},lots`);
      expectedRejects.set(line, 'BAD_USER_INPUT');
    } else if (i % 173 === 11) {
      lines.push(`${GROUP},stranger${i},1`);
      expectedRejects.set(line, 'FORBIDDEN');
    } else {
      const value = valueOf(i);
      lines.push(`${GROUP},u${i},${value}`);
      expectedValues.set(`u${i}`, value);
    }
  }
  return { lines, expectedRejects, expectedValues };
}

// The import's bookkeeping across interruptions (issue: the rejects file must equal exactly the rows not applied).
describe('import-unread --resume (a real process against the simulator)', () => {
  const fixture = importFixture();

  it('keeps the rejects file equal to exactly the rows not applied across a fatal stop, a Ctrl-C and a kill -9', async () => {
    const { dir, simulator, env } = fixture;
    const file = join(dir, 'resumed.csv');
    const { lines, expectedRejects } = fileWithRejects((i) => (i % 89) + 1);
    writeFileSync(file, lines.join('\n'));
    const fast = { ...env, IM_RATE_LIMIT_PER_SECOND: '400', IM_MAX_RETRIES: '0' };
    const port = new URL(env.IM_API_BASE_URL).port;
    const waitForCalls = async (count: number) => {
      while (setCalls(simulator).length < count) await new Promise((resolve) => setTimeout(resolve, 10));
    };

    // 1. IM goes away mid-run: a fatal stop (exit 1) after 20 rows in a row fail.
    const first = importUnread([file, '--rate', '400'], fast);
    await waitForCalls(400);
    await simulator.close();
    expect(await first.exited).toBe(1);
    expect(first.stdout()).toContain('IM is unreachable');
    await simulator.start(Number(port));

    // 2. Resumed, then Ctrl-C (exit 130).
    const second = importUnread([file, '--resume', '--rate', '400'], fast);
    const before = setCalls(simulator).length;
    await waitForCalls(before + 500);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(130);

    // 3. Resumed, then killed outright between two checkpoints.
    const third = importUnread([file, '--resume', '--rate', '400'], fast);
    const beforeKill = setCalls(simulator).length;
    await waitForCalls(beforeKill + 700);
    third.child.kill('SIGKILL');
    await third.exited;

    // 4. Resumed to the end.
    const last = importUnread([file, '--resume', '--rate', '400'], fast);
    expect(await last.exited).toBe(0);

    const rejects = readCsv(`${file}.rejects.csv`).slice(1);
    expect(rejects.map((row) => Number(row[3]))).toEqual([...expectedRejects.keys()]); // each once, in line order
    expect(rejects.map((row) => row[4])).toEqual([...expectedRejects.values()]);
    for (let i = 0; i < MEMBERS; i++) {
      if (i % 151 === 7 || i % 173 === 11) continue;
      expect(simulator.unreadCount(GROUP, `u${i}`)).toBe((i % 89) + 1);
    }
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint.json`, 'utf8'));
    expect(checkpoint).toMatchObject({ complete: true, doneThroughLine: MEMBERS + 1, rejected: expectedRejects.size });
    // Rows written by a run and settled only by a later one (read first: IM held them) count as already matching.
    expect(checkpoint.applied + checkpoint.matching).toBe(MEMBERS - expectedRejects.size);
    expect(new Set(setCalls(simulator).map((call) => call.Member_Account)).size).toBe(MEMBERS - expectedRejects.size);
  }, 90_000);

  it('refuses to resume a file edited anywhere since the checkpoint, even at the same size (exit 2)', async () => {
    const { dir, simulator, env } = fixture;
    const file = join(dir, 'edited.csv');
    const note = 'x'.repeat(40); // an extra column the import ignores: puts line 2,500 far past the first 64 KiB
    const rows = Array.from({ length: MEMBERS }, (_, i) => `${GROUP},u${i},${(i % 9) + 1},${note}`);
    writeFileSync(file, ['groupId,memberAccount,unreadCount,note', ...rows].join('\n'));
    const first = importUnread([file, '--rate', '400'], { ...env, IM_RATE_LIMIT_PER_SECOND: '400' });
    while (setCalls(simulator).length < 100) await new Promise((resolve) => setTimeout(resolve, 10));
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);

    rows[2500] = `${GROUP},u2500,${((2500 % 9) + 2) % 10},${note}`; // one digit for another: same size
    writeFileSync(file, ['groupId,memberAccount,unreadCount,note', ...rows].join('\n'));
    const resumed = importUnread([file, '--resume'], env);
    expect(await resumed.exited).toBe(2);
    expect(resumed.stderr()).toContain('changed since the checkpoint was written');
    writeFileSync(join(dir, 'never-started.csv'), 'groupId,memberAccount,unreadCount\n');
    const nothing = importUnread([join(dir, 'never-started.csv'), '--resume'], env);
    expect(await nothing.exited).toBe(2);
    expect(nothing.stderr()).toContain('nothing to resume');
  });

  it('survives kill -9 three times at random points: IM ends at every row’s value, each refused row once in the rejects file, no member written twice, rows IM already held never written', async () => {
    const { dir, simulator, env } = fixture;
    const file = join(dir, 'killed.csv');
    // Members start with everything read: 0 is already held.
    const { lines, expectedRejects, expectedValues } = fileWithRejects((i) => (i % 7 === 0 ? 0 : (i % 89) + 1));
    writeFileSync(file, lines.join('\n'));
    const fast = { ...env, IM_RATE_LIMIT_PER_SECOND: '400', IM_MAX_RETRIES: '0' };
    const killedAfter: number[] = [];
    for (let run = 0; run < 3; run++) {
      const importing = importUnread([file, ...(run === 0 ? [] : ['--resume']), '--rate', '400'], fast);
      const target = setCalls(simulator).length + 100 + Math.floor(Math.random() * 500);
      killedAfter.push(target);
      let ended = false;
      void importing.exited.then(() => (ended = true));
      while (setCalls(simulator).length < target && !ended) await new Promise((resolve) => setTimeout(resolve, 5));
      expect({ run, ended, stderr: ended ? importing.stderr() : '' }).toEqual({ run, ended: false, stderr: '' }); // still importing when killed
      importing.child.kill('SIGKILL');
      await importing.exited;
    }
    const last = importUnread([file, '--resume', '--rate', '400'], fast);
    expect({ exit: await last.exited, killedAfter }).toEqual({ exit: 0, killedAfter });

    const rejects = readCsv(`${file}.rejects.csv`).slice(1);
    expect(rejects.map((row) => Number(row[3]))).toEqual([...expectedRejects.keys()]);
    expect(rejects.map((row) => row[4])).toEqual([...expectedRejects.values()]);
    const wrong = [...expectedValues].filter(([account, value]) => simulator.unreadCount(GROUP, account) !== value);
    expect(wrong).toEqual([]);
    const writes = new Map<string, number>();
    for (const call of setCalls(simulator)) writes.set(call.Member_Account, (writes.get(call.Member_Account) ?? 0) + 1);
    expect([...writes].filter(([, count]) => count > 1)).toEqual([]); // a row written before a kill is read, and matches, after it
    expect([...expectedValues].filter(([account, value]) => value === 0 && writes.has(account))).toEqual([]);
    expect(writes.size).toBe([...expectedValues.values()].filter((value) => value !== 0).length);
  }, 90_000);
});

