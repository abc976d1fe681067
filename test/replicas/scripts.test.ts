import { createLogger } from '../../src/observability/logger';
import { ReplicaConnection } from '../../src/replicas/redis-connection';
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

  it('RECORD_SEND lets `limit` sends into a window, then says how long until the oldest leaves it', async () => {
    const sends = connection.key('t2', 'sends');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(Number(await connection.redis.recordSend(sends, 3, 1000, `send-${i}`)));
    expect(answers.slice(0, 3)).toEqual([0, 0, 0]);
    expect(answers[3]).toBeGreaterThan(0);
    expect(answers[3]).toBeLessThanOrEqual(1000);
  });

  it('SUBMIT_UPDATE / CLAIM_MEMBER / RELEASE_MEMBER: the lease holder sends the latest value; covered updates cost nothing', async () => {
    const member = connection.key('m:g:bob', 'state');
    const lease = connection.key('m:g:bob', 'lease');
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

    await r.releaseMember(member, lease, 'A', 2, 7);
    expect(await r.claimMember(member, lease, 2, 'B', 5000)).toEqual([1, '7']); // covered by what A applied
    expect(await r.claimMember(member, lease, 1, 'C', 5000)).toEqual([1, '7']);
  });

  it('RELEASE_MEMBER after a failure records nothing and frees the lease', async () => {
    const member = connection.key('m:g:carol', 'state');
    const lease = connection.key('m:g:carol', 'lease');
    const { redis: r } = connection;
    const seq = await r.submitUpdate(member, 3, 60_000);
    expect((await r.claimMember(member, lease, seq, 'A', 5000))[0]).toBe(2);
    await r.releaseMember(member, lease, 'A', '', '');
    expect(await r.claimMember(member, lease, seq, 'B', 5000)).toEqual([2, seq, '3']); // not applied: B sends it again
  });
});
