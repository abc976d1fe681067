import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup } from '../support/cleanup';
import { GROUP, importFixture, importUnread, setCalls } from '../support/import';
import { TestRedis } from '../support/redis';
import { until } from '../support/wait';

const ROWS = 1500;

describe('import-unread waits for its shared state (docs/scale-out.md: a Redis outage)', () => {
  const fixture = importFixture();

  it('Redis killed mid-import and started again empty: the import says it waits, goes on once Redis is back, exits 0 with every row at IM and none sent twice', async () => {
    const { dir, simulator, env } = fixture;
    const redis = await TestRedis.start();
    onCleanup(() => redis.stop());
    const file = join(dir, 'counts.csv');
    writeFileSync(file, ['groupId,memberAccount,unreadCount', ...Array.from({ length: ROWS }, (_, i) => `${GROUP},u${i},${1 + (i % 40)}`)].join('\n'));
    const run = importUnread([file, '--rate', '300'], {
      ...env,
      IM_SHARED_STATE: 'redis',
      REDIS_URL: redis.url,
      // The hold after a reset is the longest a lost lease could run: kept short here.
      IM_RETRY_DEADLINE_MS: '500',
      IM_TIMEOUT_MS: '1000',
    });
    onCleanup(() => run.child.kill('SIGKILL'));

    await until(() => setCalls(simulator).length >= 300, 'a fifth of the rows at IM', 30_000);
    await redis.stop();
    await until(() => run.stderr().includes('waiting for the shared state'), 'the import to say it waits', 30_000);
    const sentWhileDown = setCalls(simulator).length;
    await redis.restart();

    expect(await run.exited).toBe(0);
    expect(run.stderr()).toMatch(/shared state back after [\d.]+ s; continuing/);
    expect(sentWhileDown).toBeLessThan(ROWS); // the outage really came mid-import
    const rejectsFile = `${file}.rejects.csv`;
    expect(existsSync(rejectsFile) ? readFileSync(rejectsFile, 'utf8').trim().split('\n').slice(1) : []).toEqual([]); // no row given up
    for (let i = 0; i < ROWS; i++) expect(simulator.unreadCount(GROUP, `u${i}`)).toBe(1 + (i % 40));
    const sent = setCalls(simulator).map((call) => call.Member_Account);
    expect(new Set(sent).size).toBe(ROWS);
    expect(sent).toHaveLength(ROWS);
  }, 90_000);
});
