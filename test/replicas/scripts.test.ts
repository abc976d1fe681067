import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger } from '../../src/observability/logger';
import { SUBMIT_UPDATE } from '../../src/replicas/scripts';
import { until } from '../support/wait';
import { ReplicaConnection } from '../../src/replicas/redis-connection';
import { memberKeys } from '../../src/writes/member-order-redis';
import { redisForTests } from '../support/redis';

const TTL = 60_000;
const CHANNEL = 'test-released';

// The Lua scripts against a real Redis, one script at a time: what each returns is their contract (scripts.ts).
describe('the replicas’ Lua scripts', () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let connection: ReplicaConnection;
  beforeAll(async () => {
    redis = await redisForTests();
    connection = new ReplicaConnection({ topology: { kind: 'single', url: redis.url }, keyPrefix: redis.keyPrefix, logger: createLogger({ level: 'silent' }), resetHolds: { membersMs: 0, budgetMs: 0 } });
    expect(await connection.whenReady(5000)).toBe(true);
  });
  afterAll(async () => {
    connection.close();
    await redis.stop();
  });

  /** A member with one update stamped, whose lease replica A has claimed (to send that value). */
  async function claimedByA(memberAccount: string, value: number): Promise<{ member: string; lease: string; seq: number }> {
    const { member, lease } = memberKeys(connection, { groupId: 'g', memberAccount });
    const seq = await connection.redis.submitUpdate(member, value, TTL);
    expect((await connection.redis.claimMember(member, lease, seq, 'A', 5000, value, TTL))[0]).toBe(2);
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
    const first = await r.submitUpdate(member, 5, TTL);
    expect(await r.submitUpdate(member, 5, TTL)).toBe(first); // same pending value: same number, one call
    const second = await r.submitUpdate(member, 7, TTL);
    expect(second).toBeGreaterThan(first);
    expect(await r.hget(member, 'stamps')).toBe('2');

    expect(await r.claimMember(member, lease, first, 'A', 5000, 5, TTL)).toEqual([2, second, '7']); // A holds the lease, sends the latest
    const [waiting, ttl] = await r.claimMember(member, lease, second, 'B', 5000, 7, TTL);
    expect(waiting).toBe(0); // B waits for A
    expect(Number(ttl)).toBeGreaterThan(0);
    expect(await r.renewLease(lease, 'B', 5000)).toBe(0); // only the holder renews
    expect(await r.renewLease(lease, 'A', 5000)).toBe(1);

    await r.releaseMember(member, lease, 'A', second, 7, 0, TTL, CHANNEL);
    expect(await r.claimMember(member, lease, second, 'B', 5000, 7, TTL)).toEqual([1, '7']); // covered by what A applied
    expect(await r.claimMember(member, lease, first, 'C', 5000, 5, TTL)).toEqual([1, '7']);
  });

  it('RESTAMP_APPLIED (late-write repair): a new number for the applied value only while nothing newer is on its way', async () => {
    const { member, lease, seq } = await claimedByA('ivy', 4);
    const { redis: r } = connection;
    expect(await r.restampApplied(member, 4, TTL)).toBe(0); // 4 is not applied yet: nothing to repair with
    await r.releaseMember(member, lease, 'A', seq, 4, 0, TTL, CHANNEL);
    expect(await r.restampApplied(member, 9, TTL)).toBe(0); // 9 is not the applied value
    const again = await r.restampApplied(member, 4, TTL);
    expect(again).toBeGreaterThan(seq);
    expect(await r.hmget(member, 'seq', 'value')).toEqual([String(again), '4']);
    expect(await r.claimMember(member, lease, again, 'B', 5000, 4, TTL)).toEqual([2, again, '4']); // B sends 4 again

    const { member: other, lease: otherLease, seq: applied } = await claimedByA('jack', 1);
    await r.releaseMember(other, otherLease, 'A', applied, 1, 0, TTL, CHANNEL);
    await r.submitUpdate(other, 3, TTL); // a newer update is on its way: it sets IM, the repair stays out
    expect(await r.restampApplied(other, 1, TTL)).toBe(0);
  });

  it('after SCRIPT FLUSH (what a failover to a fresh master or a restart leaves) every script still runs: NOSCRIPT is answered by sending the script again', async () => {
    const { member } = memberKeys(connection, { groupId: 'g', memberAccount: 'flushed' });
    const before = await connection.redis.submitUpdate(member, 1, TTL);
    const monitor = (connection.redis as Redis).duplicate();
    const evals: string[] = [];
    await monitor.monitor().then((feed) => feed.on('monitor', (_time: string, args: string[]) => evals.push(String(args[0]).toLowerCase())));
    try {
      expect(await connection.redis.script('FLUSH')).toBe('OK');
      expect(await connection.redis.script('EXISTS', createHash('sha1').update(SUBMIT_UPDATE).digest('hex'))).toEqual([0]);
      const after = await connection.redis.submitUpdate(member, 2, TTL);
      expect(after).toBeGreaterThan(before);
      await until(() => evals.includes('eval'), 'the script sent again');
      expect(evals.filter((command) => command === 'evalsha' || command === 'eval').slice(0, 2)).toEqual(['evalsha', 'eval']); // NOSCRIPT, then the script itself
      expect(await connection.redis.script('EXISTS', createHash('sha1').update(SUBMIT_UPDATE).digest('hex'))).toEqual([1]);
    } finally {
      monitor.disconnect();
    }
  });

  it('SUBMIT_UPDATE numbers come from Redis’s clock in microseconds, always above the member’s last', async () => {
    const { member } = memberKeys(connection, { groupId: 'g', memberAccount: 'clock' });
    const [seconds, micros] = await connection.redis.time();
    const before = Number(seconds) * 1e6 + Number(micros);
    const numbers = [];
    for (let value = 0; value < 20; value++) numbers.push(await connection.redis.submitUpdate(member, value, TTL));
    expect(numbers[0]).toBeGreaterThanOrEqual(before);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]);
    expect(Number.isSafeInteger(numbers.at(-1))).toBe(true);
  });

  it('state lost between a claim and its release (Redis restarted empty): the old release makes no newer update look applied', async () => {
    const { member, lease, seq: old } = await claimedByA('erin', 15);
    await connection.redis.del(member, lease); // what an empty restart leaves
    const newer = await connection.redis.submitUpdate(member, 2, TTL);
    expect(newer).toBeGreaterThan(old);
    await connection.redis.releaseMember(member, lease, 'A', old, 15, 0, TTL, CHANNEL); // A's call of 15 ended after the reset
    expect(await connection.redis.claimMember(member, lease, newer, 'B', 5000, 2, TTL)).toEqual([2, newer, '2']); // 2 is still to send
    expect(await connection.redis.pttl(member)).toBeGreaterThan(0); // nothing written without its expiry
  });

  it('a claim whose stamp Redis lost puts it back as the latest; an older lost one is covered by what was applied since', async () => {
    const { member, lease } = memberKeys(connection, { groupId: 'g', memberAccount: 'frank' });
    const { redis: r } = connection;
    const older = await r.submitUpdate(member, 1, TTL);
    const newer = await r.submitUpdate(member, 2, TTL);
    await r.del(member); // failover to a replica that had not received these writes
    expect(await r.claimMember(member, lease, newer, 'A', 5000, 2, TTL)).toEqual([2, newer, '2']);
    expect(await r.hmget(member, 'seq', 'value')).toEqual([String(newer), '2']);
    await r.releaseMember(member, lease, 'A', newer, 2, 0, TTL, CHANNEL);
    expect(await r.claimMember(member, lease, older, 'B', 5000, 1, TTL)).toEqual([1, '2']); // 1 is older than the applied 2
  });

  it('RELEASE_MEMBER publishes the member’s key when it frees the lease (waiters wake), not when it holds it', async () => {
    const subscriber = (connection.redis as Redis).duplicate({ enableOfflineQueue: true });
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, member: string) => heard.push(member));
    await subscriber.subscribe(CHANNEL);
    try {
      const held = await claimedByA('gina', 1);
      await connection.redis.releaseMember(held.member, held.lease, 'A', '', '', 3000, TTL, CHANNEL); // an abandoned call: held on
      const freed = await claimedByA('hank', 2);
      await connection.redis.releaseMember(freed.member, freed.lease, 'A', freed.seq, 2, 0, TTL, CHANNEL);
      for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(heard).toEqual([freed.member]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('RELEASE_MEMBER after a failure records nothing and frees the lease', async () => {
    const { member, lease, seq } = await claimedByA('carol', 3);
    const { redis: r } = connection;
    await r.releaseMember(member, lease, 'A', '', '', 0, TTL, CHANNEL);
    expect(await r.claimMember(member, lease, seq, 'B', 5000, 3, TTL)).toEqual([2, seq, '3']); // not applied: B sends it again
  });

  it('RELEASE_MEMBER with a hold keeps the lease that long: an abandoned call may still land', async () => {
    const { member, lease, seq } = await claimedByA('dave', 4);
    const { redis: r } = connection;
    await r.releaseMember(member, lease, 'A', '', '', 3000, TTL, CHANNEL);
    const [state, ttl] = await r.claimMember(member, lease, seq, 'B', 5000, 4, TTL);
    expect(state).toBe(0);
    expect(Number(ttl)).toBeGreaterThan(2500);
    expect(Number(ttl)).toBeLessThanOrEqual(3000);
  });

  it('RESET_MARKER: read answers no reset until one is marked, then when (Redis’s clock), for the hold given', async () => {
    const marker = connection.key('epoch-test', 'reset');
    const [none, now] = await connection.redis.resetMarker(marker, 'read', 5000);
    expect(none).toBeNull();
    const [markedAt] = await connection.redis.resetMarker(marker, 'mark', 5000);
    expect(Number(markedAt)).toBeGreaterThanOrEqual(Number(now));
    expect((await connection.redis.resetMarker(marker, 'read', 5000))[0]).toBe(markedAt);
    expect(await connection.redis.pttl(marker)).toBeGreaterThan(4000);
  });
});
