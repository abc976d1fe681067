import { createLogger } from '../../src/observability/logger';
import { ReplicaConnection } from '../../src/replicas/redis-connection';
import { memberKeys } from '../../src/writes/member-order-redis';
import { redisForTests } from '../support/redis';

// The Lua scripts against a real Redis, one script at a time: what each returns is their contract (scripts.ts).
describe('the replicas’ Lua scripts', () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let connection: ReplicaConnection;
  beforeAll(async () => {
    redis = await redisForTests();
    connection = new ReplicaConnection({ url: redis.url, keyPrefix: redis.keyPrefix, logger: createLogger({ level: 'silent' }) });
    expect(await connection.whenReady(5000)).toBe(true);
  });
  afterAll(async () => {
    connection.close();
    await redis.stop();
  });

  /** A member with one update stamped, whose lease replica A has claimed (to send that value). */
  async function claimedByA(memberAccount: string, value: number): Promise<{ member: string; lease: string; seq: number }> {
    const { member, lease } = memberKeys(connection, { groupId: 'g', memberAccount });
    const seq = await connection.redis.submitUpdate(member, value, 60_000);
    expect((await connection.redis.claimMember(member, lease, seq, 'A', 5000))[0]).toBe(2);
    return { member, lease, seq };
  }

  it('RESERVE_SLOT spaces reservations one interval apart and refuses one that would wait too long', async () => {
    const tat = connection.key('t1', 'tat');
    const waits: Array<[number, number]> = [];
    for (let i = 0; i < 4; i++) {
      const [granted, wait] = await connection.redis.reserveSlot(tat, 1000, 2500);
      waits.push([granted, Number(wait)]);
    }
    expect(waits.map(([granted]) => granted)).toEqual([1, 1, 1, 0]);
    expect(waits[0][1]).toBe(0);
    expect(waits[1][1]).toBeGreaterThan(900);
    expect(waits[1][1]).toBeLessThanOrEqual(1000);
    expect(waits[2][1]).toBeGreaterThan(1900);
    expect(waits[3][1]).toBeGreaterThan(2500); // refused: and nothing was reserved for it
    const [, afterRefusal] = await connection.redis.reserveSlot(tat, 1000, 5000);
    expect(Number(afterRefusal)).toBeLessThanOrEqual(3000);
  });

  it('TAKE_SEND paces with a tolerance of a few calls and reserves nothing ahead', async () => {
    const tat = connection.key('t2', 'tat');
    const sends = connection.key('t2', 'sends');
    // 1 call per 100 ms, tolerance 200 ms (3 at once), a limit far away.
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await connection.redis.takeSend(tat, sends, 100, 200, 1000, 1050, 5000, `s${i}`));
    expect(answers.slice(0, 3).map(([granted]) => granted)).toEqual([1, 1, 1]);
    // The 4th and 5th are told to wait about one interval, and neither is reserved: asking again gives the same.
    expect(answers[3][0]).toBe(0);
    expect(Number(answers[3][1])).toBeGreaterThan(50);
    expect(Number(answers[3][1])).toBeLessThanOrEqual(100);
    expect(answers[4][0]).toBe(0);
    expect(Number(answers[4][1])).toBeLessThanOrEqual(100);
  });

  it('TAKE_SEND counts granted-but-unwritten sends against the limit until MARK_WRITTEN or ZREM; then the oldest write decides', async () => {
    const tat = connection.key('t3', 'tat');
    const sends = connection.key('t3', 'sends');
    const take = (id: string) => connection.redis.takeSend(tat, sends, 0, 0, 3, 1000, 5000, id);
    expect((await take('a'))[0]).toBe(1);
    expect((await take('b'))[0]).toBe(1);
    expect((await take('c'))[0]).toBe(1);
    expect(await take('d')).toEqual([0, '5']); // all three unwritten: ask again soon
    await connection.redis.zrem(sends, 'c'); // never written: handed back
    expect((await take('d'))[0]).toBe(1);
    for (const id of ['a', 'b', 'd']) await connection.redis.markWritten(sends, id);
    const [granted, wait] = await take('e');
    expect(granted).toBe(0);
    expect(Number(wait)).toBeGreaterThan(900); // until the oldest write leaves the window
    expect(Number(wait)).toBeLessThanOrEqual(1000);
  });

  it('SUBMIT_UPDATE / CLAIM_MEMBER / RELEASE_MEMBER: the lease holder sends the latest value; covered updates cost nothing', async () => {
    const { member, lease } = memberKeys(connection, { groupId: 'g', memberAccount: 'bob' });
    const { redis: r } = connection;
    expect(await r.submitUpdate(member, 5, 60_000)).toBe(1);
    expect(await r.submitUpdate(member, 5, 60_000)).toBe(1); // same pending value: same number, one call
    expect(await r.submitUpdate(member, 7, 60_000)).toBe(2);

    expect(await r.claimMember(member, lease, 1, 'A', 5000)).toEqual([2, 2, '7']); // A holds the lease, sends the latest
    const [waiting, ttl] = await r.claimMember(member, lease, 2, 'B', 5000);
    expect(waiting).toBe(0); // B waits for A
    expect(Number(ttl)).toBeGreaterThan(0);
    expect(await r.renewLease(lease, 'B', 5000)).toBe(0); // only the holder renews
    expect(await r.renewLease(lease, 'A', 5000)).toBe(1);

    await r.releaseMember(member, lease, 'A', 2, 7, 0);
    expect(await r.claimMember(member, lease, 2, 'B', 5000)).toEqual([1, '7']); // covered by what A applied
    expect(await r.claimMember(member, lease, 1, 'C', 5000)).toEqual([1, '7']);
  });

  it('RELEASE_MEMBER after a failure records nothing and frees the lease', async () => {
    const { member, lease, seq } = await claimedByA('carol', 3);
    const { redis: r } = connection;
    await r.releaseMember(member, lease, 'A', '', '', 0);
    expect(await r.claimMember(member, lease, seq, 'B', 5000)).toEqual([2, seq, '3']); // not applied: B sends it again
  });

  it('RELEASE_MEMBER with a hold keeps the lease that long: an abandoned call may still land', async () => {
    const { member, lease, seq } = await claimedByA('dave', 4);
    const { redis: r } = connection;
    await r.releaseMember(member, lease, 'A', '', '', 3000);
    const [state, ttl] = await r.claimMember(member, lease, seq, 'B', 5000);
    expect(state).toBe(0);
    expect(Number(ttl)).toBeGreaterThan(2500);
    expect(Number(ttl)).toBeLessThanOrEqual(3000);
  });
});
